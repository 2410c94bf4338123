// Q8_0 weights x Q8 activations: per 32-value block, an int32 dot product of the quants, times
// both scales, accumulated in fp32 (as llama.cpp's vec_dot_q8_0_q8_0).
//   portable: plain loops.
//   AVX2:     |w| * (y with w's sign) through maddubs (u8 x s8 -> s16 pairs) and madd -> s32.
//   AVX-512:  the same sign trick into one VNNI dpbusd (u8 x s8 -> s32).
// Per block and activation that is load, sign, dot, convert, scale by the weight's d (shared by
// the activations) and one FMA with the activation's d broadcast from memory. The SIMD paths
// keep two fp32 accumulators per result (even and odd blocks) so consecutive FMAs do not wait
// on each other.
#include "tiles.h"

namespace arb {

// A named namespace, not an anonymous one: GCC gives run_tiles<> instantiated with tiles from
// an anonymous namespace the same weak symbol in every file, and the linker would merge them.
namespace q8_0_kernels {

template <int R, int T>
struct TilePortable {
  static void run(const MatmulArgs& a, int64_t r, int t0) {
    const int64_t nb = a.n_cols / QK8_0;
    float acc[R][T] = {};
    for (int64_t b = 0; b < nb; b++) {
      for (int i = 0; i < R; i++) {
        const block_q8_0& w = row_ptr<block_q8_0>(a, r + i)[b];
        const float dw = fp16_to_fp32(w.d);
        for (int j = 0; j < T; j++) {
          const block_q8_act& y = act_ptr<block_q8_act>(a, t0 + j)[b];
          int32_t isum = 0;
          for (int k = 0; k < QK8_0; k++) isum += w.qs[k] * y.qs[k];
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
template <int R, int T>
struct TileAvx2 {
  // Adds block b of every row and activation into acc.
  ARB_TARGET_AVX2 static inline void block(const block_q8_0* const* w, const block_q8_act* const* y, int64_t b,
                                           __m256 (&acc)[R][T]) {
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i yq[T];
    for (int j = 0; j < T; j++) yq[j] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[j][b].qs));
    for (int i = 0; i < R; i++) {
      const __m256i wq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[i][b].qs));
      const __m256i aw = _mm256_sign_epi8(wq, wq);
      const __m256 dw = _mm256_set1_ps(_cvtsh_ss(w[i][b].d));
      for (int j = 0; j < T; j++) {
        const __m256i p16 = _mm256_maddubs_epi16(aw, _mm256_sign_epi8(yq[j], wq));
        const __m256 p = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_madd_epi16(p16, ones)), dw);
        acc[i][j] = _mm256_fmadd_ps(p, _mm256_set1_ps(y[j][b].d), acc[i][j]);
      }
    }
  }

  ARB_TARGET_AVX2 static void run(const MatmulArgs& a, int64_t r, int t0) {
    const int64_t nb = a.n_cols / QK8_0;
    const block_q8_0* w[R];
    const block_q8_act* y[T];
    for (int i = 0; i < R; i++) w[i] = row_ptr<block_q8_0>(a, r + i);
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
  ARB_TARGET_AVX512 static inline void block(const block_q8_0* const* w, const block_q8_act* const* y, int64_t b,
                                             __m256 (&acc)[R][T]) {
    __m256i yq[T];
    for (int j = 0; j < T; j++) yq[j] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[j][b].qs));
    for (int i = 0; i < R; i++) {
      const __m256i wq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[i][b].qs));
      const __m256i aw = _mm256_sign_epi8(wq, wq);
      const __m256 dw = _mm256_set1_ps(_cvtsh_ss(w[i][b].d));
      for (int j = 0; j < T; j++) {
        const __m256i dot = _mm256_dpbusd_epi32(_mm256_setzero_si256(), aw, _mm256_sign_epi8(yq[j], wq));
        const __m256 p = _mm256_mul_ps(_mm256_cvtepi32_ps(dot), dw);
        acc[i][j] = _mm256_fmadd_ps(p, _mm256_set1_ps(y[j][b].d), acc[i][j]);
      }
    }
  }

  ARB_TARGET_AVX512 static void run(const MatmulArgs& a, int64_t r, int t0) {
    const int64_t nb = a.n_cols / QK8_0;
    const block_q8_0* w[R];
    const block_q8_act* y[T];
    for (int i = 0; i < R; i++) w[i] = row_ptr<block_q8_0>(a, r + i);
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

}  // namespace q8_0_kernels

void add_q8_0_kernels(std::vector<MatmulKernel>* out) {
  out->push_back({GgmlType::Q8_0, CpuIsa::Portable, ActFormat::Q8, q8_0_kernels::rows_portable});
#ifdef ARB_HAVE_X86_KERNELS
  if (cpu_isa_supported() >= CpuIsa::Avx2) out->push_back({GgmlType::Q8_0, CpuIsa::Avx2, ActFormat::Q8, q8_0_kernels::rows_avx2});
  if (cpu_isa_supported() >= CpuIsa::Avx512) out->push_back({GgmlType::Q8_0, CpuIsa::Avx512, ActFormat::Q8, q8_0_kernels::rows_avx512});
#endif
}

}  // namespace arb
