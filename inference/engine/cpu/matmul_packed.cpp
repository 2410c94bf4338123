// Q8_0, Q4_0, Q4_K and Q6_K weights repacked at load into groups of 16 interleaved rows, for
// AVX-512 VNNI (as llama.cpp repacks Q4_0 and Q4_K for its matrix-matrix path). In the file's
// layout each activation pays, per 32-value block (per 256-value super-block for the K types),
// for reducing and scaling its own dot product: with four activations that work, not the
// weight stream, bounds decode. Interleaved, one 512-bit register holds 4 columns of 16 rows,
// so a dpbusd against 4 activation bytes broadcast from memory gives 16 rows' partial sums and
// the conversion and scaling happen once per 16 rows: per activation and 32 columns, 8 dpbusd
// and 3-5 vector operations for 512 weights, against 6 operations per 64 weights (Q8_0, Q4_0)
// unpacked; unpacking the weights is shared by every activation.
//
// A group of 16 rows keeps the bytes the 16 rows had in the file (same size), in two planes:
// all its quant vectors, then all its scales. Q8_0 and Q4_0, per 32-column block b:
//   quants: vector k (64 bytes) holds in lane r (4 bytes) the quants of row r, columns
//           4k..4k+3 of the block, unsigned: Q8_0: q + 128, 8 vectors (Q = 512); Q4_0: the
//           file's bytes qs[4k..4k+3] (low nibbles: columns 4k.., high: 16 + 4k..), 4 vectors
//           (Q = 256) that unpack to the 8;
//   scales: 16 fp16, row r's scale at [r].
// Both offsets (128, 8) come back through the activation row's neg_dsum = -d_y * sum(y):
//   d_w * d_y * dot(q - off, y) = d_w * (d_y * dot(q, y) + off * neg_dsum).
// The K types are laid out below. Every (row, activation) result goes through the same
// operations whatever the batch and the row range (ranges are whole groups), so the batch
// invariance of kernels.h holds; each AVX-512 kernel gives the bits of its portable twin, which
// reads the same layout in plain loops (the tests check the layouts with it on any CPU).
#include <cmath>
#include <cstring>

#include "tiles.h"

namespace arb {

// Named, not anonymous: see matmul_q8_0.cpp.
namespace packed_kernels {

constexpr int kRows = kPackedRows;

template <GgmlType type>
struct Layout;

template <>
struct Layout<GgmlType::Q8_0> {
  static constexpr int kQuantBytes = 512;
  static constexpr float kOffset = 128.0f;
};

template <>
struct Layout<GgmlType::Q4_0> {
  static constexpr int kQuantBytes = 256;
  static constexpr float kOffset = 8.0f;
};

template <GgmlType type>
void pack(const uint8_t* w, size_t w_row_bytes, int64_t n_rows, int64_t n_cols, uint8_t* out) {
  constexpr int Q = Layout<type>::kQuantBytes;
  const int64_t nb = n_cols / 32;
  for (int64_t g = 0; g < n_rows / kRows; g++) {
    uint8_t* quants = out + static_cast<size_t>(g) * kRows * w_row_bytes;
    uint8_t* scales = quants + static_cast<size_t>(nb) * Q;
    for (int r = 0; r < kRows; r++) {
      const uint8_t* row = w + static_cast<size_t>(g * kRows + r) * w_row_bytes;
      for (int64_t b = 0; b < nb; b++) {
        uint8_t* dst = quants + static_cast<size_t>(b) * Q + 4 * r;
        if constexpr (type == GgmlType::Q8_0) {
          const block_q8_0& blk = reinterpret_cast<const block_q8_0*>(row)[b];
          for (int k = 0; k < 8; k++) {
            for (int i = 0; i < 4; i++) dst[64 * k + i] = static_cast<uint8_t>(blk.qs[4 * k + i] ^ 0x80);
          }
          std::memcpy(scales + static_cast<size_t>(b) * 2 * kRows + 2 * r, &blk.d, 2);
        } else {
          const block_q4_0& blk = reinterpret_cast<const block_q4_0*>(row)[b];
          for (int k = 0; k < 4; k++) std::memcpy(dst + 64 * k, blk.qs + 4 * k, 4);
          std::memcpy(scales + static_cast<size_t>(b) * 2 * kRows + 2 * r, &blk.d, 2);
        }
      }
    }
  }
}

// The portable version of the packed kernel: the tests' check of the layout on any CPU, the
// same sums in plain loops.
template <GgmlType type>
void rows_portable(const MatmulArgs& a, int64_t r0, int64_t r1) {
  constexpr int Q = Layout<type>::kQuantBytes;
  const int64_t nb = a.n_cols / 32;
  for (int64_t g = r0 / kRows; g < r1 / kRows; g++) {
    const uint8_t* quants = a.w + static_cast<size_t>(g) * kRows * a.w_row_bytes;
    const uint16_t* scales = reinterpret_cast<const uint16_t*>(quants + static_cast<size_t>(nb) * Q);
    for (int t = 0; t < a.n_tok; t++) {
      const Q8ActRow y = q8_act_row(act_ptr<uint8_t>(a, t), a.n_cols);
      for (int r = 0; r < kRows; r++) {
        float acc = 0.0f;
        for (int64_t b = 0; b < nb; b++) {
          int32_t dot = 0;
          for (int c = 0; c < 32; c++) {
            int q;
            if constexpr (type == GgmlType::Q8_0) {
              q = quants[b * Q + 64 * (c / 4) + 4 * r + c % 4];
            } else {
              const uint8_t byte = quants[b * Q + 64 * ((c % 16) / 4) + 4 * r + c % 4];
              q = c < 16 ? byte & 0x0f : byte >> 4;
            }
            dot += q * y.qs[b * 32 + c];
          }
          const float f = std::fma(static_cast<float>(dot), y.d[b], Layout<type>::kOffset * y.neg_dsum[b]);
          acc = std::fma(f, fp16_to_fp32(scales[b * kRows + r]), acc);
        }
        store(a, g * kRows + r, t, acc);
      }
    }
  }
}

#ifdef ARB_HAVE_X86_KERNELS
// Activation bytes p[0..3] in every dword lane (a broadcast load).
ARB_TARGET_AVX512 __attribute__((always_inline)) inline __m512i broadcast_quad(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm512_set1_epi32(v);
}

// The packed Q4_0, Q4_K and Q6_K kernels' weight prefetch: the L1 prefetch 4 KB ahead
// (prefetch_weights), and also prefetcht2 (to L2) 16 KB ahead. With 2-4 activations a block costs 2-4x one's arithmetic, and
// with the L1 prefetch alone part of that time was spent waiting on the stream instead of
// hiding under it (BENCHMARKS.md, issue 18 kernels).
constexpr int kFarPrefetchBytes = 16384;

template <int bytes>
ARB_TARGET_AVX512 __attribute__((always_inline)) inline void prefetch_packed(const void* step_start) {
  prefetch_weights<bytes>(step_start);
  const char* far = static_cast<const char*>(step_start) + kFarPrefetchBytes;
  for (int off = 0; off < bytes; off += 64) _mm_prefetch(far + off, _MM_HINT_T2);
}

// Each dword's byte offset within its 128-bit lane (vpshufb indexes within lanes).
ARB_TARGET_AVX512 __attribute__((always_inline)) inline __m512i dword_offsets_in_lane() {
  return _mm512_set_epi32(12, 8, 4, 0, 12, 8, 4, 0, 12, 8, 4, 0, 12, 8, 4, 0);
}

// Group g's 16 results for activations t0..t0 + T - 1.
template <int T>
ARB_TARGET_AVX512 __attribute__((always_inline)) inline void store_group(const MatmulArgs& a, int64_t g, int t0,
                                                                         const Accumulators<__m512, T>& acc) {
  acc.each([&](int j, __m512 v) ARB_TARGET_AVX512 {
    _mm512_storeu_ps(a.y + static_cast<size_t>(t0 + j) * static_cast<size_t>(a.ldy) + static_cast<size_t>(g * kRows), v);
  });
}

// Block b's eight unsigned quant vectors of one group.
template <GgmlType type>
ARB_TARGET_AVX512 __attribute__((always_inline)) inline void load_quants(const uint8_t* q, __m512i v[8]) {
  if constexpr (type == GgmlType::Q8_0) {
    for (int k = 0; k < 8; k++) v[k] = _mm512_loadu_si512(q + 64 * k);
  } else {
    const __m512i nibble = _mm512_set1_epi8(0x0f);
    for (int k = 0; k < 4; k++) {
      const __m512i packed = _mm512_loadu_si512(q + 64 * k);
      v[k] = _mm512_and_si512(packed, nibble);
      v[k + 4] = _mm512_and_si512(_mm512_srli_epi16(packed, 4), nibble);
    }
  }
}

// One group of 16 rows against T activations.
template <GgmlType type, int T>
ARB_TARGET_AVX512 __attribute__((always_inline)) inline void group_tile(const MatmulArgs& a, int64_t g, int t0) {
  constexpr int Q = Layout<type>::kQuantBytes;
  const int64_t nb = a.n_cols / 32;
  const uint8_t* quants = a.w + static_cast<size_t>(g) * kRows * a.w_row_bytes;
  const uint8_t* scales = quants + static_cast<size_t>(nb) * Q;
  Q8ActRow y[T];
  for (int j = 0; j < T; j++) y[j] = q8_act_row(act_ptr<uint8_t>(a, t0 + j), a.n_cols);
  const __m512 offset = _mm512_set1_ps(Layout<type>::kOffset);
  const __m512 zero = _mm512_setzero_ps();
  Accumulators<__m512, T> acc{zero, zero, zero, zero};
  for (int64_t b = 0; b < nb; b++) {
    // Q8_0 streams twice Q4_0's bytes per multiply, and the far prefetch did not help it.
    if constexpr (type == GgmlType::Q8_0) {
      prefetch_weights<Q>(quants + b * Q);
    } else {
      prefetch_packed<Q>(quants + b * Q);
    }
    __m512i v[8];
    load_quants<type>(quants + b * Q, v);
    const __m512 dw = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(scales + b * 2 * kRows)));
    acc.update([&](int j, __m512 s) ARB_TARGET_AVX512 {
      const int8_t* yq = y[j].qs + b * 32;
      auto quad = [&](int k) ARB_TARGET_AVX512 { return broadcast_quad(yq + 4 * k); };
      // Two chains (even and odd column groups) so consecutive dpbusd are independent.
      __m512i even = _mm512_dpbusd_epi32(_mm512_setzero_si512(), v[0], quad(0));
      __m512i odd = _mm512_dpbusd_epi32(_mm512_setzero_si512(), v[1], quad(1));
      for (int k = 2; k < 8; k += 2) {
        even = _mm512_dpbusd_epi32(even, v[k], quad(k));
        odd = _mm512_dpbusd_epi32(odd, v[k + 1], quad(k + 1));
      }
      const __m512 dot = _mm512_cvtepi32_ps(_mm512_add_epi32(even, odd));
      const __m512 f = _mm512_fmadd_ps(dot, _mm512_set1_ps(y[j].d[b]), _mm512_mul_ps(offset, _mm512_set1_ps(y[j].neg_dsum[b])));
      return _mm512_fmadd_ps(f, dw, s);
    });
  }
  store_group<T>(a, g, t0, acc);
}

template <GgmlType type>
struct GroupTile {
  template <int T>
  ARB_TARGET_AVX512 __attribute__((always_inline)) static inline void run(const MatmulArgs& a, int64_t g, int t0) {
    group_tile<type, T>(a, g, t0);
  }
};
#endif

// ---- Q4_K ----------------------------------------------------------------------------------
// A group's super-block b (16 rows x 256 columns, 2304 bytes as in the file):
//   quants: 2048 bytes, vector 8k + m (64 bytes) holding in lane r the file's bytes
//           qs[32k + 4m .. 32k + 4m + 3] of row r: low nibbles are sub-block 2k's columns
//           4m..4m+3, high nibbles sub-block 2k + 1's;
//   meta:   256 bytes: d of the 16 rows (fp16), dmin (fp16), then the 12 packed scale bytes as
//           three planes of 16 dwords (u0, u1, u2: bytes 0-3, 4-7, 8-11 of each row's scales).
// Per activation: s = sum_j float(dot_j) * sc_j (fp32, j in order), mins = sum_j m_j * (y's
// sum over sub-block j) (exact int), and acc += (s * d - float(mins) * dmin) * d_y.
constexpr int kQ4KQuantBytes = 2048, kQ4KMetaBytes = 256;

void pack_q4_k(const uint8_t* w, size_t w_row_bytes, int64_t n_rows, int64_t n_cols, uint8_t* out) {
  const int64_t nb = n_cols / QK_K;
  for (int64_t g = 0; g < n_rows / kRows; g++) {
    uint8_t* quants = out + static_cast<size_t>(g) * kRows * w_row_bytes;
    uint8_t* meta = quants + static_cast<size_t>(nb) * kQ4KQuantBytes;
    for (int r = 0; r < kRows; r++) {
      const block_q4_K* row = reinterpret_cast<const block_q4_K*>(w + static_cast<size_t>(g * kRows + r) * w_row_bytes);
      for (int64_t b = 0; b < nb; b++) {
        uint8_t* q = quants + static_cast<size_t>(b) * kQ4KQuantBytes;
        for (int v = 0; v < 32; v++) std::memcpy(q + 64 * v + 4 * r, row[b].qs + 4 * v, 4);
        uint8_t* m = meta + static_cast<size_t>(b) * kQ4KMetaBytes;
        std::memcpy(m + 2 * r, &row[b].d, 2);
        std::memcpy(m + 32 + 2 * r, &row[b].dmin, 2);
        for (int p = 0; p < 3; p++) std::memcpy(m + 64 + 64 * p + 4 * r, row[b].scales + 4 * p, 4);
      }
    }
  }
}

// Row r's sc_0..sc_7 and m_0..m_7 of super-block b from the meta planes (q4_K_scale_min).
inline void q4_k_scales(const uint8_t* meta, int r, uint8_t sc[8], uint8_t mn[8]) {
  uint8_t packed[12];
  for (int p = 0; p < 3; p++) std::memcpy(packed + 4 * p, meta + 64 + 64 * p + 4 * r, 4);
  for (int j = 0; j < 8; j++) q4_K_scale_min(j, packed, &sc[j], &mn[j]);
}

void rows_portable_q4_k(const MatmulArgs& a, int64_t r0, int64_t r1) {
  const int64_t nb = a.n_cols / QK_K;
  for (int64_t g = r0 / kRows; g < r1 / kRows; g++) {
    const uint8_t* quants = a.w + static_cast<size_t>(g) * kRows * a.w_row_bytes;
    const uint8_t* metas = quants + static_cast<size_t>(nb) * kQ4KQuantBytes;
    for (int t = 0; t < a.n_tok; t++) {
      const Q8KActRow y = q8k_act_row(act_ptr<uint8_t>(a, t), a.n_cols);
      for (int r = 0; r < kRows; r++) {
        float acc = 0.0f;
        for (int64_t b = 0; b < nb; b++) {
          const uint8_t* q = quants + static_cast<size_t>(b) * kQ4KQuantBytes;
          const uint8_t* meta = metas + static_cast<size_t>(b) * kQ4KMetaBytes;
          uint8_t sc[8], mn[8];
          q4_k_scales(meta, r, sc, mn);
          float s = 0.0f;
          int32_t mins = 0;
          for (int j = 0; j < 8; j++) {
            int32_t dot = 0;
            for (int c = 0; c < 32; c++) {
              const uint8_t byte = q[64 * (8 * (j / 2) + c / 4) + 4 * r + c % 4];
              dot += (j % 2 ? byte >> 4 : byte & 0x0f) * y.qs[b * QK_K + 32 * j + c];
            }
            s = std::fma(static_cast<float>(dot), static_cast<float>(sc[j]), s);
            mins += mn[j] * (y.bsums[16 * b + 2 * j] + y.bsums[16 * b + 2 * j + 1]);
          }
          uint16_t d, dmin;
          std::memcpy(&d, meta + 2 * r, 2);
          std::memcpy(&dmin, meta + 32 + 2 * r, 2);
          const float t2 = std::fma(s, fp16_to_fp32(d), -(static_cast<float>(mins) * fp16_to_fp32(dmin)));
          acc = std::fma(t2, y.d[b], acc);
        }
        store(a, g * kRows + r, t, acc);
      }
    }
  }
}

#ifdef ARB_HAVE_X86_KERNELS
template <int T>
ARB_TARGET_AVX512 __attribute__((always_inline)) inline void group_tile_q4_k(const MatmulArgs& a, int64_t g, int t0) {
  const int64_t nb = a.n_cols / QK_K;
  const uint8_t* quants = a.w + static_cast<size_t>(g) * kRows * a.w_row_bytes;
  const uint8_t* metas = quants + static_cast<size_t>(nb) * kQ4KQuantBytes;
  Q8KActRow y[T];
  for (int j = 0; j < T; j++) y[j] = q8k_act_row(act_ptr<uint8_t>(a, t0 + j), a.n_cols);
  const __m512i nibble = _mm512_set1_epi8(0x0f), low6 = _mm512_set1_epi8(0x3f), low4 = nibble, top2 = _mm512_set1_epi8(0x03);
  const __m512 zero = _mm512_setzero_ps();
  const __m512i zi = _mm512_setzero_si512();
  Accumulators<__m512, T> acc{zero, zero, zero, zero};
  for (int64_t b = 0; b < nb; b++) {
    const uint8_t* q = quants + static_cast<size_t>(b) * kQ4KQuantBytes;
    const uint8_t* meta = metas + static_cast<size_t>(b) * kQ4KMetaBytes;
    const __m512i u0 = _mm512_loadu_si512(meta + 64), u1 = _mm512_loadu_si512(meta + 128), u2 = _mm512_loadu_si512(meta + 192);
    // Per lane (row): sc_0..3 | sc_4..7 | m_0..3 | m_4..7 as bytes of four dword vectors.
    const __m512i sc_lo = _mm512_and_si512(u0, low6), mn_lo = _mm512_and_si512(u1, low6);
    const __m512i sc_hi = _mm512_or_si512(_mm512_and_si512(u2, low4),
                                          _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(u0, 6), top2), 4));
    const __m512i mn_hi = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi32(u2, 4), low4),
                                          _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(u1, 6), top2), 4));
    Accumulators<__m512, T> s{zero, zero, zero, zero};
    Accumulators<__m512i, T> mins{zi, zi, zi, zi};
    for (int j = 0; j < 8; j++) {
      const __m512i sc4 = j < 4 ? sc_lo : sc_hi, mn4 = j < 4 ? mn_lo : mn_hi;
      // Byte j % 4 of each dword: as an int32 (the scale) and twice as int16 (the min, once per
      // 16-value half of the sub-block).
      const __m512i pick32 = _mm512_set1_epi32(static_cast<int>(0x80808000u | static_cast<uint32_t>(j % 4)));
      const __m512i pick16 = _mm512_set1_epi32(static_cast<int>(0x80008000u | static_cast<uint32_t>(j % 4) << 16 | static_cast<uint32_t>(j % 4)));
      // vpshufb indexes within each 128-bit lane: add the dword's offset in its lane.
      const __m512i lane_base = dword_offsets_in_lane();
      const __m512i base16 = _mm512_set_epi32(0x000c000c, 0x00080008, 0x00040004, 0, 0x000c000c, 0x00080008, 0x00040004, 0,
                                              0x000c000c, 0x00080008, 0x00040004, 0, 0x000c000c, 0x00080008, 0x00040004, 0);
      const __m512 scf = _mm512_cvtepi32_ps(_mm512_shuffle_epi8(sc4, _mm512_add_epi32(pick32, lane_base)));
      const __m512i mn2 = _mm512_shuffle_epi8(mn4, _mm512_add_epi32(pick16, base16));
      // Sub-block j: vectors 8 (j / 2) + m, the low or the high nibbles.
      const uint8_t* qv = q + 64 * 8 * (j / 2);
      prefetch_packed<256>(qv + 256 * (j % 2));
      __m512i v[8];
      for (int m = 0; m < 8; m++) {
        const __m512i packed = _mm512_loadu_si512(qv + 64 * m);
        v[m] = j % 2 ? _mm512_and_si512(_mm512_srli_epi16(packed, 4), nibble) : _mm512_and_si512(packed, nibble);
      }
      s.update([&](int i, __m512 sv) ARB_TARGET_AVX512 {
        const int8_t* yq = y[i].qs + b * QK_K + 32 * j;
        auto quad = [&](int m) ARB_TARGET_AVX512 { return broadcast_quad(yq + 4 * m); };
        __m512i even = _mm512_dpbusd_epi32(zi, v[0], quad(0)), odd = _mm512_dpbusd_epi32(zi, v[1], quad(1));
        for (int m = 2; m < 8; m += 2) {
          even = _mm512_dpbusd_epi32(even, v[m], quad(m));
          odd = _mm512_dpbusd_epi32(odd, v[m + 1], quad(m + 1));
        }
        return _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(even, odd)), scf, sv);
      });
      mins.update([&](int i, __m512i mv) ARB_TARGET_AVX512 {
        int32_t sums;  // y's two 16-value sums of sub-block j
        std::memcpy(&sums, y[i].bsums + 16 * b + 2 * j, 4);
        return _mm512_dpwssd_epi32(mv, mn2, _mm512_set1_epi32(sums));
      });
    }
    const __m512 d = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(meta)));
    const __m512 dmin = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(meta + 32)));
    acc.update([&](int i, __m512 av) ARB_TARGET_AVX512 {
      const __m512 t2 = _mm512_fmsub_ps(s.at(i), d, _mm512_mul_ps(_mm512_cvtepi32_ps(mins.at(i)), dmin));
      return _mm512_fmadd_ps(t2, _mm512_set1_ps(y[i].d[b]), av);
    });
  }
  store_group<T>(a, g, t0, acc);
}

#endif

// ---- Q6_K ----------------------------------------------------------------------------------
// A group's super-block b (16 rows x 256 columns, 3360 bytes as in the file):
//   quants: 3072 bytes, vector i (64 bytes) holding in lane r the file's bytes 4i..4i+3 of row
//           r's ql || qh (ql: vectors 0-31, qh: 32-47). Columns 128h + 32k + 4m.. (k = 0..3,
//           m = 0..7) are nibble k / 2 of ql vector 16h + 8 (k % 2) + m with bits 2k, 2k + 1 of
//           qh vector 32 + 8h + m above it (quants_ref.cpp, dequantize_q6_K);
//   meta:   288 bytes: d of the 16 rows (fp16), then the 16 int8 scales of each row as four
//           planes of 16 dwords (scales 4p..4p+3).
// Per activation: s = sum over sub-blocks (in order) of float(dot(q, y)) * sc, off = sum of sc
// * (y's sum over the sub-block) (exact int), acc += ((s - 32 * off) * d) * d_y.
constexpr int kQ6KQuantBytes = 3072, kQ6KMetaBytes = 288;

void pack_q6_k(const uint8_t* w, size_t w_row_bytes, int64_t n_rows, int64_t n_cols, uint8_t* out) {
  const int64_t nb = n_cols / QK_K;
  for (int64_t g = 0; g < n_rows / kRows; g++) {
    uint8_t* quants = out + static_cast<size_t>(g) * kRows * w_row_bytes;
    uint8_t* meta = quants + static_cast<size_t>(nb) * kQ6KQuantBytes;
    for (int r = 0; r < kRows; r++) {
      const block_q6_K* row = reinterpret_cast<const block_q6_K*>(w + static_cast<size_t>(g * kRows + r) * w_row_bytes);
      for (int64_t b = 0; b < nb; b++) {
        uint8_t* q = quants + static_cast<size_t>(b) * kQ6KQuantBytes;
        for (int v = 0; v < 32; v++) std::memcpy(q + 64 * v + 4 * r, row[b].ql + 4 * v, 4);
        for (int v = 0; v < 16; v++) std::memcpy(q + 64 * (32 + v) + 4 * r, row[b].qh + 4 * v, 4);
        uint8_t* m = meta + static_cast<size_t>(b) * kQ6KMetaBytes;
        std::memcpy(m + 2 * r, &row[b].d, 2);
        for (int p = 0; p < 4; p++) std::memcpy(m + 32 + 64 * p + 4 * r, row[b].scales + 4 * p, 4);
      }
    }
  }
}

void rows_portable_q6_k(const MatmulArgs& a, int64_t r0, int64_t r1) {
  const int64_t nb = a.n_cols / QK_K;
  for (int64_t g = r0 / kRows; g < r1 / kRows; g++) {
    const uint8_t* quants = a.w + static_cast<size_t>(g) * kRows * a.w_row_bytes;
    const uint8_t* metas = quants + static_cast<size_t>(nb) * kQ6KQuantBytes;
    for (int t = 0; t < a.n_tok; t++) {
      const Q8KActRow y = q8k_act_row(act_ptr<uint8_t>(a, t), a.n_cols);
      for (int r = 0; r < kRows; r++) {
        float acc = 0.0f;
        for (int64_t b = 0; b < nb; b++) {
          const uint8_t* q = quants + static_cast<size_t>(b) * kQ6KQuantBytes;
          const uint8_t* meta = metas + static_cast<size_t>(b) * kQ6KMetaBytes;
          float s = 0.0f;
          int32_t off = 0;
          for (int sb = 0; sb < 16; sb++) {
            const int h = sb / 8, k = (sb % 8) / 2;
            const int8_t sc = static_cast<int8_t>(meta[32 + 64 * (sb / 4) + 4 * r + sb % 4]);
            int32_t dot = 0;
            for (int c = 16 * (sb % 2); c < 16 * (sb % 2) + 16; c++) {
              const int m = c / 4;
              const uint8_t ql = q[64 * (16 * h + 8 * (k % 2) + m) + 4 * r + c % 4];
              const uint8_t qh = q[64 * (32 + 8 * h + m) + 4 * r + c % 4];
              const int v = ((ql >> (4 * (k / 2))) & 0x0f) | ((qh >> (2 * k)) & 3) << 4;
              dot += v * y.qs[b * QK_K + 128 * h + 32 * k + c];
            }
            s = std::fma(static_cast<float>(dot), static_cast<float>(sc), s);
            off += sc * y.bsums[16 * b + sb];
          }
          uint16_t d;
          std::memcpy(&d, meta + 2 * r, 2);
          const float u = std::fma(static_cast<float>(off), -32.0f, s) * fp16_to_fp32(d);
          acc = std::fma(u, y.d[b], acc);
        }
        store(a, g * kRows + r, t, acc);
      }
    }
  }
}

#ifdef ARB_HAVE_X86_KERNELS
template <int T>
ARB_TARGET_AVX512 __attribute__((always_inline)) inline void group_tile_q6_k(const MatmulArgs& a, int64_t g, int t0) {
  const int64_t nb = a.n_cols / QK_K;
  const uint8_t* quants = a.w + static_cast<size_t>(g) * kRows * a.w_row_bytes;
  const uint8_t* metas = quants + static_cast<size_t>(nb) * kQ6KQuantBytes;
  Q8KActRow y[T];
  for (int j = 0; j < T; j++) y[j] = q8k_act_row(act_ptr<uint8_t>(a, t0 + j), a.n_cols);
  const __m512i nibble = _mm512_set1_epi8(0x0f), top = _mm512_set1_epi8(0x30);
  const __m512i lane_base = dword_offsets_in_lane();
  const __m512 zero = _mm512_setzero_ps();
  const __m512i zi = _mm512_setzero_si512();
  Accumulators<__m512, T> acc{zero, zero, zero, zero};
  for (int64_t b = 0; b < nb; b++) {
    const uint8_t* q = quants + static_cast<size_t>(b) * kQ6KQuantBytes;
    const uint8_t* meta = metas + static_cast<size_t>(b) * kQ6KMetaBytes;
    Accumulators<__m512, T> s{zero, zero, zero, zero};
    Accumulators<__m512i, T> off{zi, zi, zi, zi};
    for (int grp = 0; grp < 8; grp++) {
      const int h = grp / 4, k = grp % 4, sb = 2 * grp;
      // Scales of sub-blocks sb and sb + 1 (bytes sb % 4 and sb % 4 + 1 of plane sb / 4):
      // each sign-extended to an int32 (for the float sums) and both as an int16 pair (for off).
      const __m512i plane = _mm512_loadu_si512(meta + 32 + 64 * (sb / 4));
      auto top_byte = [&](int byte) ARB_TARGET_AVX512 {
        const __m512i pick = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(0x00808080u | static_cast<uint32_t>(byte) << 24)),
                                              _mm512_slli_epi32(lane_base, 24));
        return _mm512_cvtepi32_ps(_mm512_srai_epi32(_mm512_shuffle_epi8(plane, pick), 24));
      };
      const __m512 scf0 = top_byte(sb % 4), scf1 = top_byte(sb % 4 + 1);
      const __m512i pair_pick = _mm512_add_epi32(
          _mm512_set1_epi32(static_cast<int>(0x00800080u | static_cast<uint32_t>(sb % 4 + 1) << 24 | static_cast<uint32_t>(sb % 4) << 8)),
          _mm512_or_si512(_mm512_slli_epi32(lane_base, 24), _mm512_slli_epi32(lane_base, 8)));
      const __m512i sc_pair = _mm512_srai_epi16(_mm512_shuffle_epi8(plane, pair_pick), 8);
      const uint8_t* ql = q + 64 * (16 * h + 8 * (k % 2));
      const uint8_t* qh = q + 64 * (32 + 8 * h);
      prefetch_packed<512>(ql);
      __m512i v[8];
      for (int m = 0; m < 8; m++) {
        const __m512i low = _mm512_and_si512(_mm512_srli_epi16(_mm512_loadu_si512(ql + 64 * m), 4 * (k / 2)), nibble);
        const __m512i hv = _mm512_loadu_si512(qh + 64 * m);
        const __m512i high = 2 * k <= 4 ? _mm512_slli_epi16(hv, 4 - 2 * k) : _mm512_srli_epi16(hv, 2 * k - 4);
        v[m] = _mm512_or_si512(low, _mm512_and_si512(high, top));
      }
      s.update([&](int i, __m512 sv) ARB_TARGET_AVX512 {
        const int8_t* yq = y[i].qs + b * QK_K + 128 * h + 32 * k;
        auto quad = [&](int m) ARB_TARGET_AVX512 { return broadcast_quad(yq + 4 * m); };
        __m512i d0 = _mm512_dpbusd_epi32(zi, v[0], quad(0)), d1 = _mm512_dpbusd_epi32(zi, v[4], quad(4));
        for (int m = 1; m < 4; m++) {
          d0 = _mm512_dpbusd_epi32(d0, v[m], quad(m));
          d1 = _mm512_dpbusd_epi32(d1, v[m + 4], quad(m + 4));
        }
        sv = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d0), scf0, sv);
        return _mm512_fmadd_ps(_mm512_cvtepi32_ps(d1), scf1, sv);
      });
      off.update([&](int i, __m512i ov) ARB_TARGET_AVX512 {
        int32_t sums;  // y's sums over sub-blocks sb and sb + 1
        std::memcpy(&sums, y[i].bsums + 16 * b + sb, 4);
        return _mm512_dpwssd_epi32(ov, sc_pair, _mm512_set1_epi32(sums));
      });
    }
    const __m512 d = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(meta)));
    const __m512 minus32 = _mm512_set1_ps(-32.0f);
    acc.update([&](int i, __m512 av) ARB_TARGET_AVX512 {
      const __m512 u = _mm512_mul_ps(_mm512_fmadd_ps(_mm512_cvtepi32_ps(off.at(i)), minus32, s.at(i)), d);
      return _mm512_fmadd_ps(u, _mm512_set1_ps(y[i].d[b]), av);
    });
  }
  store_group<T>(a, g, t0, acc);
}
#endif

#ifdef ARB_HAVE_X86_KERNELS
struct GroupTileQ4K {
  template <int T>
  ARB_TARGET_AVX512 __attribute__((always_inline)) static inline void run(const MatmulArgs& a, int64_t g, int t0) {
    group_tile_q4_k<T>(a, g, t0);
  }
};

struct GroupTileQ6K {
  template <int T>
  ARB_TARGET_AVX512 __attribute__((always_inline)) static inline void run(const MatmulArgs& a, int64_t g, int t0) {
    group_tile_q6_k<T>(a, g, t0);
  }
};

// Groups [r0, r1) / 16 against every activation, in tiles of up to four activations (the
// activations in blocks that stay in L2 while each group's weights, tens of KB, stay in L1/L2).
template <typename Tile>
ARB_TARGET_AVX512 ARB_FLATTEN void rows_avx512_groups(const MatmulArgs& a, int64_t r0, int64_t r1) {
  for (int tb = 0; tb < a.n_tok; tb += kActivationBlock) {
    const int te = std::min(a.n_tok, tb + kActivationBlock);
    for (int64_t g = r0 / kRows; g < r1 / kRows; g++) {
      int t = tb;
      for (; t + 4 <= te; t += 4) Tile::template run<4>(a, g, t);
      switch (te - t) {
        case 3: Tile::template run<3>(a, g, t); break;
        case 2: Tile::template run<2>(a, g, t); break;
        case 1: Tile::template run<1>(a, g, t); break;
        default: break;
      }
    }
  }
}
#endif

}  // namespace packed_kernels

std::vector<MatmulKernel> packed_matmul_kernels(GgmlType type) {
  using namespace packed_kernels;
  std::vector<MatmulKernel> out;
  MatmulRowsFn portable = nullptr, avx512 = nullptr;
  PackFn packer = nullptr;
  ActFormat act = ActFormat::Q8;
  switch (type) {
    case GgmlType::Q8_0:
      portable = rows_portable<GgmlType::Q8_0>;
      packer = pack<GgmlType::Q8_0>;
#ifdef ARB_HAVE_X86_KERNELS
      avx512 = rows_avx512_groups<GroupTile<GgmlType::Q8_0>>;
#endif
      break;
    case GgmlType::Q4_0:
      portable = rows_portable<GgmlType::Q4_0>;
      packer = pack<GgmlType::Q4_0>;
#ifdef ARB_HAVE_X86_KERNELS
      avx512 = rows_avx512_groups<GroupTile<GgmlType::Q4_0>>;
#endif
      break;
    case GgmlType::Q4_K:
      portable = rows_portable_q4_k;
      packer = pack_q4_k;
      act = ActFormat::Q8K;
#ifdef ARB_HAVE_X86_KERNELS
      avx512 = rows_avx512_groups<GroupTileQ4K>;
#endif
      break;
    case GgmlType::Q6_K:
      portable = rows_portable_q6_k;
      packer = pack_q6_k;
      act = ActFormat::Q8K;
#ifdef ARB_HAVE_X86_KERNELS
      avx512 = rows_avx512_groups<GroupTileQ6K>;
#endif
      break;
    default: return out;
  }
  out.push_back({type, CpuIsa::Portable, act, portable, packer});
  if (avx512 && cpu_isa_supported() >= CpuIsa::Avx512) out.push_back({type, CpuIsa::Avx512, act, avx512, packer});
  return out;
}

const MatmulKernel* select_packed_matmul_kernel(GgmlType type, int64_t n_rows) {
  static const std::vector<MatmulKernel> tables[] = {packed_matmul_kernels(GgmlType::Q8_0), packed_matmul_kernels(GgmlType::Q4_0),
                                                     packed_matmul_kernels(GgmlType::Q4_K), packed_matmul_kernels(GgmlType::Q6_K)};
  if (n_rows % kPackedRows != 0 || cpu_isa_selected() < CpuIsa::Avx512) return nullptr;
  for (const std::vector<MatmulKernel>& table : tables) {
    // Only the AVX-512 one: the portable packed kernels exist to test the layouts.
    if (table[0].type == type && table.back().isa == CpuIsa::Avx512) return &table.back();
  }
  return nullptr;
}

}  // namespace arb
