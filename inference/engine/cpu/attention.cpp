// Attention kernels; see attention.h. The SIMD paths vectorize along head_dim for the dot
// products (each key read once for the group) and the value sums, and along positions for the
// softmax (the polynomial exp of simd_math.h).
#include "attention.h"

#include <cmath>

#include "../ggml_types.h"
#include "simd_math.h"

namespace arb {

namespace {

// Value i of cached row j, widened as dequantize_row widens it.
struct F16Values {
  static float at(const void* rows, int64_t j, int head_dim, int i) {
    return fp16_to_fp32(static_cast<const uint16_t*>(rows)[j * head_dim + i]);
  }
};
struct Q8Values {
  static float at(const void* rows, int64_t j, int head_dim, int i) {
    const block_q8_0& b = static_cast<const block_q8_0*>(rows)[j * (head_dim / QK8_0) + i / QK8_0];
    return b.qs[i % QK8_0] * fp16_to_fp32(b.d);
  }
};

template <typename Values>
void attend_portable_rows(const AttendArgs& a) {
  const float scale = a.scale;
  for (int g = 0; g < a.group; g++) {
    const float* q = a.q + g * a.q_stride;
    float* s = a.scores + g * a.n_keys;
    float max = -INFINITY;
    for (int j = 0; j < a.n_keys; j++) {
      float d = 0.0f;
      for (int i = 0; i < a.head_dim; i++) d += q[i] * Values::at(a.k, j, a.head_dim, i);
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
      for (int i = 0; i < a.head_dim; i++) out[i] += p * Values::at(a.v, j, a.head_dim, i);
    }
  }
}

}  // namespace

void attend_portable(const AttendArgs& a) {
  if (a.kv_type == GgmlType::Q8_0) {
    attend_portable_rows<Q8Values>(a);
  } else {
    attend_portable_rows<F16Values>(a);
  }
}

#ifdef ARB_HAVE_X86_KERNELS
namespace {

constexpr int kMaxGroup = 8;     // query heads per KV head handled together

// Values 16c .. 16c + 15 (load16) or 8c .. 8c + 7 (load8) of cached row j widened to float32,
// bit for bit as dequantize_row widens them (a Q8_0 value is one float product q * d).
struct F16Rows {
  ARB_TARGET_AVX512 static __m512 load16(const void* rows, int64_t j, int head_dim, int c) {
    const uint16_t* p = static_cast<const uint16_t*>(rows) + j * head_dim + 16 * c;
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  }
  ARB_TARGET_AVX2 static __m256 load8(const void* rows, int64_t j, int head_dim, int c) {
    const uint16_t* p = static_cast<const uint16_t*>(rows) + j * head_dim + 8 * c;
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
};
struct Q8Rows {
  ARB_TARGET_AVX512 static __m512 load16(const void* rows, int64_t j, int head_dim, int c) {
    const block_q8_0& b = static_cast<const block_q8_0*>(rows)[j * (head_dim / QK8_0) + c / 2];
    const __m512i q = _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b.qs + 16 * (c % 2))));
    return _mm512_mul_ps(_mm512_cvtepi32_ps(q), _mm512_set1_ps(_cvtsh_ss(b.d)));
  }
  ARB_TARGET_AVX2 static __m256 load8(const void* rows, int64_t j, int head_dim, int c) {
    const block_q8_0& b = static_cast<const block_q8_0*>(rows)[j * (head_dim / QK8_0) + c / 4];
    const __m256i q = _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(b.qs + 8 * (c % 4))));
    return _mm256_mul_ps(_mm256_cvtepi32_ps(q), _mm256_set1_ps(_cvtsh_ss(b.d)));
  }
};

ARB_TARGET_AVX512 float hmax512(__m512 v) { return _mm512_reduce_max_ps(v); }
ARB_TARGET_AVX512 float hsum512(__m512 v) { return _mm512_reduce_add_ps(v); }

ARB_TARGET_AVX512 __m256 fold512(__m512 v) {
  return _mm256_add_ps(_mm512_castps512_ps256(v), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
}

// The four horizontal sums of a, b, c, d.
ARB_TARGET_AVX512 __m128 hsum4_512(__m512 a, __m512 b, __m512 c, __m512 d) {
  const __m256 t = _mm256_hadd_ps(_mm256_hadd_ps(fold512(a), fold512(b)), _mm256_hadd_ps(fold512(c), fold512(d)));
  return _mm_add_ps(_mm256_castps256_ps128(t), _mm256_extractf128_ps(t, 1));
}

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

// out = scale * sum_j p[j] * v_j for rows of NV x 16 values.
template <typename Rows, int NV>
ARB_TARGET_AVX512 void weighted_sum_avx512(const float* p, const void* v, int n, float scale, float* out) {
  __m512 acc[NV];
  for (int c = 0; c < NV; c++) acc[c] = _mm512_setzero_ps();
  for (int j = 0; j < n; j++) {
    const __m512 pj = _mm512_set1_ps(p[j]);
    for (int c = 0; c < NV; c++) acc[c] = _mm512_fmadd_ps(pj, Rows::load16(v, j, NV * 16, c), acc[c]);
  }
  for (int c = 0; c < NV; c++) _mm512_storeu_ps(out + 16 * c, _mm512_mul_ps(acc[c], _mm512_set1_ps(scale)));
}

template <typename Rows>
ARB_TARGET_AVX512 void attend_avx512(const AttendArgs& a) {
  const int nv = a.head_dim / 16;
  const float scale = a.scale;
  for (int g0 = 0; g0 < a.group; g0 += kMaxGroup) {
    const int G = a.group - g0 < kMaxGroup ? a.group - g0 : kMaxGroup;
    // Scores: each key is loaded once for all G heads; four heads' dot products are reduced
    // together (one shuffle tree for four sums instead of four).
    for (int j = 0; j < a.n_keys; j++) {
      // The key widened once for all G heads (head_dim <= 256: at most 16 registers).
      __m512 k[16];
      for (int c = 0; c < nv; c++) k[c] = Rows::load16(a.k, j, a.head_dim, c);
      auto dot = [&](int g) ARB_TARGET_AVX512 {
        const float* q = a.q + (g0 + g) * a.q_stride;
        __m512 acc = _mm512_mul_ps(_mm512_loadu_ps(q), k[0]);
        for (int c = 1; c < nv; c++) acc = _mm512_fmadd_ps(_mm512_loadu_ps(q + 16 * c), k[c], acc);
        return acc;
      };
      int g = 0;
      for (; g + 4 <= G; g += 4) {
        const __m128 sums = hsum4_512(dot(g), dot(g + 1), dot(g + 2), dot(g + 3));
        alignas(16) float four[4];
        _mm_store_ps(four, _mm_mul_ps(sums, _mm_set1_ps(scale)));
        for (int k = 0; k < 4; k++) a.scores[(g0 + g + k) * a.n_keys + j] = four[k];
      }
      for (; g < G; g++) a.scores[(g0 + g) * a.n_keys + j] = hsum512(dot(g)) * scale;
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
    // Values, one head at a time: its head_dim/16 accumulators stay in registers (the rows
    // are re-read from L1/L2 for each head of the group).
    for (int g = 0; g < G; g++) {
      const float* p = a.scores + (g0 + g) * a.n_keys;
      float* o = a.out + (g0 + g) * a.out_stride;
      if (nv == 4) {
        weighted_sum_avx512<Rows, 4>(p, a.v, a.n_keys, inv[g], o);
      } else if (nv == 8) {
        weighted_sum_avx512<Rows, 8>(p, a.v, a.n_keys, inv[g], o);
      } else {
        for (int c = 0; c < nv; c++) {
          __m512 acc = _mm512_setzero_ps();
          for (int j = 0; j < a.n_keys; j++) {
            acc = _mm512_fmadd_ps(_mm512_set1_ps(p[j]), Rows::load16(a.v, j, a.head_dim, c), acc);
          }
          _mm512_storeu_ps(o + 16 * c, _mm512_mul_ps(acc, _mm512_set1_ps(inv[g])));
        }
      }
    }
  }
}

template <typename Rows>
ARB_TARGET_AVX2 void attend_avx2(const AttendArgs& a) {
  const int nv = a.head_dim / 8;
  const float scale = a.scale;
  for (int g = 0; g < a.group; g++) {
    const float* q = a.q + g * a.q_stride;
    float* s = a.scores + g * a.n_keys;
    for (int j = 0; j < a.n_keys; j++) {
      __m256 acc = _mm256_mul_ps(_mm256_loadu_ps(q), Rows::load8(a.k, j, a.head_dim, 0));
      for (int c = 1; c < nv; c++) acc = _mm256_fmadd_ps(_mm256_loadu_ps(q + 8 * c), Rows::load8(a.k, j, a.head_dim, c), acc);
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
      for (int c = 0; c < nv; c++) {
        _mm256_storeu_ps(o + 8 * c, _mm256_fmadd_ps(p, Rows::load8(a.v, j, a.head_dim, c), _mm256_loadu_ps(o + 8 * c)));
      }
    }
    const __m256 inv = _mm256_set1_ps(1.0f / sum);
    for (int c = 0; c < nv; c++) _mm256_storeu_ps(o + 8 * c, _mm256_mul_ps(_mm256_loadu_ps(o + 8 * c), inv));
  }
}

}  // namespace
#endif

CpuIsa attend_isa(CpuIsa isa, int head_dim) {
#ifdef ARB_HAVE_X86_KERNELS
  if (isa >= CpuIsa::Avx512 && head_dim % 16 == 0 && head_dim <= 256) return CpuIsa::Avx512;
  if (isa >= CpuIsa::Avx2 && head_dim % 8 == 0) return CpuIsa::Avx2;
#endif
  (void)isa;
  (void)head_dim;
  return CpuIsa::Portable;
}

AttendFn select_attend(CpuIsa isa, int head_dim, GgmlType kv_type) {
  const bool q8 = kv_type == GgmlType::Q8_0;
  switch (attend_isa(isa, head_dim)) {
#ifdef ARB_HAVE_X86_KERNELS
    case CpuIsa::Avx512: return q8 ? attend_avx512<Q8Rows> : attend_avx512<F16Rows>;
    case CpuIsa::Avx2: return q8 ? attend_avx2<Q8Rows> : attend_avx2<F16Rows>;
#endif
    default: (void)q8; return attend_portable;
  }
}

}  // namespace arb
