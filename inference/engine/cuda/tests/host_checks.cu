// The per-type block decoding of the CUDA kernels (quant_types.cuh: the same code the kernels
// run, compiled for the host) on the repacked layout, checked on the CPU against the scalar
// references: every value bit-exact, the fp16 tiles of the float-weight product bit-exact, the
// q8 integer dot products equal to the exact sums, and the int8 tiles of the quantized prefill
// product giving the decode path's per-unit terms bit for bit; the version-2 matvec's row-base
// loader reading the same units. Needs no GPU.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "../device_weights.h"
#include "../kernels.h"
#include "../quant_types.cuh"
#include "check_util.h"
#include "reference.h"

namespace arb::gputest {

using cuda::DevMatrix;
using cuda::Unit;

namespace {

struct HostRepacked {
  std::vector<uint8_t> q;
  std::vector<uint16_t> d;
  std::vector<uint32_t> qh;
  DevMatrix m;
};

HostRepacked repack(GgmlType t, const std::vector<uint8_t>& src, int64_t rows, int64_t cols) {
  HostRepacked h;
  DevMatrix& m = h.m;
  m.type = t;
  m.rows = rows;
  m.cols = cols;
  m.q_row_bytes = cuda::repacked_row_bytes(t, cols);
  const bool fl = t == GgmlType::F32 || t == GgmlType::F16 || t == GgmlType::BF16;
  m.blocks_per_row = fl ? cols : cols / block_values(t);
  m.row_elems = fl ? cuda::round_up(cols, 32) : cols;
  h.q.resize(static_cast<size_t>(rows * m.q_row_bytes) + 16);
  h.d.resize(static_cast<size_t>(rows * m.blocks_per_row));
  h.qh.resize(static_cast<size_t>(rows * m.blocks_per_row));
  for (int64_t r = 0; r < rows; r++) {
    cuda::repack_row(t, src.data() + r * row_bytes(t, cols), cols, h.q.data() + r * m.q_row_bytes,
                     h.d.data() + r * m.blocks_per_row, h.qh.data() + r * m.blocks_per_row);
  }
  m.q = h.q.data();
  m.d = reinterpret_cast<const __half*>(h.d.data());
  m.qh = h.qh.data();
  return h;
}

template <GgmlType T>
void check_type(Report& rep, Rng& rng) {
  const bool fl = T == GgmlType::F32 || T == GgmlType::F16 || T == GgmlType::BF16;
  const int64_t cols = fl ? 100 : (block_values(T) == 256 ? 512 : 96), rows = 5;
  const std::vector<uint8_t> src = random_rows(T, rows, cols, 1.0f, rng);
  const HostRepacked h = repack(T, src, rows, cols);
  std::vector<float> want(static_cast<size_t>(cols));
  int64_t value_bad = 0, half_bad = 0, elem_bad = 0, dot_bad = 0;
  double worst = 0.0;
  for (int64_t r = 0; r < rows; r++) {
    ref_dequantize_row(T, src.data() + r * row_bytes(T, cols), want.data(), cols);
    for (int64_t u = 0; u < h.m.row_elems / 32; u++) {
      Unit<T> un;
      un.load(h.m, r, u);
      uint4 hv[4];
      cuda::unit_to_half<T>(un, hv);
      const uint16_t* halves = reinterpret_cast<const uint16_t*>(hv);
      for (int j = 0; j < 32; j++) {
        const int64_t c = u * 32 + j;
        const float w = c < cols ? want[static_cast<size_t>(c)] : 0.0f;  // float rows are zero-padded
        const float got = un.value(j);
        value_bad += std::memcmp(&got, &w, 4) != 0;
        half_bad += halves[j] != fp32_to_fp16(w);
        if (c < cols) {
          const float e = cuda::dequant_elem(h.m, r, c);
          elem_bad += std::memcmp(&e, &w, 4) != 0;
        }
      }
    }
    if constexpr (!fl) {
      std::vector<float> x(static_cast<size_t>(cols));
      for (auto& v : x) v = rng.normal() * (rng.uniform() < 0.1f ? 20.0f : 1.0f);
      std::vector<int8_t> q(static_cast<size_t>(cols) + 32);
      std::vector<float> d(static_cast<size_t>(cols / 32));
      std::vector<int32_t> s(static_cast<size_t>(cols / 32));
      if (cuda::act_quant_for(T) == cuda::ActQuant::Super256) ref_quantize_super256(x.data(), cols, q.data(), d.data(), s.data());
      else ref_quantize_block32(x.data(), cols, q.data(), d.data(), s.data());
      double abs_sum = 0.0;
      const double exact = ref_dot_q8(T, src.data() + r * row_bytes(T, cols), cols, q.data(), d.data(), s.data(), &abs_sum);
      float acc = 0.0f, acc_i8 = 0.0f;
      for (int64_t u = 0; u < cols / 32; u++) {
        Unit<T> un;
        un.load(h.m, r, u);
        int4 lo, hi;
        std::memcpy(&lo, q.data() + u * 32, 16);
        std::memcpy(&hi, q.data() + u * 32 + 16, 16);
        acc += un.dot_q8(lo, hi, d[static_cast<size_t>(u)], s[static_cast<size_t>(u)]);
        if constexpr (T == GgmlType::Q4_0 || T == GgmlType::Q5_0 || T == GgmlType::Q8_0) {
          // The version-2 matvec's loader (row bases) reads the same unit.
          Unit<T> un2;
          un2.load_row(h.m.q + r * h.m.q_row_bytes, h.m.d + r * h.m.blocks_per_row,
                       T == GgmlType::Q5_0 ? h.m.qh + r * h.m.blocks_per_row : nullptr, h.m.q_row_bytes, static_cast<int>(u));
          const float t1 = un.dot_q8(lo, hi, d[static_cast<size_t>(u)], s[static_cast<size_t>(u)]);
          const float t2 = un2.dot_q8(lo, hi, d[static_cast<size_t>(u)], s[static_cast<size_t>(u)]);
          dot_bad += std::memcmp(&t1, &t2, 4) != 0;
          for (int j = 0; j < 32; j++) {
            const float v1 = un.value(j), v2 = un2.value(j);
            value_bad += std::memcmp(&v1, &v2, 4) != 0;
          }
        }
        // The prefill product's route: int8 quants times int8 activations, then the same term.
        uint4 wq[2];
        cuda::WPar par;
        un.to_i8(wq, par);
        const int8_t* w8 = reinterpret_cast<const int8_t*>(wq);
        int i0 = 0, i1 = 0;
        for (int j = 0; j < 32; j++) {
          const int prod = w8[j] * q[static_cast<size_t>(u * 32 + j)];
          if (Unit<T>::kSplit16 && j >= 16) i1 += prod;
          else i0 += prod;
        }
        acc_i8 += Unit<T>::term(i0, i1, par, d[static_cast<size_t>(u)], s[static_cast<size_t>(u)]);
      }
      dot_bad += std::memcmp(&acc, &acc_i8, 4) != 0;  // the same per-unit terms, bit for bit
      const double e = std::fabs(acc - exact) / (abs_sum + 1e-30);
      worst = std::max(worst, e);
      dot_bad += !(e <= 1e-5);
    }
  }
  rep.add(std::string("host: block decoding of ") + ggml_type_name(T) + " (values, tiles, q8 dots)",
          value_bad == 0 && half_bad == 0 && elem_bad == 0 && dot_bad == 0,
          "\"value_bad\": " + std::to_string(value_bad) + ", \"half_bad\": " + std::to_string(half_bad) +
              ", \"elem_bad\": " + std::to_string(elem_bad) + ", \"dot_bad\": " + std::to_string(dot_bad) +
              ", \"dot_max_err_over_abs_terms\": " + fmt("%.3g", worst));
}

}  // namespace

void run_host_checks(Report& rep, uint64_t seed) {
  Rng rng(seed);
  check_type<GgmlType::F32>(rep, rng);
  check_type<GgmlType::F16>(rep, rng);
  check_type<GgmlType::BF16>(rep, rng);
  check_type<GgmlType::Q8_0>(rep, rng);
  check_type<GgmlType::Q4_0>(rep, rng);
  check_type<GgmlType::Q5_0>(rep, rng);
  check_type<GgmlType::Q4_K>(rep, rng);
  check_type<GgmlType::Q6_K>(rep, rng);
}

}  // namespace arb::gputest
