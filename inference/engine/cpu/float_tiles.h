// Register tiles for float weight types (F32, F16, BF16) x fp32 activations: each weight
// vector is widened to fp32 once and multiplied into every activation with FMAs. A type plugs
// in a policy with its element type and conversions:
//   Elem; static float scalar(const Elem*);                 portable and tails
//   static __m256 load8(const Elem*)   [ARB_TARGET_AVX2]    AVX2 path
//   static __m512 load16(const Elem*)  [ARB_TARGET_AVX512]  AVX-512 path
// Tails shorter than a vector are added after the horizontal sum, in order.
#pragma once
#include "tiles.h"

namespace arb {

template <typename P>
struct FloatTiles {
  using Elem = typename P::Elem;

  template <int R, int T>
  struct Portable {
    static void run(const MatmulArgs& a, int64_t r, int t0) {
      const int64_t n = a.n_cols;
      // 8 partial sums per result, so the loop vectorizes without reassociating anything.
      float acc[R][T][8] = {};
      int64_t k = 0;
      for (; k + 8 <= n; k += 8) {
        for (int i = 0; i < R; i++) {
          const Elem* w = row_ptr<Elem>(a, r + i) + k;
          float wf[8];
          for (int l = 0; l < 8; l++) wf[l] = P::scalar(w + l);
          for (int j = 0; j < T; j++) {
            const float* x = act_ptr<float>(a, t0 + j) + k;
            for (int l = 0; l < 8; l++) acc[i][j][l] += wf[l] * x[l];
          }
        }
      }
      for (int i = 0; i < R; i++) {
        for (int j = 0; j < T; j++) {
          const float* s = acc[i][j];
          float sum = ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
          for (int64_t kk = k; kk < n; kk++) {
            sum += P::scalar(row_ptr<Elem>(a, r + i) + kk) * act_ptr<float>(a, t0 + j)[kk];
          }
          store(a, r + i, t0 + j, sum);
        }
      }
    }
  };

#ifdef ARB_HAVE_X86_KERNELS
  template <int R, int T>
  struct Avx2 {
    ARB_TARGET_AVX2 static void run(const MatmulArgs& a, int64_t r, int t0) {
      const int64_t n = a.n_cols;
      const Elem* w[R];
      const float* x[T];
      for (int i = 0; i < R; i++) w[i] = row_ptr<Elem>(a, r + i);
      for (int j = 0; j < T; j++) x[j] = act_ptr<float>(a, t0 + j);
      // Two accumulators per result (alternate vectors) so consecutive FMAs are independent.
      __m256 acc[R][T][2];
      for (int i = 0; i < R; i++) {
        for (int j = 0; j < T; j++) acc[i][j][0] = acc[i][j][1] = _mm256_setzero_ps();
      }
      int64_t k = 0;
      for (; k + 16 <= n; k += 16) {
        for (int u = 0; u < 2; u++) {
          __m256 xv[T];
          for (int j = 0; j < T; j++) xv[j] = _mm256_loadu_ps(x[j] + k + 8 * u);
          for (int i = 0; i < R; i++) {
            const __m256 wv = P::load8(w[i] + k + 8 * u);
            for (int j = 0; j < T; j++) acc[i][j][u] = _mm256_fmadd_ps(wv, xv[j], acc[i][j][u]);
          }
        }
      }
      for (; k + 8 <= n; k += 8) {
        __m256 xv[T];
        for (int j = 0; j < T; j++) xv[j] = _mm256_loadu_ps(x[j] + k);
        for (int i = 0; i < R; i++) {
          const __m256 wv = P::load8(w[i] + k);
          for (int j = 0; j < T; j++) acc[i][j][0] = _mm256_fmadd_ps(wv, xv[j], acc[i][j][0]);
        }
      }
      for (int i = 0; i < R; i++) {
        for (int j = 0; j < T; j++) {
          float sum = hsum_avx2(_mm256_add_ps(acc[i][j][0], acc[i][j][1]));
          for (int64_t kk = k; kk < n; kk++) sum += P::scalar(w[i] + kk) * x[j][kk];
          store(a, r + i, t0 + j, sum);
        }
      }
    }
  };

  template <int R, int T>
  struct Avx512 {
    ARB_TARGET_AVX512 static void run(const MatmulArgs& a, int64_t r, int t0) {
      const int64_t n = a.n_cols;
      const Elem* w[R];
      const float* x[T];
      for (int i = 0; i < R; i++) w[i] = row_ptr<Elem>(a, r + i);
      for (int j = 0; j < T; j++) x[j] = act_ptr<float>(a, t0 + j);
      // Four accumulators per result (rotating vectors): FMA latency is four cycles.
      __m512 acc[R][T][4];
      for (int i = 0; i < R; i++) {
        for (int j = 0; j < T; j++) acc[i][j][0] = acc[i][j][1] = acc[i][j][2] = acc[i][j][3] = _mm512_setzero_ps();
      }
      int64_t k = 0;
      for (; k + 64 <= n; k += 64) {
        for (int u = 0; u < 4; u++) {
          __m512 xv[T];
          for (int j = 0; j < T; j++) xv[j] = _mm512_loadu_ps(x[j] + k + 16 * u);
          for (int i = 0; i < R; i++) {
            const __m512 wv = P::load16(w[i] + k + 16 * u);
            for (int j = 0; j < T; j++) acc[i][j][u] = _mm512_fmadd_ps(wv, xv[j], acc[i][j][u]);
          }
        }
      }
      for (; k + 16 <= n; k += 16) {
        __m512 xv[T];
        for (int j = 0; j < T; j++) xv[j] = _mm512_loadu_ps(x[j] + k);
        for (int i = 0; i < R; i++) {
          const __m512 wv = P::load16(w[i] + k);
          for (int j = 0; j < T; j++) acc[i][j][0] = _mm512_fmadd_ps(wv, xv[j], acc[i][j][0]);
        }
      }
      for (int i = 0; i < R; i++) {
        for (int j = 0; j < T; j++) {
          const __m512 s = _mm512_add_ps(_mm512_add_ps(acc[i][j][0], acc[i][j][1]), _mm512_add_ps(acc[i][j][2], acc[i][j][3]));
          float sum = hsum_avx512(s);
          for (int64_t kk = k; kk < n; kk++) sum += P::scalar(w[i] + kk) * x[j][kk];
          store(a, r + i, t0 + j, sum);
        }
      }
    }
  };
#endif

  static void rows_portable(const MatmulArgs& a, int64_t r0, int64_t r1) { run_tiles<Portable, 1>(a, r0, r1); }
#ifdef ARB_HAVE_X86_KERNELS
  static void rows_avx2(const MatmulArgs& a, int64_t r0, int64_t r1) { run_tiles<Avx2, 1>(a, r0, r1); }
  static void rows_avx512(const MatmulArgs& a, int64_t r0, int64_t r1) { run_tiles<Avx512, 1>(a, r0, r1); }
#endif

  static void add(GgmlType type, std::vector<MatmulKernel>* out) {
    out->push_back({type, CpuIsa::Portable, ActFormat::F32, rows_portable});
#ifdef ARB_HAVE_X86_KERNELS
    if (cpu_isa_supported() >= CpuIsa::Avx2) out->push_back({type, CpuIsa::Avx2, ActFormat::F32, rows_avx2});
    if (cpu_isa_supported() >= CpuIsa::Avx512) out->push_back({type, CpuIsa::Avx512, ActFormat::F32, rows_avx512});
#endif
  }
};

}  // namespace arb
