// Q5_0 weights x Q8 activations (llama-quantize's fallback for Q4_K tensors whose rows are not a
// multiple of 256). A block holds 32 five-bit values q with value (q - 16) * d: the low four bits
// as Q4_0's nibbles, bit 4 of element j in bit j of qh. The portable path uses
// dot = sum(q * y) - 16 * sum(y); the SIMD paths build the signed bytes q - 16 and then work as
// Q8_0 does (matmul_q8_0.cpp): maddubs + madd (AVX2) or VNNI dpbusd on two blocks (AVX-512,
// add_signed_block_pair_avx512 in tiles.h).
#include <cstring>

#include "tiles.h"

namespace arb {

// Named, not anonymous: see matmul_q8_0.cpp.
namespace q5_0_kernels {

inline uint32_t high_bits(const block_q5_0& b) {
  uint32_t qh;
  std::memcpy(&qh, b.qh, sizeof(qh));
  return qh;
}

template <int T>
struct TilePortable {
  static void run(const MatmulArgs& a, int64_t r, int t0) {
    const int64_t nb = a.n_cols / QK5_0;
    const block_q5_0* w = row_ptr<block_q5_0>(a, r);
    float acc[T] = {};
    for (int64_t b = 0; b < nb; b++) {
      const float dw = fp16_to_fp32(w[b].d);
      const uint32_t qh = high_bits(w[b]);
      for (int j = 0; j < T; j++) {
        const Q8ActRow y = q8_act_row(act_ptr<uint8_t>(a, t0 + j), a.n_cols);
        const int8_t* yq = y.qs + b * QK8_0;
        int32_t isum = -16 * y.sum[b];
        for (int k = 0; k < QK5_0 / 2; k++) {
          isum += ((w[b].qs[k] & 0x0f) | ((qh >> k) & 1) << 4) * yq[k];
          isum += ((w[b].qs[k] >> 4) | ((qh >> (k + 16)) & 1) << 4) * yq[k + QK5_0 / 2];
        }
        acc[j] += static_cast<float>(isum) * (dw * y.d[b]);
      }
    }
    for (int j = 0; j < T; j++) store(a, r, t0 + j, acc[j]);
  }
};

void rows_portable(const MatmulArgs& a, int64_t r0, int64_t r1) { run_tiles<TilePortable>(a, r0, r1); }

#ifdef ARB_HAVE_X86_KERNELS
// 0xFF in byte j where bit j of the 32 bits is set.
static inline ARB_TARGET_AVX2 __m256i bits_to_bytes(uint32_t bits) {
  const __m256i spread = _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(bits)),
                                             _mm256_setr_epi64x(0, 0x0101010101010101, 0x0202020202020202,
                                                                0x0303030303030303));
  const __m256i bit = _mm256_set1_epi64x(static_cast<int64_t>(0x8040201008040201ull));
  return _mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit);
}

template <int T>
struct TileAvx2 {
  ARB_TARGET_AVX2 static void run(const MatmulArgs& a, int64_t r, int t0) {
    const int64_t nb = a.n_cols / QK5_0;
    const block_q5_0* w = row_ptr<block_q5_0>(a, r);
    Q8ActRow y[T];
    for (int j = 0; j < T; j++) y[j] = q8_act_row(act_ptr<uint8_t>(a, t0 + j), a.n_cols);
    const __m256 zero = _mm256_setzero_ps();
    Accumulators<__m256, T> even{zero, zero, zero, zero}, odd{zero, zero, zero, zero};
    auto block = [&](int64_t b, Accumulators<__m256, T>& acc) ARB_TARGET_AVX2 {
      const __m256i ones = _mm256_set1_epi16(1);
      // 16 bytes of nibbles -> 32 bytes (low nibbles, then high), bit 4 from qh, minus 16.
      const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w[b].qs));
      const __m256i both = _mm256_inserti128_si256(_mm256_castsi128_si256(packed), _mm_srli_epi16(packed, 4), 1);
      const __m256i high = _mm256_and_si256(bits_to_bytes(high_bits(w[b])), _mm256_set1_epi8(0x10));
      const __m256i q = _mm256_sub_epi8(_mm256_or_si256(_mm256_and_si256(both, _mm256_set1_epi8(0x0f)), high),
                                        _mm256_set1_epi8(16));
      const __m256i aq = _mm256_sign_epi8(q, q);
      const __m256 dw = _mm256_set1_ps(_cvtsh_ss(w[b].d));
      acc.update([&](int j, __m256 v) ARB_TARGET_AVX2 {
        const __m256i yq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[j].qs + b * QK8_0));
        const __m256i s32 = _mm256_madd_epi16(_mm256_maddubs_epi16(aq, _mm256_sign_epi8(yq, q)), ones);
        return _mm256_fmadd_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(s32), dw), _mm256_set1_ps(y[j].d[b]), v);
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
    const int64_t nb = a.n_cols / QK5_0;
    const block_q5_0* w = row_ptr<block_q5_0>(a, r);
    Q8ActRow y[T];
    for (int j = 0; j < T; j++) y[j] = q8_act_row(act_ptr<uint8_t>(a, t0 + j), a.n_cols);
    const __m512 zero = _mm512_setzero_ps();
    Accumulators<__m512, T> acc{zero, zero, zero, zero};
    // Blocks b and b + 1 (`pair` false: block b alone).
    auto step = [&](int64_t b, bool pair) ARB_TARGET_AVX512 {
      prefetch_weights<64>(w + b);
      const __m128i p0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w[b].qs));
      const __m128i p1 = pair ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(w[b + 1].qs)) : _mm_setzero_si128();
      const __m256i packed = _mm256_inserti128_si256(_mm256_castsi128_si256(p0), p1, 1);
      const __m256i lo = _mm256_and_si256(packed, _mm256_set1_epi8(0x0f));
      const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(packed, 4), _mm256_set1_epi8(0x0f));
      // [lo(b) hi(b) lo(b+1) hi(b+1)], 16 bytes each: the element order of two blocks.
      const __m512i nibbles = _mm512_permutex2var_epi64(_mm512_castsi256_si512(lo), _mm512_set_epi64(11, 10, 3, 2, 9, 8, 1, 0),
                                                        _mm512_castsi256_si512(hi));
      const __mmask64 high = static_cast<__mmask64>(high_bits(w[b])) |
                             (pair ? static_cast<__mmask64>(high_bits(w[b + 1])) << 32 : 0);
      const __m512i q = _mm512_sub_epi8(_mm512_or_si512(nibbles, _mm512_maskz_mov_epi8(high, _mm512_set1_epi8(0x10))),
                                        _mm512_set1_epi8(16));
      const uint32_t halves = static_cast<uint32_t>(w[b].d) | (pair ? static_cast<uint32_t>(w[b + 1].d) << 16 : 0u);
      add_signed_block_pair_avx512<T>(q, halves, y, b, pair, acc);
    };
    int64_t b = 0;
    for (; b + 2 <= nb; b += 2) step(b, true);
    if (b < nb) step(b, false);
    acc.each([&](int j, __m512 v) ARB_TARGET_AVX512 { store(a, r, t0 + j, hsum_avx512(v)); });
  }
};

ARB_TARGET_AVX512 ARB_FLATTEN void rows_avx512(const MatmulArgs& a, int64_t r0, int64_t r1) { run_tiles<TileAvx512>(a, r0, r1); }
#endif

}  // namespace q5_0_kernels

void add_q5_0_kernels(std::vector<MatmulKernel>* out) {
  out->push_back({GgmlType::Q5_0, CpuIsa::Portable, ActFormat::Q8, q5_0_kernels::rows_portable});
#ifdef ARB_HAVE_X86_KERNELS
  if (cpu_isa_supported() >= CpuIsa::Avx2) out->push_back({GgmlType::Q5_0, CpuIsa::Avx2, ActFormat::Q8, q5_0_kernels::rows_avx2});
  if (cpu_isa_supported() >= CpuIsa::Avx512) out->push_back({GgmlType::Q5_0, CpuIsa::Avx512, ActFormat::Q8, q5_0_kernels::rows_avx512});
#endif
}

}  // namespace arb
