// Q4_0 weights x Q8 activations. A block holds 32 nibbles q with value (q - 8) * d. The portable
// path uses dot = sum(q * y) - 8 * sum(y) (the activation row carries its quant sums). The SIMD
// paths keep the nibbles unsigned, as maddubs (AVX2) and VNNI dpbusd (AVX-512) take them, and
// add the offset back through the row's neg_dsum = -d_y * sum(y) plane, one copy in each of the
// 8 lanes that hold a block: d_w * (d_y * dot(q, y) - 8 * d_y * sum(y)) = d_w * d_y * dot(q - 8, y).
//   AVX2:    one block per step, two accumulators.
//   AVX-512: four blocks (72 bytes) per step: one word permute gathers their 64 quant bytes,
//            another their four scales.
#include "tiles.h"

namespace arb {

// Named, not anonymous: see matmul_q8_0.cpp.
namespace q4_0_kernels {

template <int T>
struct TilePortable {
  static void run(const MatmulArgs& a, int64_t r, int t0) {
    const int64_t nb = a.n_cols / QK4_0;
    const block_q4_0* w = row_ptr<block_q4_0>(a, r);
    float acc[T] = {};
    for (int64_t b = 0; b < nb; b++) {
      const float dw = fp16_to_fp32(w[b].d);
      for (int j = 0; j < T; j++) {
        const Q8ActRow y = q8_act_row(act_ptr<uint8_t>(a, t0 + j), a.n_cols);
        const int8_t* yq = y.qs + b * QK8_0;
        int32_t isum = -8 * y.sum[b];
        for (int k = 0; k < QK4_0 / 2; k++) isum += (w[b].qs[k] & 0x0f) * yq[k] + (w[b].qs[k] >> 4) * yq[k + QK4_0 / 2];
        acc[j] += static_cast<float>(isum) * (dw * y.d[b]);
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
    const int64_t nb = a.n_cols / QK4_0;
    const block_q4_0* w = row_ptr<block_q4_0>(a, r);
    Q8ActRow y[T];
    for (int j = 0; j < T; j++) y[j] = q8_act_row(act_ptr<uint8_t>(a, t0 + j), a.n_cols);
    const __m256 zero = _mm256_setzero_ps();
    Accumulators<__m256, T> even{zero, zero, zero, zero}, odd{zero, zero, zero, zero};
    auto block = [&](int64_t b, Accumulators<__m256, T>& acc) ARB_TARGET_AVX2 {
      const __m256i ones = _mm256_set1_epi16(1);
      // 16 bytes of nibbles -> 32 unsigned bytes q (0..15): low nibbles, then high. maddubs
      // takes them as they are (15 x 127 x 2 fits in int16); -8 comes from neg_dsum, 1/8 per lane.
      const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w[b].qs));
      const __m256i both = _mm256_inserti128_si256(_mm256_castsi128_si256(packed), _mm_srli_epi16(packed, 4), 1);
      const __m256i q = _mm256_and_si256(both, _mm256_set1_epi8(0x0f));
      const __m256 dw = _mm256_set1_ps(_cvtsh_ss(w[b].d));
      acc.update([&](int j, __m256 v) ARB_TARGET_AVX2 {
        const __m256i yq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[j].qs + b * QK8_0));
        const __m256i s32 = _mm256_madd_epi16(_mm256_maddubs_epi16(q, yq), ones);
        const __m256 scaled = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s32), _mm256_set1_ps(y[j].d[b]), _mm256_set1_ps(y[j].neg_dsum[b]));
        return _mm256_fmadd_ps(scaled, dw, v);
      });
    };
    int64_t b = 0;
    for (; b + 2 <= nb; b += 2) {
      prefetch_weights<64>(w + b);
      block(b, even);
      block(b + 1, odd);
    }
    if (b < nb) block(b, even);
    even.each([&](int j, __m256 e) ARB_TARGET_AVX2 {
      odd.each([&](int k, __m256 o) ARB_TARGET_AVX2 {
        if (k == j) store(a, r, t0 + j, hsum_avx2(_mm256_add_ps(e, o)));
      });
    });
  }
};

void rows_avx2(const MatmulArgs& a, int64_t r0, int64_t r1) { run_tiles<TileAvx2>(a, r0, r1); }

template <int T>
struct TileAvx512 {
  ARB_TARGET_AVX512 static void run(const MatmulArgs& a, int64_t r, int t0) {
    const int64_t nb = a.n_cols / QK4_0;
    const block_q4_0* w = row_ptr<block_q4_0>(a, r);
    Q8ActRow y[T];
    for (int j = 0; j < T; j++) y[j] = q8_act_row(act_ptr<uint8_t>(a, t0 + j), a.n_cols);
    // Four blocks are 36 words: quant word k of block i is word 9i + 1 + k, its scale word 9i.
    const __m512i quant_words = _mm512_set_epi16(35, 34, 33, 32, 31, 30, 29, 28, 26, 25, 24, 23, 22, 21, 20, 19,  //
                                                 17, 16, 15, 14, 13, 12, 11, 10, 8, 7, 6, 5, 4, 3, 2, 1);
    const __m512i scale_words = _mm512_set_epi16(27, 27, 27, 27, 27, 27, 27, 27, 18, 18, 18, 18, 18, 18, 18, 18,  //
                                                 9, 9, 9, 9, 9, 9, 9, 9, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m512i first_pair = _mm512_set_epi64(11, 10, 3, 2, 9, 8, 1, 0);
    const __m512i second_pair = _mm512_set_epi64(15, 14, 7, 6, 13, 12, 5, 4);
    const __m512i low_nibbles = _mm512_set1_epi8(0x0f);
    const __m512i lanes_of_second = _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m512 zero = _mm512_setzero_ps();
    // Two consecutive floats in lanes 0 and 1 (then spread by lanes_of_second).
    auto pair_of = [](const float* p) ARB_TARGET_AVX512 {
      return _mm512_castps128_ps512(_mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(p))));
    };
    Accumulators<__m512, T> acc01{zero, zero, zero, zero}, acc23{zero, zero, zero, zero};
    int64_t b = 0;
    for (; b + 4 <= nb; b += 4) {
      const uint8_t* p = reinterpret_cast<const uint8_t*>(w + b);
      prefetch_weights<64>(p);
      const __m512i head = _mm512_loadu_si512(p);
      const __m512i tail = _mm512_maskz_loadu_epi16(0x0f, p + 64);  // words 32..35, nothing past them
      const __m512i qs = _mm512_permutex2var_epi16(head, quant_words, tail);
      const __m512i lo = _mm512_and_si512(qs, low_nibbles);
      const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(qs, 4), low_nibbles);
      // [lo(b) hi(b) lo(b+1) hi(b+1)] and the same for b+2, b+3: the element order of the blocks.
      const __m512i q01 = _mm512_permutex2var_epi64(lo, first_pair, hi);
      const __m512i q23 = _mm512_permutex2var_epi64(lo, second_pair, hi);
      const __m512i scales = _mm512_permutexvar_epi16(scale_words, head);
      const __m512 dw01 = _mm512_cvtph_ps(_mm512_castsi512_si256(scales));
      const __m512 dw23 = _mm512_cvtph_ps(_mm512_extracti64x4_epi64(scales, 1));
      auto pair = [&](int j, __m512i q, int64_t bp, __m512 dw, __m512 v) ARB_TARGET_AVX512 {
        const __m512i dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(), q, _mm512_loadu_si512(y[j].qs + bp * QK8_0));
        const __m512 dy = _mm512_permutexvar_ps(lanes_of_second, pair_of(y[j].d + bp));
        const __m512 c = _mm512_permutexvar_ps(lanes_of_second, pair_of(y[j].neg_dsum + bp));
        return _mm512_fmadd_ps(_mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), dy, c), dw, v);
      };
      acc01.update([&](int j, __m512 v) ARB_TARGET_AVX512 { return pair(j, q01, b, dw01, v); });
      acc23.update([&](int j, __m512 v) ARB_TARGET_AVX512 { return pair(j, q23, b + 2, dw23, v); });
    }
    // The last one to three blocks, one at a time, in the low 256 bits (the high ones stay 0).
    for (; b < nb; b++) {
      const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w[b].qs));
      const __m256i both = _mm256_inserti128_si256(_mm256_castsi128_si256(packed), _mm_srli_epi16(packed, 4), 1);
      const __m512i q = _mm512_zextsi256_si512(_mm256_and_si256(both, _mm256_set1_epi8(0x0f)));
      const __m512 dw = _mm512_set1_ps(_cvtsh_ss(w[b].d));
      acc01.update([&](int j, __m512 v) ARB_TARGET_AVX512 {
        const __m512i yq = _mm512_zextsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[j].qs + b * QK8_0)));
        const __m512i dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(), q, yq);
        const __m512 dy = _mm512_maskz_mov_ps(0x00ff, _mm512_set1_ps(y[j].d[b]));
        const __m512 c = _mm512_maskz_mov_ps(0x00ff, _mm512_set1_ps(y[j].neg_dsum[b]));
        return _mm512_fmadd_ps(_mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), dy, c), dw, v);
      });
    }
    acc01.each([&](int j, __m512 v) ARB_TARGET_AVX512 { store(a, r, t0 + j, hsum_avx512(_mm512_add_ps(v, acc23.at(j)))); });
  }
};

ARB_TARGET_AVX512 ARB_FLATTEN void rows_avx512(const MatmulArgs& a, int64_t r0, int64_t r1) { run_tiles<TileAvx512>(a, r0, r1); }
#endif

}  // namespace q4_0_kernels

void add_q4_0_kernels(std::vector<MatmulKernel>* out) {
  out->push_back({GgmlType::Q4_0, CpuIsa::Portable, ActFormat::Q8, q4_0_kernels::rows_portable});
#ifdef ARB_HAVE_X86_KERNELS
  if (cpu_isa_supported() >= CpuIsa::Avx2) out->push_back({GgmlType::Q4_0, CpuIsa::Avx2, ActFormat::Q8, q4_0_kernels::rows_avx2});
  if (cpu_isa_supported() >= CpuIsa::Avx512) out->push_back({GgmlType::Q4_0, CpuIsa::Avx512, ActFormat::Q8, q4_0_kernels::rows_avx512});
#endif
}

}  // namespace arb
