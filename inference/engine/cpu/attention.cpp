// Attention kernels; see attention.h. The SIMD paths vectorize along head_dim for the dot
// products (each key read once for the group) and the value sums, and along positions for the
// softmax (the polynomial exp of simd_math.h). The AVX-512 path computes the scores in tiles of
// 4 heads x 4 keys (16 dot products reduced together), the value sums for up to 4 heads at once,
// and prefetches the cached rows ahead of use.
#include "attention.h"

#include <algorithm>
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

// Values 16c .. 16c + 15 (load16) or 8c .. 8c + 7 (load8) of cached row j widened to float32,
// bit for bit as dequantize_row widens them (a Q8_0 value is one float product q * d).
struct F16Rows {
  static size_t row_bytes(int head_dim) { return static_cast<size_t>(head_dim) * 2; }
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
  static size_t row_bytes(int head_dim) { return static_cast<size_t>(head_dim / QK8_0) * sizeof(block_q8_0); }
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

// The 16 horizontal sums of d[0..15], lane i holding the sum of d[i]: a transposing tree
// (pairs of vectors interleaved and added) instead of 16 separate reductions.
ARB_TARGET_AVX512 __m512 hsum16_512(const __m512* d) {
  __m512 s1[8], s2[4], s3[2];
  for (int i = 0; i < 8; i++) {
    s1[i] = _mm512_add_ps(_mm512_unpacklo_ps(d[2 * i], d[2 * i + 1]), _mm512_unpackhi_ps(d[2 * i], d[2 * i + 1]));
  }
  for (int i = 0; i < 4; i++) {
    const __m512d a = _mm512_castps_pd(s1[2 * i]), b = _mm512_castps_pd(s1[2 * i + 1]);
    s2[i] = _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(a, b)), _mm512_castpd_ps(_mm512_unpackhi_pd(a, b)));
  }
  for (int i = 0; i < 2; i++) {
    s3[i] = _mm512_add_ps(_mm512_shuffle_f32x4(s2[2 * i], s2[2 * i + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                          _mm512_shuffle_f32x4(s2[2 * i], s2[2 * i + 1], _MM_SHUFFLE(3, 2, 3, 2)));
  }
  return _mm512_add_ps(_mm512_shuffle_f32x4(s3[0], s3[1], _MM_SHUFFLE(2, 0, 2, 0)),
                       _mm512_shuffle_f32x4(s3[0], s3[1], _MM_SHUFFLE(3, 1, 3, 1)));
}

// Asks for bytes [from, to) of rows (clamped to `end`) to be brought into L1. The cached rows
// come from memory at every step (the weights stream through the caches in between): with the
// loads left to the hardware prefetcher, a step's attention stalled on memory for about twice its
// arithmetic.
ARB_TARGET_AVX512 void prefetch_rows(const void* rows, size_t from, size_t to, size_t end) {
  const char* p = static_cast<const char*>(rows);
  for (size_t b = from; b < std::min(to, end); b += 64) _mm_prefetch(p + b, _MM_HINT_T0);
}

// Keys this far ahead of the tile being computed are prefetched (a few hundred ns of work).
constexpr int kPrefetchKeys = 16;

// Scores of HB query heads (g0 ..) against all keys, in tiles of HB heads x 16 / HB keys: each
// key chunk is widened once for the tile's heads, the tile's 16 dot products stay in registers
// and are reduced together (hsum16_512), and each head's 16 / HB scores are stored at once.
// Heads past the group repeat the last one (computed, not stored); keys past n_keys repeat the
// last key (not stored).
template <typename Rows, int HB>
ARB_TARGET_AVX512 void scores_avx512(const AttendArgs& a, int g0) {
  constexpr int KB = 16 / HB;
  const int nv = a.head_dim / 16;
  const float* q[HB];
  for (int h = 0; h < HB; h++) q[h] = a.q + std::min(g0 + h, a.group - 1) * a.q_stride;
  const int heads = std::min(HB, a.group - g0);
  const __m512 scale = _mm512_set1_ps(a.scale);
  // Keys ahead of the tile, and the tile's values (read after the softmax), on their way.
  const size_t row = Rows::row_bytes(a.head_dim), end = static_cast<size_t>(a.n_keys) * row;
  prefetch_rows(a.k, 0, kPrefetchKeys * row, end);
  for (int j0 = 0; j0 < a.n_keys; j0 += KB) {
    prefetch_rows(a.k, (j0 + kPrefetchKeys) * row, (j0 + kPrefetchKeys + KB) * row, end);
    if (g0 == 0) prefetch_rows(a.v, j0 * row, (j0 + KB) * row, end);
    __m512 d[16];
    for (int i = 0; i < 16; i++) d[i] = _mm512_setzero_ps();
    for (int c = 0; c < nv; c++) {
      for (int kk = 0; kk < KB; kk++) {
        const __m512 k = Rows::load16(a.k, std::min(j0 + kk, a.n_keys - 1), a.head_dim, c);
        for (int h = 0; h < HB; h++) d[h * KB + kk] = _mm512_fmadd_ps(_mm512_loadu_ps(q[h] + 16 * c), k, d[h * KB + kk]);
      }
    }
    const __m512 s = _mm512_mul_ps(hsum16_512(d), scale);
    const int n = std::min(KB, a.n_keys - j0);
    const __mmask16 keys = static_cast<__mmask16>((1u << n) - 1);
    for (int h = 0; h < heads; h++) {
      const __m512 head = _mm512_maskz_compress_ps(static_cast<__mmask16>(((1u << KB) - 1) << (h * KB)), s);
      _mm512_mask_storeu_ps(a.scores + (g0 + h) * a.n_keys + j0, keys, head);
    }
  }
}

// out_h = inv[h] * sum_j p_h[j] v_j for HV query heads (g0 ..) at once, 16 dimensions at a
// time: each value chunk is widened once for the HV heads, and 8 / HV accumulators per head
// (keys taken in turn) keep 8 independent FMA chains. Heads past the group repeat the last
// (computed, not stored).
template <typename Rows, int HV>
ARB_TARGET_AVX512 void values_avx512(const AttendArgs& a, int g0, const float* inv) {
  constexpr int E = 8 / HV;
  const int nv = a.head_dim / 16;
  const float* p[HV];
  for (int h = 0; h < HV; h++) p[h] = a.scores + std::min(g0 + h, a.group - 1) * a.n_keys;
  const int heads = std::min(HV, a.group - g0);
  for (int c = 0; c < nv; c++) {
    __m512 acc[E][HV];
    for (int e = 0; e < E; e++) {
      for (int h = 0; h < HV; h++) acc[e][h] = _mm512_setzero_ps();
    }
    int j = 0;
    for (; j + E <= a.n_keys; j += E) {
      for (int e = 0; e < E; e++) {
        const __m512 v = Rows::load16(a.v, j + e, a.head_dim, c);
        for (int h = 0; h < HV; h++) acc[e][h] = _mm512_fmadd_ps(_mm512_set1_ps(p[h][j + e]), v, acc[e][h]);
      }
    }
    for (; j < a.n_keys; j++) {
      const __m512 v = Rows::load16(a.v, j, a.head_dim, c);
      for (int h = 0; h < HV; h++) acc[0][h] = _mm512_fmadd_ps(_mm512_set1_ps(p[h][j]), v, acc[0][h]);
    }
    for (int h = 0; h < heads; h++) {
      __m512 sum = acc[0][h];
      for (int e = 1; e < E; e++) sum = _mm512_add_ps(sum, acc[e][h]);
      _mm512_storeu_ps(a.out + (g0 + h) * a.out_stride + 16 * c, _mm512_mul_ps(sum, _mm512_set1_ps(inv[h])));
    }
  }
}

template <typename Rows>
ARB_TARGET_AVX512 ARB_FLATTEN void attend_avx512(const AttendArgs& a) {
  // Scores: tiles of 4 heads x 4 keys (groups of 3 or more), 2 x 8 or 1 x 16 for smaller groups;
  // the value sums likewise 4, 2 or 1 heads at once.
  for (int g0 = 0; g0 < a.group; g0 += 4) {
    if (a.group == 1) {
      scores_avx512<Rows, 1>(a, g0);
    } else if (a.group == 2) {
      scores_avx512<Rows, 2>(a, g0);
    } else {
      scores_avx512<Rows, 4>(a, g0);
    }
  }
  for (int g0 = 0; g0 < a.group; g0 += 4) {
    // Softmax per head, 16 positions at a time (masked tail); 1 / sum scales the values.
    float inv[4];
    for (int g = g0; g < std::min(g0 + 4, a.group); g++) {
      float* s = a.scores + g * a.n_keys;
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
      inv[g - g0] = 1.0f / hsum512(sum);
    }
    if (a.group == 1) {
      values_avx512<Rows, 1>(a, g0, inv);
    } else if (a.group == 2) {
      values_avx512<Rows, 2>(a, g0, inv);
    } else {
      values_avx512<Rows, 4>(a, g0, inv);
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
