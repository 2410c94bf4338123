// LoRA products on the CPU (cpu/lora.h).
#include "lora.h"

#include <algorithm>
#include <vector>

#include "../quants_ref.h"
#include "matmul.h"

namespace arb {

namespace {

constexpr int64_t kRowsPerChunk = 64;
// Below this many multiply-adds a step's products run on the calling thread: two pool jobs per
// group of projections cost more than the work itself (a decode step of a rank-16 adapter is
// tens of thousands per group).
constexpr int64_t kSerialMacs = 1 << 20;

MatmulArgs args_for(const TensorView& w, const float* act, int64_t ld_act, int n_tok, float* y, int64_t ldy) {
  MatmulArgs a;
  a.w = w.data;
  a.w_row_bytes = w.row_bytes();
  a.n_cols = w.n_cols();
  a.act = act;
  a.act_row_bytes = static_cast<size_t>(ld_act) * sizeof(float);
  a.n_tok = n_tok;
  a.y = y;
  a.ldy = ldy;
  return a;
}

}  // namespace

void run_lora(ThreadPool& pool, const std::vector<LoraProduct>& products, std::vector<float>* scratch) {
  if (products.empty()) return;
  // Scratch layout per product: u [n_tok x rank], then z = B u [n_tok x n_out].
  std::vector<size_t> u_at(products.size()), z_at(products.size());
  std::vector<int64_t> first_chunk(products.size() + 1, 0);
  size_t size = 0;
  int64_t macs = 0;
  for (size_t i = 0; i < products.size(); i++) {
    const LoraProduct& p = products[i];
    u_at[i] = size;
    size += static_cast<size_t>(p.n_tok) * p.pair->rank;
    z_at[i] = size;
    size += static_cast<size_t>(p.n_tok) * p.pair->b.n_rows();
    first_chunk[i + 1] = first_chunk[i] + (p.pair->b.n_rows() + kRowsPerChunk - 1) / kRowsPerChunk;
    macs += static_cast<int64_t>(p.n_tok) * p.pair->rank * (p.pair->a.n_cols() + p.pair->b.n_rows());
  }
  if (scratch->size() < size) scratch->resize(size);
  float* s = scratch->data();

  // Runs fn over [0, n) on the pool, or on this thread when the step is small.
  auto for_range = [&](int64_t n, auto&& fn) {
    if (macs < kSerialMacs) {
      fn(0, n);
    } else {
      pool.parallel_for(n, 1, fn);
    }
  };
  for_range(static_cast<int64_t>(products.size()), [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i++) {
      const LoraProduct& p = products[static_cast<size_t>(i)];
      const TensorView& a = p.pair->a;
      select_matmul_kernel(a.type)->rows(args_for(a, p.x, p.ldx, p.n_tok, s + u_at[i], p.pair->rank), 0, a.n_rows());
    }
  });

  for_range(first_chunk.back(), [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; c++) {
      const auto after = std::upper_bound(first_chunk.begin(), first_chunk.end(), c);
      const size_t i = static_cast<size_t>(after - first_chunk.begin() - 1);
      const LoraProduct& p = products[i];
      const TensorView& b = p.pair->b;
      const int64_t r0 = (c - first_chunk[i]) * kRowsPerChunk, r1 = std::min(r0 + kRowsPerChunk, b.n_rows());
      float* z = s + z_at[i];
      select_matmul_kernel(b.type)->rows(args_for(b, s + u_at[i], p.pair->rank, p.n_tok, z, b.n_rows()), r0, r1);
      for (int t = 0; t < p.n_tok; t++) {
        for (int64_t r = r0; r < r1; r++) p.y[t * p.ldy + r] += p.pair->scale * z[t * b.n_rows() + r];
      }
    }
  });
}

void lora_product_ref(const LoraProduct& p) {
  const TensorView &a = p.pair->a, &b = p.pair->b;
  std::vector<float> row(static_cast<size_t>(std::max(a.n_cols(), b.n_cols())));
  std::vector<double> u(static_cast<size_t>(p.pair->rank));
  for (int t = 0; t < p.n_tok; t++) {
    const float* x = p.x + t * p.ldx;
    for (int64_t j = 0; j < a.n_rows(); j++) {
      dequantize_row(a.type, a.data + j * a.row_bytes(), row.data(), a.n_cols());
      double sum = 0;
      for (int64_t i = 0; i < a.n_cols(); i++) sum += static_cast<double>(row[i]) * x[i];
      u[static_cast<size_t>(j)] = sum;
    }
    for (int64_t o = 0; o < b.n_rows(); o++) {
      dequantize_row(b.type, b.data + o * b.row_bytes(), row.data(), b.n_cols());
      double sum = 0;
      for (int64_t j = 0; j < b.n_cols(); j++) sum += static_cast<double>(row[j]) * u[static_cast<size_t>(j)];
      p.y[t * p.ldy + o] += static_cast<float>(p.pair->scale * sum);
    }
  }
}

}  // namespace arb
