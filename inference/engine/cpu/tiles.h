// Shared pieces of the matmul kernels: the loop that walks a row range in register tiles of
// one row x T activations, and horizontal sums with a fixed order. Included only by
// matmul_<type>.cpp.
#pragma once
#include <algorithm>

#include "kernels.h"

#ifdef ARB_HAVE_X86_KERNELS
// Accumulators<__m256, T>: the vector types' alignment attributes play no part in the template,
// and its members are always inlined into the ISA-specific callers, so no vector crosses a call
// between code built for different instruction sets (what -Wpsabi warns about).
#pragma GCC diagnostic ignored "-Wignored-attributes"
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

namespace arb {

// Activations are walked in blocks of this many so a block's rows stay in L2 while every
// weight row tile passes over them (prefill); decode steps have one block.
constexpr int kActivationBlock = 64;

// Tile<T>::run(args, row, tok) computes one weight row against T activations (T <= 4). One row
// at a time: tiles that interleave several rows' streams defeat the hardware prefetcher (6 vs
// 30 GB/s measured on an EPYC); reuse comes from the activations instead, which stay in L1.
template <template <int> class Tile>
inline void run_tiles(const MatmulArgs& a, int64_t r0, int64_t r1) {
  for (int tb = 0; tb < a.n_tok; tb += kActivationBlock) {
    const int te = std::min(a.n_tok, tb + kActivationBlock);
    for (int64_t r = r0; r < r1; r++) {
      int t = tb;
      for (; t + 4 <= te; t += 4) Tile<4>::run(a, r, t);
      switch (te - t) {
        case 3: Tile<3>::run(a, r, t); break;
        case 2: Tile<2>::run(a, r, t); break;
        case 1: Tile<1>::run(a, r, t); break;
        default: break;
      }
    }
  }
}

#ifdef ARB_HAVE_X86_KERNELS
// Software prefetch of the weight stream this far ahead of the bytes being read. The hardware
// prefetcher alone left two threads at 30-39 GB/s on the 2-core EPYC; 4 KB ahead gave 39-48 GB/s
// for 1 and 2 activations (alternating runs, bench notes in BENCHMARKS.md). A prefetch never
// faults, so running past the end of the tensor is harmless.
constexpr int kWeightPrefetchBytes = 4096;

// Prefetches the `bytes` (a multiple of 64, a constant) that a step will read kWeightPrefetchBytes
// from now, one cache line at a time.
template <int bytes>
__attribute__((always_inline)) inline void prefetch_weights(const void* step_start) {
  const char* p = static_cast<const char*>(step_start) + kWeightPrefetchBytes;
  for (int off = 0; off < bytes; off += 64) _mm_prefetch(p + off, _MM_HINT_T0);
}

#endif

// Per-activation accumulators in named variables: GCC keeps an array of vector accumulators in
// memory (a store per update), named ones stay in registers. `update(f)` sets v_j = f(j, v_j)
// and `each(f)` calls f(j, v_j), for j < T; `at(j)` reads v_j. Always inlined: vectors never cross a call between
// code built for different instruction sets.
template <typename V, int T>
struct Accumulators {
  static_assert(T >= 1 && T <= 4, "tiles of up to four activations");
  V v0, v1, v2, v3;

  template <typename F>
  __attribute__((always_inline)) inline void update(F&& f) {
    v0 = f(0, v0);
    if constexpr (T > 1) v1 = f(1, v1);
    if constexpr (T > 2) v2 = f(2, v2);
    if constexpr (T > 3) v3 = f(3, v3);
  }

  // v_j; j is a constant once the caller's lambda is inlined, so this folds to one register.
  __attribute__((always_inline)) inline V at(int j) const { return j == 0 ? v0 : j == 1 ? v1 : j == 2 ? v2 : v3; }

  template <typename F>
  __attribute__((always_inline)) inline void each(F&& f) const {
    f(0, v0);
    if constexpr (T > 1) f(1, v1);
    if constexpr (T > 2) f(2, v2);
    if constexpr (T > 3) f(3, v3);
  }
};

template <typename T>
inline const T* row_ptr(const MatmulArgs& a, int64_t r) {
  return reinterpret_cast<const T*>(a.w + static_cast<size_t>(r) * a.w_row_bytes);
}

template <typename T>
inline const T* act_ptr(const MatmulArgs& a, int t) {
  return reinterpret_cast<const T*>(static_cast<const uint8_t*>(a.act) +
                                    static_cast<size_t>(t) * a.act_row_bytes);
}

inline void store(const MatmulArgs& a, int64_t r, int t, float v) {
  a.y[static_cast<size_t>(t) * static_cast<size_t>(a.ldy) + static_cast<size_t>(r)] = v;
}

#ifdef ARB_HAVE_X86_KERNELS
static inline ARB_TARGET_AVX2 float hsum_avx2(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

static inline ARB_TARGET_AVX512 float hsum_avx512(__m512 v) {
  const __m256 h = _mm256_add_ps(_mm512_castps512_ps256(v),
                                 _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

// The AVX-512 step of the 32-value types whose weights unpack to signed bytes (Q8_0, Q5_0): blocks
// b and b + 1 as 64 signed bytes wq (`pair` false: block b alone, the high half zero) with their
// fp16 scales in `halves` (b low, b + 1 high). For each activation j, acc_j += d_w * d_y *
// dot(wq, y): |w| times y with w's sign through a mask (VNNI dpbusd wants one side unsigned),
// the 16 lanes scaled by [d_w0 x8 | d_w1 x8] and FMA'd with [d_y0 x8 | d_y1 x8].
template <int T>
ARB_TARGET_AVX512 __attribute__((always_inline)) inline void add_signed_block_pair_avx512(
    __m512i wq, uint32_t halves, const Q8ActRow* y, int64_t b, bool pair, Accumulators<__m512, T>& acc) {
  const __m512i lanes_of_second = _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
  const __mmask64 negative = _mm512_movepi8_mask(wq);
  const __m512i aw = _mm512_abs_epi8(wq);
  const __m512 dw = _mm512_permutexvar_ps(lanes_of_second,
                                          _mm512_castps128_ps512(_mm_cvtph_ps(_mm_cvtsi32_si128(static_cast<int>(halves)))));
  acc.update([&](int j, __m512 v) ARB_TARGET_AVX512 {
    const int8_t* q = y[j].qs + b * QK8_0;
    const __m512i yq = pair ? _mm512_loadu_si512(q) : _mm512_zextsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(q)));
    const __m512i sy = _mm512_mask_sub_epi8(yq, negative, _mm512_setzero_si512(), yq);
    const __m512i dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(), aw, sy);
    const __m128 d2 = pair ? _mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(y[j].d + b))) : _mm_load_ss(y[j].d + b);
    const __m512 dy = _mm512_permutexvar_ps(lanes_of_second, _mm512_castps128_ps512(d2));
    return _mm512_fmadd_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(dot), dw), dy, v);
  });
}

static inline ARB_TARGET_AVX512 float hsum_avx512_256(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}
#endif

}  // namespace arb
