// F16 weights x fp32 activations: F16C widens 8 (AVX2) or 16 (AVX-512) halves per instruction;
// products and sums are fp32 FMAs, so no precision is lost on the activation side.
//
// The AVX-512 kernel works in register tiles of up to 4 weight rows x 6 activations, one
// 16-lane accumulator per (row, activation): each weight vector is widened once and multiplied
// into 6 activations, each activation vector into 4 rows, so a prefill step is 24 FMAs for 4
// conversions and 10 loads (float_tiles.h's tiles, one row against up to 4 activations, pay a
// conversion and 4 loads for every 4 FMAs). A (row, activation) result is the
// same chain of FMAs over its columns, 16 at a time, then the same horizontal sum, whatever
// the tile it falls in: any batch and any row range give the same bits.
#include "float_tiles.h"

namespace arb {

// A named namespace, not an anonymous one: GCC gives run_tiles<> instantiated with tiles from
// an anonymous namespace the same weak symbol in every file, and the linker would merge them.
namespace f16_kernels {
struct F16 {
  using Elem = ggml_half;
  static float scalar(const ggml_half* p) { return fp16_to_fp32(*p); }
#ifdef ARB_HAVE_X86_KERNELS
  ARB_TARGET_AVX2 static __m256 load8(const ggml_half* p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  ARB_TARGET_AVX512 static __m512 load16(const ggml_half* p) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  }
#endif
};

#ifdef ARB_HAVE_X86_KERNELS
// Tile sizes: 24 accumulators + 4 widened weight vectors + 1 activation vector of the 32
// registers.
constexpr int kTileRows = 4;
constexpr int kTileActivations = 6;

// hsum_avx512 (tiles.h) of four vectors at once, as [sum a, sum b, sum c, sum d]: the same
// pairs added in the same order (lane i + lane i+8, then i + i+4, i + i+2, i + i+1), so every
// sum has the bits hsum_avx512 gives it in a tile of fewer rows.
ARB_TARGET_AVX512 __attribute__((always_inline)) inline __m128 hsum4_avx512(__m512 a, __m512 b, __m512 c, __m512 d) {
  const __m512 ab = _mm512_add_ps(_mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(1, 0, 1, 0)), _mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(3, 2, 3, 2)));
  const __m512 cd = _mm512_add_ps(_mm512_shuffle_f32x4(c, d, _MM_SHUFFLE(1, 0, 1, 0)), _mm512_shuffle_f32x4(c, d, _MM_SHUFFLE(3, 2, 3, 2)));
  const __m512 s = _mm512_add_ps(_mm512_shuffle_f32x4(ab, cd, _MM_SHUFFLE(2, 0, 2, 0)), _mm512_shuffle_f32x4(ab, cd, _MM_SHUFFLE(3, 1, 3, 1)));
  const __m512 u = _mm512_add_ps(s, _mm512_permute_ps(s, _MM_SHUFFLE(1, 0, 3, 2)));
  const __m512 v = _mm512_add_ps(u, _mm512_permute_ps(u, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm512_castps512_ps128(_mm512_permutexvar_ps(_mm512_setr_epi32(0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), v));
}

// R weight rows from r x T activations from t.
template <int R, int T>
struct TileAvx512 {
  // acc[i][j] += w_i[k..k+16) * x_j[k..k+16); with `lanes`, the columns past the row's end
  // read as zeros (the last, partial step).
  template <bool kPartial>
  ARB_TARGET_AVX512 __attribute__((always_inline)) static inline void step(const ggml_half* const (&w)[R],
                                                                          const float* const (&x)[T], int64_t k,
                                                                          __mmask16 lanes, __m512 (&acc)[R][T]) {
    __m512 wv[R];
#pragma GCC unroll 8
    for (int i = 0; i < R; i++) {
      wv[i] = kPartial ? _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(lanes, w[i] + k)) : F16::load16(w[i] + k);
    }
#pragma GCC unroll 8
    for (int j = 0; j < T; j++) {
      const __m512 xv = kPartial ? _mm512_maskz_loadu_ps(lanes, x[j] + k) : _mm512_loadu_ps(x[j] + k);
#pragma GCC unroll 8
      for (int i = 0; i < R; i++) acc[i][j] = _mm512_fmadd_ps(wv[i], xv, acc[i][j]);
    }
  }

  ARB_TARGET_AVX512 static void run(const MatmulArgs& a, int64_t r, int t) {
    const int64_t n = a.n_cols;
    const ggml_half* w[R];
    const float* x[T];
#pragma GCC unroll 8
    for (int i = 0; i < R; i++) w[i] = row_ptr<ggml_half>(a, r + i);
#pragma GCC unroll 8
    for (int j = 0; j < T; j++) x[j] = act_ptr<float>(a, t + j);
    __m512 acc[R][T];
#pragma GCC unroll 8
    for (int i = 0; i < R; i++) {
#pragma GCC unroll 8
      for (int j = 0; j < T; j++) acc[i][j] = _mm512_setzero_ps();
    }
    int64_t k = 0;
    for (; k + 32 <= n; k += 32) {
#pragma GCC unroll 8
      for (int i = 0; i < R; i++) prefetch_weights<64>(w[i] + k);
      step<false>(w, x, k, 0, acc);
      step<false>(w, x, k + 16, 0, acc);
    }
    if (k + 16 <= n) {
      step<false>(w, x, k, 0, acc);
      k += 16;
    }
    if (k < n) step<true>(w, x, k, static_cast<__mmask16>((1u << (n - k)) - 1), acc);
    if constexpr (R == 4) {  // the four rows' results are adjacent in y
#pragma GCC unroll 8
      for (int j = 0; j < T; j++) {
        _mm_storeu_ps(a.y + static_cast<size_t>(t + j) * static_cast<size_t>(a.ldy) + static_cast<size_t>(r),
                      hsum4_avx512(acc[0][j], acc[1][j], acc[2][j], acc[3][j]));
      }
    } else {
#pragma GCC unroll 8
      for (int i = 0; i < R; i++) {
#pragma GCC unroll 8
        for (int j = 0; j < T; j++) store(a, r + i, t + j, hsum_avx512(acc[i][j]));
      }
    }
  }
};

// Rows [r0, r1) against T activations from t, in tiles of kTileRows rows.
template <int T>
ARB_TARGET_AVX512 void rows_against(const MatmulArgs& a, int64_t r0, int64_t r1, int t) {
  int64_t r = r0;
  for (; r + kTileRows <= r1; r += kTileRows) TileAvx512<kTileRows, T>::run(a, r, t);
  switch (r1 - r) {
    case 3: TileAvx512<3, T>::run(a, r, t); break;
    case 2: TileAvx512<2, T>::run(a, r, t); break;
    case 1: TileAvx512<1, T>::run(a, r, t); break;
    default: break;
  }
}

// Rows in blocks of about 256 KB of weights, which stay in L2 while every tile of 6
// activations (in L1) passes over them; within a block, activations outer, rows inner.
ARB_TARGET_AVX512 void rows_avx512(const MatmulArgs& a, int64_t r0, int64_t r1) {
  const int64_t block = std::max<int64_t>(1, (int64_t{256} << 10) / static_cast<int64_t>(a.w_row_bytes) / kTileRows) * kTileRows;
  for (int64_t b0 = r0; b0 < r1; b0 += block) {
    const int64_t b1 = std::min(r1, b0 + block);
    int t = 0;
    for (; t + kTileActivations <= a.n_tok; t += kTileActivations) rows_against<kTileActivations>(a, b0, b1, t);
    switch (a.n_tok - t) {
      case 5: rows_against<5>(a, b0, b1, t); break;
      case 4: rows_against<4>(a, b0, b1, t); break;
      case 3: rows_against<3>(a, b0, b1, t); break;
      case 2: rows_against<2>(a, b0, b1, t); break;
      case 1: rows_against<1>(a, b0, b1, t); break;
      default: break;
    }
  }
}
#endif
}  // namespace f16_kernels

void add_f16_kernels(std::vector<MatmulKernel>* out) {
  FloatTiles<f16_kernels::F16>::add_below_avx512(GgmlType::F16, out);
#ifdef ARB_HAVE_X86_KERNELS
  if (cpu_isa_supported() >= CpuIsa::Avx512) out->push_back({GgmlType::F16, CpuIsa::Avx512, ActFormat::F32, f16_kernels::rows_avx512});
#endif
}

}  // namespace arb
