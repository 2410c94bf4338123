// Register tiles for float weight types (F32, F16, BF16) x fp32 activations: each weight
// vector is widened to fp32 once and multiplied into every activation with FMAs. A type plugs
// in a policy with its element type and conversions:
//   Elem; static float scalar(const Elem*);                 portable and tails
//   static __m256 load8(const Elem*)   [ARB_TARGET_AVX2]    AVX2 path
//   static __m512 load16(const Elem*)  [ARB_TARGET_AVX512]  AVX-512 path
// Each result keeps several accumulators (8 lanes x 8 portable, 2 AVX2 vectors, 4 AVX-512
// vectors) because an FMA waits four cycles for the previous one. Tails shorter than a vector
// are added after the horizontal sum, in order.
#pragma once
#include "tiles.h"

namespace arb {

template <typename P>
struct FloatTiles {
  using Elem = typename P::Elem;

  template <int T>
  struct Portable {
    static void run(const MatmulArgs& a, int64_t r, int t0) {
      const int64_t n = a.n_cols;
      const Elem* w = row_ptr<Elem>(a, r);
      float acc[T][8] = {};
      int64_t k = 0;
      for (; k + 8 <= n; k += 8) {
        float wf[8];
        for (int l = 0; l < 8; l++) wf[l] = P::scalar(w + k + l);
        for (int j = 0; j < T; j++) {
          const float* x = act_ptr<float>(a, t0 + j) + k;
          for (int l = 0; l < 8; l++) acc[j][l] += wf[l] * x[l];
        }
      }
      for (int j = 0; j < T; j++) {
        const float* s = acc[j];
        float sum = ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
        for (int64_t kk = k; kk < n; kk++) sum += P::scalar(w + kk) * act_ptr<float>(a, t0 + j)[kk];
        store(a, r, t0 + j, sum);
      }
    }
  };

#ifdef ARB_HAVE_X86_KERNELS
  template <int T>
  struct Avx2 {
    ARB_TARGET_AVX2 static void run(const MatmulArgs& a, int64_t r, int t0) {
      const int64_t n = a.n_cols;
      const Elem* w = row_ptr<Elem>(a, r);
      const float* x[T];
      for (int j = 0; j < T; j++) x[j] = act_ptr<float>(a, t0 + j);
      __m256 acc[T][2];
      for (int j = 0; j < T; j++) acc[j][0] = acc[j][1] = _mm256_setzero_ps();
      int64_t k = 0;
      for (; k + 16 <= n; k += 16) {
        prefetch_weights<64>(w + k);
        for (int u = 0; u < 2; u++) {
          const __m256 wv = P::load8(w + k + 8 * u);
          for (int j = 0; j < T; j++) acc[j][u] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(x[j] + k + 8 * u), acc[j][u]);
        }
      }
      for (; k + 8 <= n; k += 8) {
        const __m256 wv = P::load8(w + k);
        for (int j = 0; j < T; j++) acc[j][0] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(x[j] + k), acc[j][0]);
      }
      for (int j = 0; j < T; j++) {
        float sum = hsum_avx2(_mm256_add_ps(acc[j][0], acc[j][1]));
        for (int64_t kk = k; kk < n; kk++) sum += P::scalar(w + kk) * x[j][kk];
        store(a, r, t0 + j, sum);
      }
    }
  };

  template <int T>
  struct Avx512 {
    ARB_TARGET_AVX512 static void run(const MatmulArgs& a, int64_t r, int t0) {
      const int64_t n = a.n_cols;
      const Elem* w = row_ptr<Elem>(a, r);
      const float* x[T];
      for (int j = 0; j < T; j++) x[j] = act_ptr<float>(a, t0 + j);
      __m512 acc[T][4];
      for (int j = 0; j < T; j++) acc[j][0] = acc[j][1] = acc[j][2] = acc[j][3] = _mm512_setzero_ps();
      int64_t k = 0;
      for (; k + 64 <= n; k += 64) {
        prefetch_weights<64 * sizeof(Elem)>(w + k);
        for (int u = 0; u < 4; u++) {
          const __m512 wv = P::load16(w + k + 16 * u);
          for (int j = 0; j < T; j++) acc[j][u] = _mm512_fmadd_ps(wv, _mm512_loadu_ps(x[j] + k + 16 * u), acc[j][u]);
        }
      }
      for (; k + 16 <= n; k += 16) {
        const __m512 wv = P::load16(w + k);
        for (int j = 0; j < T; j++) acc[j][0] = _mm512_fmadd_ps(wv, _mm512_loadu_ps(x[j] + k), acc[j][0]);
      }
      for (int j = 0; j < T; j++) {
        const __m512 s = _mm512_add_ps(_mm512_add_ps(acc[j][0], acc[j][1]), _mm512_add_ps(acc[j][2], acc[j][3]));
        float sum = hsum_avx512(s);
        for (int64_t kk = k; kk < n; kk++) sum += P::scalar(w + kk) * x[j][kk];
        store(a, r, t0 + j, sum);
      }
    }
  };
#endif

  static void rows_portable(const MatmulArgs& a, int64_t r0, int64_t r1) { run_tiles<Portable>(a, r0, r1); }
#ifdef ARB_HAVE_X86_KERNELS
  static void rows_avx2(const MatmulArgs& a, int64_t r0, int64_t r1) { run_tiles<Avx2>(a, r0, r1); }
  ARB_TARGET_AVX512 ARB_FLATTEN static void rows_avx512(const MatmulArgs& a, int64_t r0, int64_t r1) { run_tiles<Avx512>(a, r0, r1); }
#endif

  static void add(GgmlType type, std::vector<MatmulKernel>* out) {
    add_below_avx512(type, out);
#ifdef ARB_HAVE_X86_KERNELS
    if (cpu_isa_supported() >= CpuIsa::Avx512) out->push_back({type, CpuIsa::Avx512, ActFormat::F32, rows_avx512});
#endif
  }

  // The portable and AVX2 kernels only, for a type with AVX-512 tiles of its own (F16,
  // matmul_f16.cpp).
  static void add_below_avx512(GgmlType type, std::vector<MatmulKernel>* out) {
    out->push_back({type, CpuIsa::Portable, ActFormat::F32, rows_portable});
#ifdef ARB_HAVE_X86_KERNELS
    if (cpu_isa_supported() >= CpuIsa::Avx2) out->push_back({type, CpuIsa::Avx2, ActFormat::F32, rows_avx2});
#endif
  }
};

}  // namespace arb
