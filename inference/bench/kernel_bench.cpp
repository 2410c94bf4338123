// `npm run bench:kernels`: each matmul kernel alone, for the figures behind kernel changes
// (inference/BENCHMARKS.md, CPU). Prints one JSON document.
//
//   cache   one 2816 x 1024 weight matrix (1.5-11 MB: L2/L3), one thread, T activations,
//           microseconds per product (the median of 7 timed batches)
//   memory  a 256 MB weight matrix (DRAM), the rows split between `threads` threads, GB/s of
//           weights read (the median of 15 passes)
//
// Every weight type, the kernel this CPU selects (ARBITER_CPU_ISA lowers it), T = 1, 2, 4.
// Options: --types q8_0,q4_0,... --threads N (default 2).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cpu/cpu_features.h"
#include "cpu/kernels.h"
#include "quants_ref.h"

namespace arb {
namespace {

constexpr int64_t kCols = 1024;

struct Bench {
  GgmlType type;
  const MatmulKernel* kernel;
  size_t row_bytes;
};

// Rows of random weights (the first 64 quantized, the rest copies: the bytes, not their values,
// are what the kernels' speed depends on).
std::vector<uint8_t> make_weights(const Bench& b, int64_t rows) {
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<uint8_t> w(b.row_bytes * static_cast<size_t>(rows));
  std::vector<float> row(kCols);
  for (int64_t r = 0; r < rows; r++) {
    if (r < 64) {
      for (float& v : row) v = normal(rng);
      quantize_row_ref(b.type, row.data(), w.data() + b.row_bytes * r, kCols);
    } else {
      std::memcpy(w.data() + b.row_bytes * r, w.data() + b.row_bytes * (r % 64), b.row_bytes);
    }
  }
  return w;
}

std::vector<uint8_t> make_activations(const Bench& b, int n_tok) {
  std::mt19937 rng(2);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const size_t rb = b.kernel->act == ActFormat::F32 ? kCols * sizeof(float) : act_row_bytes(b.kernel->act, kCols);
  std::vector<uint8_t> act(rb * n_tok + 64);
  std::vector<float> x(kCols);
  for (int t = 0; t < n_tok; t++) {
    for (float& v : x) v = normal(rng);
    if (b.kernel->act == ActFormat::F32) {
      std::memcpy(act.data() + rb * t, x.data(), rb);
    } else {
      const QuantizeActFn q = b.kernel->act == ActFormat::Q8 ? select_quantize_act(cpu_isa_selected())
                                                              : select_quantize_act_q8k(cpu_isa_selected());
      q(x.data(), act.data() + rb * t, kCols);
    }
  }
  return act;
}

MatmulArgs args(const Bench& b, const std::vector<uint8_t>& w, const std::vector<uint8_t>& act, int n_tok,
                std::vector<float>* y, int64_t rows) {
  MatmulArgs a;
  a.w = w.data();
  a.w_row_bytes = b.row_bytes;
  a.n_cols = kCols;
  a.act = act.data();
  a.act_row_bytes = b.kernel->act == ActFormat::F32 ? kCols * sizeof(float) : act_row_bytes(b.kernel->act, kCols);
  a.n_tok = n_tok;
  y->assign(static_cast<size_t>(rows * n_tok), 0.0f);
  a.y = y->data();
  a.ldy = rows;
  return a;
}

bool type_named(const std::string& name, GgmlType* out) {
  for (GgmlType t : {GgmlType::F32, GgmlType::F16, GgmlType::BF16, GgmlType::Q8_0, GgmlType::Q4_0, GgmlType::Q5_0,
                     GgmlType::Q4_K, GgmlType::Q6_K}) {
    if (name == ggml_type_name(t)) {
      *out = t;
      return true;
    }
  }
  return false;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double median(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  return xs[xs.size() / 2];
}

// Microseconds per product of a 2816 x 1024 matrix with n_tok activations, one thread.
double cache_us(const Bench& b, int n_tok) {
  const int64_t rows = 2816;
  const std::vector<uint8_t> w = make_weights(b, rows), act = make_activations(b, n_tok);
  std::vector<float> y;
  const MatmulArgs a = args(b, w, act, n_tok, &y, rows);
  for (int i = 0; i < 20; i++) b.kernel->rows(a, 0, rows);
  std::vector<double> batches;
  for (int k = 0; k < 7; k++) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 100; i++) b.kernel->rows(a, 0, rows);
    batches.push_back(seconds_since(t0) / 100 * 1e6);
  }
  return median(batches);
}

// GB/s of weights through `threads` threads on a 256 MB matrix.
double memory_gbps(const Bench& b, int n_tok, int threads) {
  const int64_t rows = static_cast<int64_t>((size_t{256} << 20) / b.row_bytes);
  const std::vector<uint8_t> w = make_weights(b, rows), act = make_activations(b, n_tok);
  std::vector<float> y;
  const MatmulArgs a = args(b, w, act, n_tok, &y, rows);
  auto pass = [&] {
    std::vector<std::thread> pool;
    for (int i = 0; i < threads; i++) pool.emplace_back([&, i] { b.kernel->rows(a, rows * i / threads, rows * (i + 1) / threads); });
    for (std::thread& t : pool) t.join();
  };
  pass();
  std::vector<double> rates;
  for (int k = 0; k < 15; k++) {
    const auto t0 = std::chrono::steady_clock::now();
    pass();
    rates.push_back(static_cast<double>(w.size()) / seconds_since(t0) / 1e9);
  }
  return median(rates);
}

}  // namespace
}  // namespace arb

int main(int argc, char** argv) {
  using namespace arb;
  std::string types = "f32,f16,bf16,q8_0,q4_0,q5_0,q4_k,q6_k";
  int threads = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--types") == 0) types = argv[i + 1];
    else if (std::strcmp(argv[i], "--threads") == 0) threads = std::max(1, std::atoi(argv[i + 1]));
    else {
      std::fprintf(stderr, "usage: kernel_bench [--types q8_0,q4_0,...] [--threads N]\n");
      return 2;
    }
  }
  std::printf("{\n  \"benchmark\": \"cpu-kernels\",\n  \"isa\": \"%s\",\n  \"cpu\": \"%s\",\n  \"threads\": %d,\n  \"columns\": %lld,\n  \"kernels\": [",
              cpu_isa_name(cpu_isa_selected()), cpu_features().brand.c_str(), threads, static_cast<long long>(kCols));
  bool first = true;
  size_t at = 0;
  while (at <= types.size()) {
    const size_t comma = std::min(types.find(',', at), types.size());
    std::string name = types.substr(at, comma - at);
    at = comma + 1;
    for (char& ch : name) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    GgmlType type;
    if (!type_named(name, &type)) {
      std::fprintf(stderr, "kernel_bench: unknown type %s\n", name.c_str());
      return 2;
    }
    const MatmulKernel* kernel = select_matmul_kernel(type);
    if (!kernel) continue;
    const Bench b{type, kernel, ggml_row_size(type, kCols)};
    std::fprintf(stderr, "[bench:kernels] %s\n", name.c_str());
    std::printf("%s\n    {\"type\": \"%s\", \"kernelIsa\": \"%s\", \"cacheUsPerProduct\": {", first ? "" : ",", name.c_str(),
                cpu_isa_name(kernel->isa));
    first = false;
    for (int t : {1, 2, 4}) std::printf("%s\"%d\": %.1f", t == 1 ? "" : ", ", t, cache_us(b, t));
    std::printf("}, \"memoryGBps\": {");
    for (int t : {1, 2}) std::printf("%s\"%d\": %.1f", t == 1 ? "" : ", ", t, memory_gbps(b, t, threads));
    std::printf("}}");
    std::fflush(stdout);
  }
  std::printf("\n  ]\n}\n");
  return 0;
}
