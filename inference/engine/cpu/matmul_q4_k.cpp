// Q4_K weights x Q8K activations (as llama.cpp's vec_dot_q4_K_q8_K). A 256-value super-block
// has eight sub-blocks of 32 with 6-bit scales sc_j and mins m_j; value = d * sc_j * q - dmin * m_j
// with q in 0..15. Per super-block and activation the kernels compute two exact integers,
//   dots = sum_j sc_j * sum_l q * y      mins = sum_j m_j * (y's quant sum over sub-block j)
// (the activation row carries the sums of each 16 quants), and add
// y.d * d * dots - y.d * dmin * mins to an fp32 accumulator.
//   portable: plain loops.
//   AVX2:     per 32 bytes of weights (sub-blocks 2k and 2k + 1 as low and high nibbles):
//             maddubs (u8 q x s8 y -> s16 pairs), madd with the sub-block's scale -> s32.
//   AVX-512:  the 128 bytes of a super-block become four 64-value vectors [sub-block 2k | 2k+1]
//             (one shuffle each), matching 64 contiguous activation quants: maddubs, then VNNI
//             dpwssd with the two scales accumulates the s32 sums.
#include <cstring>

#include "tiles.h"

namespace arb {

// Named, not anonymous: see matmul_q8_0.cpp.
namespace q4_k_kernels {

// The 12 packed scale bytes -> 16 bytes: sc_0..sc_7, then m_0..m_7 (q4_K_scale_min for all j).
inline void unpack_scales(const uint8_t* packed, uint8_t out[16]) {
  uint32_t u[4];
  std::memcpy(u, packed, 12);
  const uint32_t low6 = 0x3f3f3f3f, low4 = 0x0f0f0f0f, top2 = 0x03030303;
  u[3] = ((u[2] >> 4) & low4) | (((u[1] >> 6) & top2) << 4);  // m_4..m_7
  const uint32_t mins_low = u[1] & low6;                       // m_0..m_3
  u[1] = (u[2] & low4) | (((u[0] >> 6) & top2) << 4);          // sc_4..sc_7
  u[2] = mins_low;
  u[0] &= low6;                                                // sc_0..sc_3
  std::memcpy(out, u, 16);
}

template <int T>
struct TilePortable {
  static void run(const MatmulArgs& a, int64_t r, int t0) {
    const int64_t nb = a.n_cols / QK_K;
    const block_q4_K* w = row_ptr<block_q4_K>(a, r);
    float acc[T] = {};
    for (int64_t b = 0; b < nb; b++) {
      uint8_t s[16];
      unpack_scales(w[b].scales, s);
      const float d = fp16_to_fp32(w[b].d), dmin = fp16_to_fp32(w[b].dmin);
      for (int j = 0; j < T; j++) {
        const Q8KActRow y = q8k_act_row(act_ptr<uint8_t>(a, t0 + j), a.n_cols);
        const int8_t* yq = y.qs + b * QK_K;
        int32_t dots = 0, mins = 0;
        for (int sb = 0; sb < QK_K / 32; sb++) {
          const uint8_t* q = w[b].qs + 32 * (sb / 2);
          const int shift = 4 * (sb % 2);
          int32_t dot = 0;
          for (int l = 0; l < 32; l++) dot += ((q[l] >> shift) & 0x0f) * yq[32 * sb + l];
          dots += s[sb] * dot;
          mins += s[8 + sb] * (y.bsums[16 * b + 2 * sb] + y.bsums[16 * b + 2 * sb + 1]);
        }
        acc[j] += (d * y.d[b]) * static_cast<float>(dots) - (dmin * y.d[b]) * static_cast<float>(mins);
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
    const block_q4_K* w = row_ptr<block_q4_K>(a, r);
    Q8KActRow y[T];
    for (int j = 0; j < T; j++) y[j] = q8k_act_row(act_ptr<uint8_t>(a, t0 + j), a.n_cols);
    const __m256 zero = _mm256_setzero_ps();
    Accumulators<__m256, T> acc{zero, zero, zero, zero};
    const __m256i nibble = _mm256_set1_epi8(0x0f);
    for (int64_t b = 0; b < nb; b++) {
      prefetch_weights<128>(w + b);
      uint8_t s[16];
      unpack_scales(w[b].scales, s);
      const __m128i scales_mins = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s));
      // Both 128-bit lanes hold sc_0..sc_7 as int16; a byte shuffle broadcasts one of them.
      const __m256i scales = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(scales_mins));
      const __m128i mins = _mm_cvtepu8_epi16(_mm_srli_si128(scales_mins, 8));
      const __m256i zi = _mm256_setzero_si256();
      Accumulators<__m256i, T> sumi{zi, zi, zi, zi};
      for (int k = 0; k < 4; k++) {
        const __m256i packed = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[b].qs + 32 * k));
        const __m256i lo = _mm256_and_si256(packed, nibble);
        const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(packed, 4), nibble);
        const __m256i sc_lo = _mm256_shuffle_epi8(scales, _mm256_set1_epi16(static_cast<short>(0x0100 + 0x0202 * (2 * k))));
        const __m256i sc_hi = _mm256_shuffle_epi8(scales, _mm256_set1_epi16(static_cast<short>(0x0100 + 0x0202 * (2 * k + 1))));
        sumi.update([&](int j, __m256i v) ARB_TARGET_AVX2 {
          const int8_t* yq = y[j].qs + b * QK_K + 64 * k;
          const __m256i p_lo = _mm256_madd_epi16(
              _mm256_maddubs_epi16(lo, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(yq))), sc_lo);
          const __m256i p_hi = _mm256_madd_epi16(
              _mm256_maddubs_epi16(hi, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(yq + 32))), sc_hi);
          return _mm256_add_epi32(v, _mm256_add_epi32(p_lo, p_hi));
        });
      }
      const float d = _cvtsh_ss(w[b].d), dmin = _cvtsh_ss(w[b].dmin);
      acc.update([&](int j, __m256 v) ARB_TARGET_AVX2 {
        // m_j times the sums of sub-block j's two 16-value groups.
        const __m128i b0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(y[j].bsums + 16 * b));
        const __m128i b1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(y[j].bsums + 16 * b + 8));
        const __m128i m32 = _mm_madd_epi16(mins, _mm_hadd_epi16(b0, b1));
        const float yd = y[j].d[b];
        v = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sumi.at(j)), _mm256_set1_ps(d * yd), v);
        return _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_zextsi128_si256(m32)), _mm256_set1_ps(-dmin * yd), v);
      });
    }
    acc.each([&](int j, __m256 v) ARB_TARGET_AVX2 { store(a, r, t0 + j, hsum_avx2(v)); });
  }
};

void rows_avx2(const MatmulArgs& a, int64_t r0, int64_t r1) { run_tiles<TileAvx2>(a, r0, r1); }

template <int T>
struct TileAvx512 {
  ARB_TARGET_AVX512 static void run(const MatmulArgs& a, int64_t r, int t0) {
    const int64_t nb = a.n_cols / QK_K;
    const block_q4_K* w = row_ptr<block_q4_K>(a, r);
    Q8KActRow y[T];
    for (int j = 0; j < T; j++) y[j] = q8k_act_row(act_ptr<uint8_t>(a, t0 + j), a.n_cols);
    const __m512 zero = _mm512_setzero_ps();
    Accumulators<__m512, T> acc{zero, zero, zero, zero};
    const __m512i nibble = _mm512_set1_epi8(0x0f);
    // Lane indices: [2k x16 | 2k+1 x16] picks the scales of sub-blocks 2k and 2k + 1; `pairs`
    // repeats each min twice, one per 16-value group.
    const __m512i pick[4] = {_mm512_set_epi64(0x0001000100010001, 0x0001000100010001, 0x0001000100010001, 0x0001000100010001, 0, 0, 0, 0),
                             _mm512_set_epi64(0x0003000300030003, 0x0003000300030003, 0x0003000300030003, 0x0003000300030003,
                                              0x0002000200020002, 0x0002000200020002, 0x0002000200020002, 0x0002000200020002),
                             _mm512_set_epi64(0x0005000500050005, 0x0005000500050005, 0x0005000500050005, 0x0005000500050005,
                                              0x0004000400040004, 0x0004000400040004, 0x0004000400040004, 0x0004000400040004),
                             _mm512_set_epi64(0x0007000700070007, 0x0007000700070007, 0x0007000700070007, 0x0007000700070007,
                                              0x0006000600060006, 0x0006000600060006, 0x0006000600060006, 0x0006000600060006)};
    const __m256i pairs = _mm256_setr_epi16(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15);
    for (int64_t b = 0; b < nb; b++) {
      prefetch_weights<128>(w + b);
      uint8_t s[16];
      unpack_scales(w[b].scales, s);
      const __m256i scales_mins = _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s)));
      const __m512i sm = _mm512_castsi256_si512(scales_mins);
      const __m256i mins = _mm256_permutexvar_epi16(pairs, scales_mins);
      // Weights of sub-blocks [2k | 2k + 1] as 64 bytes, the order of the activation quants.
      __m512i q[4], sc[4];
      for (int h = 0; h < 2; h++) {
        const __m512i packed = _mm512_loadu_si512(w[b].qs + 64 * h);
        const __m512i lo = _mm512_and_si512(packed, nibble);                         // [2k' | 2k'+2]
        const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(packed, 4), nibble);   // [2k'+1 | 2k'+3]
        q[2 * h] = _mm512_shuffle_i64x2(lo, hi, _MM_SHUFFLE(1, 0, 1, 0));
        q[2 * h + 1] = _mm512_shuffle_i64x2(lo, hi, _MM_SHUFFLE(3, 2, 3, 2));
      }
      for (int k = 0; k < 4; k++) sc[k] = _mm512_permutexvar_epi16(pick[k], sm);
      const float d = _cvtsh_ss(w[b].d), dmin = _cvtsh_ss(w[b].dmin);
      acc.update([&](int j, __m512 v) ARB_TARGET_AVX512 {
        const int8_t* yq = y[j].qs + b * QK_K;
        __m512i dots = _mm512_setzero_si512();
        for (int k = 0; k < 4; k++) {
          dots = _mm512_dpwssd_epi32(dots, _mm512_maddubs_epi16(q[k], _mm512_loadu_si512(yq + 64 * k)), sc[k]);
        }
        const __m256i m32 = _mm256_madd_epi16(mins, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[j].bsums + 16 * b)));
        const float yd = y[j].d[b];
        v = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dots), _mm512_set1_ps(d * yd), v);
        return _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_zextsi256_si512(m32)), _mm512_set1_ps(-dmin * yd), v);
      });
    }
    acc.each([&](int j, __m512 v) ARB_TARGET_AVX512 { store(a, r, t0 + j, hsum_avx512(v)); });
  }
};

void rows_avx512(const MatmulArgs& a, int64_t r0, int64_t r1) { run_tiles<TileAvx512>(a, r0, r1); }
#endif

}  // namespace q4_k_kernels

void add_q4_k_kernels(std::vector<MatmulKernel>* out) {
  out->push_back({GgmlType::Q4_K, CpuIsa::Portable, ActFormat::Q8K, q4_k_kernels::rows_portable});
#ifdef ARB_HAVE_X86_KERNELS
  if (cpu_isa_supported() >= CpuIsa::Avx2) out->push_back({GgmlType::Q4_K, CpuIsa::Avx2, ActFormat::Q8K, q4_k_kernels::rows_avx2});
  if (cpu_isa_supported() >= CpuIsa::Avx512) out->push_back({GgmlType::Q4_K, CpuIsa::Avx512, ActFormat::Q8K, q4_k_kernels::rows_avx512});
#endif
}

}  // namespace arb
