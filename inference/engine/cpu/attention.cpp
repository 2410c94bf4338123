// Attention kernels; see attention.h. The SIMD paths vectorize along head_dim for the dot
// products and the value sums, and along positions for the softmax (exp by range reduction to
// [-ln2/2, ln2/2] and a degree-6 polynomial, ~2 ulp).
#include "attention.h"
#include "simd_math.h"

#include <cmath>


namespace arb {

void attend_portable(const AttendArgs& a) {
  const float scale = 1.0f / std::sqrt(static_cast<float>(a.head_dim));
  for (int g = 0; g < a.group; g++) {
    const float* q = a.q + g * a.q_stride;
    float* s = a.scores + g * a.n_keys;
    float max = -INFINITY;
    for (int j = 0; j < a.n_keys; j++) {
      const float* kj = a.k + static_cast<int64_t>(j) * a.head_dim;
      float d = 0.0f;
      for (int i = 0; i < a.head_dim; i++) d += q[i] * kj[i];
      s[j] = d * scale;
      max = s[j] > max ? s[j] : max;
    }
    float sum = 0.0f;
    for (int j = 0; j < a.n_keys; j++) {
      s[j] = std::exp(s[j] - max);
      sum += s[j];
    }
    const float inv = 1.0f / sum;
    float* out = a.out + g * a.out_stride;
    for (int i = 0; i < a.head_dim; i++) out[i] = 0.0f;
    for (int j = 0; j < a.n_keys; j++) {
      const float p = s[j] * inv;
      const float* vj = a.v + static_cast<int64_t>(j) * a.head_dim;
      for (int i = 0; i < a.head_dim; i++) out[i] += p * vj[i];
    }
  }
}

#ifdef ARB_HAVE_X86_KERNELS
namespace {

constexpr int kMaxGroup = 8;     // query heads per KV head handled together
constexpr int kMaxHeadDim = 256;

ARB_TARGET_AVX512 float hmax512(__m512 v) { return _mm512_reduce_max_ps(v); }
ARB_TARGET_AVX512 float hsum512(__m512 v) { return _mm512_reduce_add_ps(v); }

ARB_TARGET_AVX2 float hsum256(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

ARB_TARGET_AVX2 float hmax256(__m256 v) {
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

ARB_TARGET_AVX512 void attend_avx512(const AttendArgs& a) {
  const int nv = a.head_dim / 16;
  const float scale = 1.0f / std::sqrt(static_cast<float>(a.head_dim));
  for (int g0 = 0; g0 < a.group; g0 += kMaxGroup) {
    const int G = a.group - g0 < kMaxGroup ? a.group - g0 : kMaxGroup;
    // Scores: each key is loaded once for all G heads.
    for (int j = 0; j < a.n_keys; j++) {
      const float* kj = a.k + static_cast<int64_t>(j) * a.head_dim;
      for (int g = 0; g < G; g++) {
        const float* q = a.q + (g0 + g) * a.q_stride;
        __m512 acc = _mm512_mul_ps(_mm512_loadu_ps(q), _mm512_loadu_ps(kj));
        for (int c = 1; c < nv; c++) acc = _mm512_fmadd_ps(_mm512_loadu_ps(q + 16 * c), _mm512_loadu_ps(kj + 16 * c), acc);
        a.scores[(g0 + g) * a.n_keys + j] = hsum512(acc) * scale;
      }
    }
    // Softmax per head, 16 positions at a time (masked tail).
    float inv[kMaxGroup];
    for (int g = 0; g < G; g++) {
      float* s = a.scores + (g0 + g) * a.n_keys;
      __m512 mx = _mm512_set1_ps(-INFINITY);
      for (int j = 0; j < a.n_keys; j += 16) {
        const __mmask16 m = a.n_keys - j >= 16 ? 0xffff : static_cast<__mmask16>((1u << (a.n_keys - j)) - 1);
        mx = _mm512_mask_max_ps(mx, m, mx, _mm512_maskz_loadu_ps(m, s + j));
      }
      const __m512 max = _mm512_set1_ps(hmax512(mx));
      __m512 sum = _mm512_setzero_ps();
      for (int j = 0; j < a.n_keys; j += 16) {
        const __mmask16 m = a.n_keys - j >= 16 ? 0xffff : static_cast<__mmask16>((1u << (a.n_keys - j)) - 1);
        const __m512 e = exp_avx512(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, s + j), max));
        _mm512_mask_storeu_ps(s + j, m, e);
        sum = _mm512_add_ps(sum, _mm512_maskz_mov_ps(m, e));
      }
      inv[g] = 1.0f / hsum512(sum);
    }
    // Values: each value row is loaded once for all G heads.
    __m512 out[kMaxGroup][kMaxHeadDim / 16];
    for (int g = 0; g < G; g++) {
      for (int c = 0; c < nv; c++) out[g][c] = _mm512_setzero_ps();
    }
    for (int j = 0; j < a.n_keys; j++) {
      const float* vj = a.v + static_cast<int64_t>(j) * a.head_dim;
      for (int c = 0; c < nv; c++) {
        const __m512 vv = _mm512_loadu_ps(vj + 16 * c);
        for (int g = 0; g < G; g++) {
          out[g][c] = _mm512_fmadd_ps(_mm512_set1_ps(a.scores[(g0 + g) * a.n_keys + j]), vv, out[g][c]);
        }
      }
    }
    for (int g = 0; g < G; g++) {
      float* o = a.out + (g0 + g) * a.out_stride;
      for (int c = 0; c < nv; c++) _mm512_storeu_ps(o + 16 * c, _mm512_mul_ps(out[g][c], _mm512_set1_ps(inv[g])));
    }
  }
}

ARB_TARGET_AVX2 void attend_avx2(const AttendArgs& a) {
  const int nv = a.head_dim / 8;
  const float scale = 1.0f / std::sqrt(static_cast<float>(a.head_dim));
  for (int g = 0; g < a.group; g++) {
    const float* q = a.q + g * a.q_stride;
    float* s = a.scores + g * a.n_keys;
    for (int j = 0; j < a.n_keys; j++) {
      const float* kj = a.k + static_cast<int64_t>(j) * a.head_dim;
      __m256 acc = _mm256_mul_ps(_mm256_loadu_ps(q), _mm256_loadu_ps(kj));
      for (int c = 1; c < nv; c++) acc = _mm256_fmadd_ps(_mm256_loadu_ps(q + 8 * c), _mm256_loadu_ps(kj + 8 * c), acc);
      s[j] = hsum256(acc) * scale;
    }
    __m256 mx = _mm256_set1_ps(-INFINITY);
    int j = 0;
    for (; j + 8 <= a.n_keys; j += 8) mx = _mm256_max_ps(mx, _mm256_loadu_ps(s + j));
    float max = hmax256(mx);
    for (; j < a.n_keys; j++) max = s[j] > max ? s[j] : max;
    __m256 sumv = _mm256_setzero_ps();
    for (j = 0; j + 8 <= a.n_keys; j += 8) {
      const __m256 e = exp_avx2(_mm256_sub_ps(_mm256_loadu_ps(s + j), _mm256_set1_ps(max)));
      _mm256_storeu_ps(s + j, e);
      sumv = _mm256_add_ps(sumv, e);
    }
    float sum = hsum256(sumv);
    for (; j < a.n_keys; j++) {
      s[j] = std::exp(s[j] - max);
      sum += s[j];
    }
    float* o = a.out + g * a.out_stride;
    for (int c = 0; c < nv; c++) _mm256_storeu_ps(o + 8 * c, _mm256_setzero_ps());
    for (j = 0; j < a.n_keys; j++) {
      const __m256 p = _mm256_set1_ps(s[j]);
      const float* vj = a.v + static_cast<int64_t>(j) * a.head_dim;
      for (int c = 0; c < nv; c++) {
        _mm256_storeu_ps(o + 8 * c, _mm256_fmadd_ps(p, _mm256_loadu_ps(vj + 8 * c), _mm256_loadu_ps(o + 8 * c)));
      }
    }
    const __m256 inv = _mm256_set1_ps(1.0f / sum);
    for (int c = 0; c < nv; c++) _mm256_storeu_ps(o + 8 * c, _mm256_mul_ps(_mm256_loadu_ps(o + 8 * c), inv));
  }
}

}  // namespace
#endif

AttendFn select_attend(CpuIsa isa, int head_dim) {
#ifdef ARB_HAVE_X86_KERNELS
  if (isa >= CpuIsa::Avx512 && head_dim % 16 == 0 && head_dim <= kMaxHeadDim) return attend_avx512;
  if (isa >= CpuIsa::Avx2 && head_dim % 8 == 0) return attend_avx2;
#endif
  (void)isa;
  (void)head_dim;
  return attend_portable;
}

}  // namespace arb
