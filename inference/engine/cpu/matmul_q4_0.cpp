// Q4_0 weights x Q8 activations. A block holds 32 nibbles q with value (q - 8) * d. The portable
// path uses dot = sum(q * y) - 8 * sum(y) (the activation carries its quant sum); the SIMD paths
// unpack to signed bytes (q - 8) and then work as Q8_0 does: |w| times y with w's sign, through
// maddubs + madd (AVX2) or one VNNI dpbusd (AVX-512), scaled by d_w, FMA with d_y broadcast.
// Two fp32 accumulators per result (even and odd blocks).
#include "tiles.h"

namespace arb {

// Named, not anonymous: see matmul_q8_0.cpp.
namespace q4_0_kernels {

template <int R, int T>
struct TilePortable {
  static void run(const MatmulArgs& a, int64_t r, int t0) {
    const int64_t nb = a.n_cols / QK4_0;
    float acc[R][T] = {};
    for (int64_t b = 0; b < nb; b++) {
      for (int i = 0; i < R; i++) {
        const block_q4_0& w = row_ptr<block_q4_0>(a, r + i)[b];
        const float dw = fp16_to_fp32(w.d);
        for (int j = 0; j < T; j++) {
          const block_q8_act& y = act_ptr<block_q8_act>(a, t0 + j)[b];
          int32_t isum = -8 * y.sum;
          for (int k = 0; k < QK4_0 / 2; k++) {
            isum += (w.qs[k] & 0x0f) * y.qs[k] + (w.qs[k] >> 4) * y.qs[k + QK4_0 / 2];
          }
          acc[i][j] += static_cast<float>(isum) * (dw * y.d);
        }
      }
    }
    for (int i = 0; i < R; i++) {
      for (int j = 0; j < T; j++) store(a, r + i, t0 + j, acc[i][j]);
    }
  }
};

void rows_portable(const MatmulArgs& a, int64_t r0, int64_t r1) { run_tiles<TilePortable, 1>(a, r0, r1); }

#ifdef ARB_HAVE_X86_KERNELS
// 16 bytes of packed nibbles -> 32 signed bytes q - 8: low nibbles (values 0..15), then high.
static inline ARB_TARGET_AVX2 __m256i unpack_nibbles_avx2(const uint8_t* qs) {
  const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  const __m256i both = _mm256_inserti128_si256(_mm256_castsi128_si256(q), _mm_srli_epi16(q, 4), 1);
  return _mm256_sub_epi8(_mm256_and_si256(both, _mm256_set1_epi8(0x0f)), _mm256_set1_epi8(8));
}

static inline ARB_TARGET_AVX512 __m256i unpack_nibbles_avx512(const uint8_t* qs) {
  const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  const __m256i both = _mm256_inserti128_si256(_mm256_castsi128_si256(q), _mm_srli_epi16(q, 4), 1);
  return _mm256_sub_epi8(_mm256_and_si256(both, _mm256_set1_epi8(0x0f)), _mm256_set1_epi8(8));
}

template <int R, int T>
struct TileAvx2 {
  ARB_TARGET_AVX2 static inline void block(const block_q4_0* const* w, const block_q8_act* const* y, int64_t b,
                                           __m256 (&acc)[R][T]) {
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i yq[T];
    for (int j = 0; j < T; j++) yq[j] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[j][b].qs));
    for (int i = 0; i < R; i++) {
      const __m256i q = unpack_nibbles_avx2(w[i][b].qs);
      const __m256i aq = _mm256_sign_epi8(q, q);
      const __m256 dw = _mm256_set1_ps(_cvtsh_ss(w[i][b].d));
      for (int j = 0; j < T; j++) {
        const __m256i s32 = _mm256_madd_epi16(_mm256_maddubs_epi16(aq, _mm256_sign_epi8(yq[j], q)), ones);
        const __m256 p = _mm256_mul_ps(_mm256_cvtepi32_ps(s32), dw);
        acc[i][j] = _mm256_fmadd_ps(p, _mm256_set1_ps(y[j][b].d), acc[i][j]);
      }
    }
  }

  ARB_TARGET_AVX2 static void run(const MatmulArgs& a, int64_t r, int t0) {
    const int64_t nb = a.n_cols / QK4_0;
    const block_q4_0* w[R];
    const block_q8_act* y[T];
    for (int i = 0; i < R; i++) w[i] = row_ptr<block_q4_0>(a, r + i);
    for (int j = 0; j < T; j++) y[j] = act_ptr<block_q8_act>(a, t0 + j);
    __m256 even[R][T], odd[R][T];
    for (int i = 0; i < R; i++) {
      for (int j = 0; j < T; j++) even[i][j] = odd[i][j] = _mm256_setzero_ps();
    }
    int64_t b = 0;
    for (; b + 2 <= nb; b += 2) {
      block(w, y, b, even);
      block(w, y, b + 1, odd);
    }
    if (b < nb) block(w, y, b, even);
    for (int i = 0; i < R; i++) {
      for (int j = 0; j < T; j++) store(a, r + i, t0 + j, hsum_avx2(_mm256_add_ps(even[i][j], odd[i][j])));
    }
  }
};

void rows_avx2(const MatmulArgs& a, int64_t r0, int64_t r1) { run_tiles<TileAvx2, 1>(a, r0, r1); }

template <int R, int T>
struct TileAvx512 {
  ARB_TARGET_AVX512 static inline void block(const block_q4_0* const* w, const block_q8_act* const* y, int64_t b,
                                             __m256 (&acc)[R][T]) {
    __m256i yq[T];
    for (int j = 0; j < T; j++) yq[j] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[j][b].qs));
    for (int i = 0; i < R; i++) {
      const __m256i q = unpack_nibbles_avx512(w[i][b].qs);
      const __m256i aq = _mm256_sign_epi8(q, q);
      const __m256 dw = _mm256_set1_ps(_cvtsh_ss(w[i][b].d));
      for (int j = 0; j < T; j++) {
        const __m256i dot = _mm256_dpbusd_epi32(_mm256_setzero_si256(), aq, _mm256_sign_epi8(yq[j], q));
        const __m256 p = _mm256_mul_ps(_mm256_cvtepi32_ps(dot), dw);
        acc[i][j] = _mm256_fmadd_ps(p, _mm256_set1_ps(y[j][b].d), acc[i][j]);
      }
    }
  }

  ARB_TARGET_AVX512 static void run(const MatmulArgs& a, int64_t r, int t0) {
    const int64_t nb = a.n_cols / QK4_0;
    const block_q4_0* w[R];
    const block_q8_act* y[T];
    for (int i = 0; i < R; i++) w[i] = row_ptr<block_q4_0>(a, r + i);
    for (int j = 0; j < T; j++) y[j] = act_ptr<block_q8_act>(a, t0 + j);
    __m256 even[R][T], odd[R][T];
    for (int i = 0; i < R; i++) {
      for (int j = 0; j < T; j++) even[i][j] = odd[i][j] = _mm256_setzero_ps();
    }
    int64_t b = 0;
    for (; b + 2 <= nb; b += 2) {
      block(w, y, b, even);
      block(w, y, b + 1, odd);
    }
    if (b < nb) block(w, y, b, even);
    for (int i = 0; i < R; i++) {
      for (int j = 0; j < T; j++) store(a, r + i, t0 + j, hsum_avx512_256(_mm256_add_ps(even[i][j], odd[i][j])));
    }
  }
};

void rows_avx512(const MatmulArgs& a, int64_t r0, int64_t r1) { run_tiles<TileAvx512, 1>(a, r0, r1); }
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
