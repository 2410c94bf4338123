// Q6_K weights x Q8K activations (as llama.cpp's vec_dot_q6_K_q8_K). A 256-value super-block
// has sixteen sub-blocks of 16 with int8 scales sc_s; value = d * sc_s * (q - 32), q in 0..63
// split into a nibble of ql and two bits of qh (quants_ref.cpp, dequantize_q6_K). Per
// super-block and activation the kernels compute the exact integer
//   dots = sum_s sc_s * sum_l q * y  -  32 * sum_s sc_s * (y's quant sum over sub-block s)
// (the offset goes through the activation row's 16-value sums, not through every product) and
// add y.d * d * dots to an fp32 accumulator.
//   portable: plain loops.
//   AVX2:     32 six-bit values per vector (nibbles | two high bits): maddubs (u8 q x s8 y),
//             madd with [sc_s x8 | sc_s+1 x8] -> s32.
//   AVX-512:  64 values per vector (one 64-byte load of ql, qh broadcast and shifted per half),
//             maddubs, then VNNI dpwssd with four scales.
#include "tiles.h"

namespace arb {

// Named, not anonymous: see matmul_q8_0.cpp.
namespace q6_k_kernels {

template <int T>
struct TilePortable {
  static void run(const MatmulArgs& a, int64_t r, int t0) {
    const int64_t nb = a.n_cols / QK_K;
    const block_q6_K* w = row_ptr<block_q6_K>(a, r);
    float acc[T] = {};
    for (int64_t b = 0; b < nb; b++) {
      int8_t q[QK_K];  // q - 32 of every value, in order
      for (int h = 0; h < 2; h++) {
        for (int l = 0; l < 32; l++) {
          const uint8_t ql0 = w[b].ql[64 * h + l], ql1 = w[b].ql[64 * h + 32 + l], qh = w[b].qh[32 * h + l];
          q[128 * h + l] = static_cast<int8_t>(((ql0 & 0x0f) | (qh & 3) << 4) - 32);
          q[128 * h + 32 + l] = static_cast<int8_t>(((ql1 & 0x0f) | ((qh >> 2) & 3) << 4) - 32);
          q[128 * h + 64 + l] = static_cast<int8_t>(((ql0 >> 4) | ((qh >> 4) & 3) << 4) - 32);
          q[128 * h + 96 + l] = static_cast<int8_t>(((ql1 >> 4) | ((qh >> 6) & 3) << 4) - 32);
        }
      }
      const float d = fp16_to_fp32(w[b].d);
      for (int j = 0; j < T; j++) {
        const Q8KActRow y = q8k_act_row(act_ptr<uint8_t>(a, t0 + j), a.n_cols);
        const int8_t* yq = y.qs + b * QK_K;
        int32_t dots = 0;
        for (int s = 0; s < QK_K / 16; s++) {
          int32_t dot = 0;
          for (int l = 0; l < 16; l++) dot += q[16 * s + l] * yq[16 * s + l];
          dots += w[b].scales[s] * dot;
        }
        acc[j] += (d * y.d[b]) * static_cast<float>(dots);
      }
    }
    for (int j = 0; j < T; j++) store(a, r, t0 + j, acc[j]);
  }
};

void rows_portable(const MatmulArgs& a, int64_t r0, int64_t r1) { run_tiles<TilePortable>(a, r0, r1); }

#ifdef ARB_HAVE_X86_KERNELS
template <int T>
struct TileAvx2 {
  ARB_TARGET_AVX2 static void run(const MatmulArgs& a, int64_t r, int t0) {
    const int64_t nb = a.n_cols / QK_K;
    const block_q6_K* w = row_ptr<block_q6_K>(a, r);
    Q8KActRow y[T];
    for (int j = 0; j < T; j++) y[j] = q8k_act_row(act_ptr<uint8_t>(a, t0 + j), a.n_cols);
    const __m256 zero = _mm256_setzero_ps();
    Accumulators<__m256, T> acc{zero, zero, zero, zero};
    const __m256i nibble = _mm256_set1_epi8(0x0f), top = _mm256_set1_epi8(0x30);
    for (int64_t b = 0; b < nb; b++) {
      prefetch_weights<192>(w + b);
      const __m256i scales = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w[b].scales)));
      const __m256i zi = _mm256_setzero_si256();
      Accumulators<__m256i, T> sumi{zi, zi, zi, zi};
      for (int h = 0; h < 2; h++) {
        const __m256i ql0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[b].ql + 64 * h));
        const __m256i ql1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[b].ql + 64 * h + 32));
        const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[b].qh + 32 * h));
        // Values 128h + 32k + l; bits 2k, 2k + 1 of qh[l] become bits 4, 5.
        const __m256i q[4] = {
            _mm256_or_si256(_mm256_and_si256(ql0, nibble), _mm256_and_si256(_mm256_slli_epi16(qh, 4), top)),
            _mm256_or_si256(_mm256_and_si256(ql1, nibble), _mm256_and_si256(_mm256_slli_epi16(qh, 2), top)),
            _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), nibble), _mm256_and_si256(qh, top)),
            _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), nibble), _mm256_and_si256(_mm256_srli_epi16(qh, 2), top))};
        // Sub-blocks 8h + 2k and 8h + 2k + 1 cover the low and high 16 values of q[k]: their
        // scales, broadcast over each 128-bit lane.
        const __m256i half = _mm256_broadcastsi128_si256(h == 0 ? _mm256_castsi256_si128(scales) : _mm256_extracti128_si256(scales, 1));
        __m256i sc[4];
        for (int k = 0; k < 4; k++) {
          sc[k] = _mm256_shuffle_epi8(half, _mm256_set_m128i(_mm_set1_epi16(static_cast<short>(0x0100 + 0x0202 * (2 * k + 1))),
                                                             _mm_set1_epi16(static_cast<short>(0x0100 + 0x0202 * (2 * k)))));
        }
        sumi.update([&](int j, __m256i v) ARB_TARGET_AVX2 {
          const int8_t* yq = y[j].qs + b * QK_K + 128 * h;
          for (int k = 0; k < 4; k++) {
            const __m256i p = _mm256_maddubs_epi16(q[k], _mm256_loadu_si256(reinterpret_cast<const __m256i*>(yq + 32 * k)));
            v = _mm256_add_epi32(v, _mm256_madd_epi16(p, sc[k]));
          }
          return v;
        });
      }
      const float d = _cvtsh_ss(w[b].d);
      acc.update([&](int j, __m256 v) ARB_TARGET_AVX2 {
        const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[j].bsums + 16 * b));
        const __m256i offset = _mm256_slli_epi32(_mm256_madd_epi16(scales, bsums), 5);  // 32 * sc_s * sum
        const __m256i dots = _mm256_sub_epi32(sumi.at(j), offset);
        return _mm256_fmadd_ps(_mm256_cvtepi32_ps(dots), _mm256_set1_ps(d * y[j].d[b]), v);
      });
    }
    acc.each([&](int j, __m256 v) ARB_TARGET_AVX2 { store(a, r, t0 + j, hsum_avx2(v)); });
  }
};

void rows_avx2(const MatmulArgs& a, int64_t r0, int64_t r1) { run_tiles<TileAvx2>(a, r0, r1); }

// Lane indices for permutexvar_epi16: group g of 64 values takes the scales of sub-blocks
// 4g .. 4g + 3, each over 8 consecutive int16 lanes (16 values after maddubs).
struct ScalePicks {
  alignas(64) int16_t idx[4][32];
  ScalePicks() {
    for (int g = 0; g < 4; g++) {
      for (int l = 0; l < 32; l++) idx[g][l] = static_cast<int16_t>(4 * g + l / 8);
    }
  }
};

template <int T>
struct TileAvx512 {
  ARB_TARGET_AVX512 static void run(const MatmulArgs& a, int64_t r, int t0) {
    static const ScalePicks picks;
    const int64_t nb = a.n_cols / QK_K;
    const block_q6_K* w = row_ptr<block_q6_K>(a, r);
    Q8KActRow y[T];
    for (int j = 0; j < T; j++) y[j] = q8k_act_row(act_ptr<uint8_t>(a, t0 + j), a.n_cols);
    const __m512 zero = _mm512_setzero_ps();
    Accumulators<__m512, T> acc{zero, zero, zero, zero};
    const __m512i nibble = _mm512_set1_epi8(0x0f), top = _mm512_set1_epi8(0x30);
    // qh broadcast to both halves: values 0-31 want its bits 0-1 and values 32-63 bits 2-3 at
    // bit 4 (shift left 4 / 2); values 64-95 bits 4-5 and 96-127 bits 6-7 (shift right 0 / 2).
    const __m512i shift_low = _mm512_set_epi64(2, 2, 2, 2, 4, 4, 4, 4);
    const __m512i shift_high = _mm512_set_epi64(2, 2, 2, 2, 0, 0, 0, 0);
    __m512i pick[4];
    for (int g = 0; g < 4; g++) pick[g] = _mm512_load_si512(picks.idx[g]);
    for (int64_t b = 0; b < nb; b++) {
      prefetch_weights<192>(w + b);
      const __m256i scales = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w[b].scales)));
      __m512i q[4], sc[4];
      for (int h = 0; h < 2; h++) {
        const __m512i ql = _mm512_loadu_si512(w[b].ql + 64 * h);
        const __m512i qh = _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[b].qh + 32 * h)));
        q[2 * h] = _mm512_or_si512(_mm512_and_si512(ql, nibble), _mm512_and_si512(_mm512_sllv_epi64(qh, shift_low), top));
        q[2 * h + 1] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(ql, 4), nibble),
                                       _mm512_and_si512(_mm512_srlv_epi64(qh, shift_high), top));
      }
      for (int g = 0; g < 4; g++) sc[g] = _mm512_permutexvar_epi16(pick[g], _mm512_castsi256_si512(scales));
      const float d = _cvtsh_ss(w[b].d);
      acc.update([&](int j, __m512 v) ARB_TARGET_AVX512 {
        const int8_t* yq = y[j].qs + b * QK_K;
        __m512i dots = _mm512_setzero_si512();
        for (int g = 0; g < 4; g++) {
          dots = _mm512_dpwssd_epi32(dots, _mm512_maddubs_epi16(q[g], _mm512_loadu_si512(yq + 64 * g)), sc[g]);
        }
        const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[j].bsums + 16 * b));
        const __m256i offset = _mm256_slli_epi32(_mm256_madd_epi16(scales, bsums), 5);  // 32 * sc_s * sum
        dots = _mm512_sub_epi32(dots, _mm512_zextsi256_si512(offset));
        return _mm512_fmadd_ps(_mm512_cvtepi32_ps(dots), _mm512_set1_ps(d * y[j].d[b]), v);
      });
    }
    acc.each([&](int j, __m512 v) ARB_TARGET_AVX512 { store(a, r, t0 + j, hsum_avx512(v)); });
  }
};

ARB_TARGET_AVX512 ARB_FLATTEN void rows_avx512(const MatmulArgs& a, int64_t r0, int64_t r1) { run_tiles<TileAvx512>(a, r0, r1); }
#endif

}  // namespace q6_k_kernels

void add_q6_k_kernels(std::vector<MatmulKernel>* out) {
  out->push_back({GgmlType::Q6_K, CpuIsa::Portable, ActFormat::Q8K, q6_k_kernels::rows_portable});
#ifdef ARB_HAVE_X86_KERNELS
  if (cpu_isa_supported() >= CpuIsa::Avx2) out->push_back({GgmlType::Q6_K, CpuIsa::Avx2, ActFormat::Q8K, q6_k_kernels::rows_avx2});
  if (cpu_isa_supported() >= CpuIsa::Avx512) out->push_back({GgmlType::Q6_K, CpuIsa::Avx512, ActFormat::Q8K, q6_k_kernels::rows_avx512});
#endif
}

}  // namespace arb
