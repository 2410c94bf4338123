// Q8_0 weights x Q8 activations: per 32-value block, an int32 dot product of the quants, times
// both scales, accumulated in fp32 (as llama.cpp's vec_dot_q8_0_q8_0).
//   portable: plain loops.
//   AVX2:     one block per step: |w| * (y with w's sign) through maddubs (u8 x s8 -> s16
//             pairs) and madd -> s32, scaled by d_w, FMA with d_y broadcast.
//   AVX-512:  two blocks per step in 512-bit registers: y takes w's sign through a mask, one
//             VNNI dpbusd per activation, then the 16 lanes are scaled by [d_w0 x8 | d_w1 x8]
//             and FMA'd with [d_y0 x8 | d_y1 x8] taken from the activation's scale plane
//             (add_signed_block_pair_avx512 in tiles.h, shared with Q5_0).
// AVX2 keeps two fp32 accumulators per result (alternate blocks) so consecutive FMAs are
// independent; AVX-512 needs only one (see TileAvx512).
#include "tiles.h"

namespace arb {

// A named namespace, not an anonymous one: GCC gives run_tiles<> instantiated with tiles from
// an anonymous namespace the same weak symbol in every file, and the linker would merge them.
namespace q8_0_kernels {

constexpr int kPrefetchBytes = 8192;

template <int T>
struct TilePortable {
  static void run(const MatmulArgs& a, int64_t r, int t0) {
    const int64_t nb = a.n_cols / QK8_0;
    const block_q8_0* w = row_ptr<block_q8_0>(a, r);
    float acc[T] = {};
    for (int64_t b = 0; b < nb; b++) {
      const float dw = fp16_to_fp32(w[b].d);
      for (int j = 0; j < T; j++) {
        const Q8ActRow y = q8_act_row(act_ptr<uint8_t>(a, t0 + j), a.n_cols);
        int32_t isum = 0;
        for (int k = 0; k < QK8_0; k++) isum += w[b].qs[k] * y.qs[b * QK8_0 + k];
        acc[j] += static_cast<float>(isum) * (dw * y.d[b]);
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
    const int64_t nb = a.n_cols / QK8_0;
    const block_q8_0* w = row_ptr<block_q8_0>(a, r);
    Q8ActRow y[T];
    for (int j = 0; j < T; j++) y[j] = q8_act_row(act_ptr<uint8_t>(a, t0 + j), a.n_cols);
    // Two accumulators per activation (even and odd blocks) so consecutive FMAs are independent.
    const __m256 zero = _mm256_setzero_ps();
    Accumulators<__m256, T> even{zero, zero, zero, zero}, odd{zero, zero, zero, zero};
    auto block = [&](int64_t b, Accumulators<__m256, T>& acc) ARB_TARGET_AVX2 {
      const __m256i ones = _mm256_set1_epi16(1);
      const __m256i wq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[b].qs));
      const __m256i aw = _mm256_sign_epi8(wq, wq);
      const __m256 dw = _mm256_set1_ps(_cvtsh_ss(w[b].d));
      acc.update([&](int j, __m256 v) ARB_TARGET_AVX2 {
        const __m256i yq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[j].qs + b * QK8_0));
        const __m256i p16 = _mm256_maddubs_epi16(aw, _mm256_sign_epi8(yq, wq));
        const __m256 p = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_madd_epi16(p16, ones)), dw);
        return _mm256_fmadd_ps(p, _mm256_set1_ps(y[j].d[b]), v);
      });
    };
    int64_t b = 0;
    for (; b + 2 <= nb; b += 2) {
      prefetch_weights<64>(w + b);
      block(b, even);
      block(b + 1, odd);
    }
    if (b < nb) block(b, even);
    even.each([&](int j, __m256 e) ARB_TARGET_AVX2 {
      odd.each([&](int k, __m256 o) ARB_TARGET_AVX2 {
        if (k == j) store(a, r, t0 + j, hsum_avx2(_mm256_add_ps(e, o)));
      });
    });
  }
};

void rows_avx2(const MatmulArgs& a, int64_t r0, int64_t r1) { run_tiles<TileAvx2>(a, r0, r1); }

template <int T>
struct TileAvx512 {
  ARB_TARGET_AVX512 static void run(const MatmulArgs& a, int64_t r, int t0) {
    const int64_t nb = a.n_cols / QK8_0;
    const block_q8_0* w = row_ptr<block_q8_0>(a, r);
    Q8ActRow y[T];
    for (int j = 0; j < T; j++) y[j] = q8_act_row(act_ptr<uint8_t>(a, t0 + j), a.n_cols);
    // One accumulator per activation: its FMA chain (4 cycles per pair of blocks) is shorter
    // than the time a pair takes to arrive from memory.
    const __m512 zero = _mm512_setzero_ps();
    Accumulators<__m512, T> acc{zero, zero, zero, zero};
    // Blocks b and b + 1 (`pair` false: block b alone; its missing neighbour reads as zeros).
    auto step = [&](int64_t b, bool pair) ARB_TARGET_AVX512 {
      prefetch_weights<64>(w + b);
      const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[b].qs));
      const __m256i w1 = pair ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[b + 1].qs)) : _mm256_setzero_si256();
      const __m512i wq = _mm512_inserti64x4(_mm512_castsi256_si512(w0), w1, 1);
      const uint32_t halves = static_cast<uint32_t>(w[b].d) | (pair ? static_cast<uint32_t>(w[b + 1].d) << 16 : 0u);
      add_signed_block_pair_avx512<T>(wq, halves, y, b, pair, acc);
    };
    int64_t b = 0;
    for (; b + 2 <= nb; b += 2) step(b, true);
    if (b < nb) step(b, false);
    acc.each([&](int j, __m512 v) ARB_TARGET_AVX512 { store(a, r, t0 + j, hsum_avx512(v)); });
  }
};

ARB_TARGET_AVX512 ARB_FLATTEN void rows_avx512(const MatmulArgs& a, int64_t r0, int64_t r1) { run_tiles<TileAvx512>(a, r0, r1); }
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
