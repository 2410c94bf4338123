// Per weight type, how kernels read a 32-value unit of a row (a ggml block for the *_0 types, a
// 32-value sub-block for K-quants, 32 elements for float types) from the repacked layout of
// device_matrix.h, and what they do with it:
//   dot_q8   integer dot with 32 q8 activations (dp4a), times the scales: the decode matvec
//   to_half  the 32 dequantized values as fp16: the prefill matrix product's weight tiles
// and dequant_elem, one value at a time (embedding rows, tests). Each formula follows ggml's
// dequantize_row_* (quoted beside it) so the values are the CPU reference's.
#pragma once
#include <cstring>

#include "common.cuh"
#include "device_matrix.h"

namespace arb::cuda {

// Everything here also compiles for the host (ARB_HD), so the GPU test can check the block
// decoding on the CPU against the scalar references.
#define ARB_HD __host__ __device__ __forceinline__

ARB_HD uint4 ld16(const uint8_t* p) {
#ifdef __CUDA_ARCH__
  return __ldg(reinterpret_cast<const uint4*>(p));
#else
  return *reinterpret_cast<const uint4*>(p);
#endif
}
template <typename T>
ARB_HD T ldg(const T* p) {
#ifdef __CUDA_ARCH__
  return __ldg(p);
#else
  return *p;
#endif
}
ARB_HD float ldh(const __half* p) { return __half2float(ldg(p)); }

ARB_HD float bits_to_float(uint32_t u) {
#ifdef __CUDA_ARCH__
  return __uint_as_float(u);
#else
  float f;
  memcpy(&f, &u, 4);
  return f;
#endif
}

// Signed byte-wise dot product accumulated into c.
ARB_HD int dp4a(int a, int b, int c) {
#ifdef __CUDA_ARCH__
  return __dp4a(a, b, c);
#else
  for (int i = 0; i < 4; i++) c += static_cast<int8_t>(a >> (8 * i)) * static_cast<int8_t>(b >> (8 * i));
  return c;
#endif
}

// Byte-wise a - b, modulo 256 in each byte.
ARB_HD uint32_t vsub4(uint32_t a, uint32_t b) {
#ifdef __CUDA_ARCH__
  return __vsub4(a, b);
#else
  uint32_t r = 0;
  for (int i = 0; i < 4; i++) r |= (((a >> (8 * i)) - (b >> (8 * i))) & 0xffu) << (8 * i);
  return r;
#endif
}

// Byte k (0..11) of a Q4_K block's scales, which sit in words 1..3 of the block's first 16 bytes.
ARB_HD int q4k_scale_byte(uint4 head, int k) {
  const uint32_t w = k < 4 ? head.y : (k < 8 ? head.z : head.w);
  return static_cast<int>((w >> (8 * (k & 3))) & 0xff);
}

// ggml get_scale_min_k4: 6-bit scale and min of sub-block j (0..7).
ARB_HD void q4k_scale_min(uint4 head, int j, int* sc, int* m) {
  if (j < 4) {
    *sc = q4k_scale_byte(head, j) & 63;
    *m = q4k_scale_byte(head, j + 4) & 63;
  } else {
    *sc = (q4k_scale_byte(head, j + 4) & 0xF) | ((q4k_scale_byte(head, j - 4) >> 6) << 4);
    *m = (q4k_scale_byte(head, j + 4) >> 4) | ((q4k_scale_byte(head, j) >> 6) << 4);
  }
}

// Bits 0..3 of `b` moved to bit 4 of bytes 0..3 (Q5_0's fifth bit).
ARB_HD uint32_t q5_spread(uint32_t b) {
  return ((b & 1u) << 4) | ((b & 2u) << 11) | ((b & 4u) << 18) | ((b & 8u) << 25);
}

ARB_HD uint32_t pack_half2(float a, float b) {
  const __half2 h = __floats2half2_rn(a, b);
  return *reinterpret_cast<const uint32_t*>(&h);
}

ARB_HD int word_of(const int4& v, int i) {
  return i == 0 ? v.x : (i == 1 ? v.y : (i == 2 ? v.z : v.w));
}
ARB_HD uint32_t uword_of(const uint4& v, int i) {
  return i == 0 ? v.x : (i == 1 ? v.y : (i == 2 ? v.z : v.w));
}

// Per-row parameters of a quantized unit for the prefill product (mmq.cu), kept beside its
// int8 quants in shared memory.
struct WPar {
  float f0 = 0.0f, f1 = 0.0f;
  int i0 = 0, i1 = 0;
};

// Quantized units also provide:
//   to_i8(q, par)  the 32 quants as int8 (offset removed) and the scales, for int8 MMA
//   term(i0, i1, par, da, sa)  the unit's contribution from integer sums over its 32 values
//                  (i0 = all 32, or values 0..15 and i1 = 16..31 when kSplit16), shared by the
//                  decode matvec and the prefill product so both compute the same per-unit terms
template <GgmlType T>
struct Unit;

// ---- Q4_0: x[j] = ((qs[j] & 0xF) - 8) * d, x[j+16] = ((qs[j] >> 4) - 8) * d
template <>
struct Unit<GgmlType::Q4_0> {
  uint4 qs = {0, 0, 0, 0};
  float d = 0.0f;
  ARB_HD void load(const DevMatrix& m, int64_t row, int64_t u) {
    qs = ld16(m.q + row * m.q_row_bytes + u * 16);
    d = ldh(m.d + row * m.blocks_per_row + u);
  }
  // The same from a row's bases (q, d and qh of the row; q_row_bytes as in DevMatrix).
  ARB_HD void load_row(const uint8_t* q, const __half* dr, const uint32_t*, int64_t, int u) {
    qs = ld16(q + u * 16);
    d = ldh(dr + u);
  }
  // a_lo = activation quants 0..15, a_hi = 16..31
  ARB_HD float dot_q8(int4 a_lo, int4 a_hi, float da, int sa) const {
    int isum = 0;
#pragma unroll
    for (int i = 0; i < 4; i++) {
      const uint32_t w = uword_of(qs, i);
      isum = dp4a(static_cast<int>(w & 0x0F0F0F0Fu), word_of(a_lo, i), isum);
      isum = dp4a(static_cast<int>((w >> 4) & 0x0F0F0F0Fu), word_of(a_hi, i), isum);
    }
    isum -= 8 * sa;  // sum((q - 8) * a) = sum(q * a) - 8 * sum(a)
    return term(isum, 0, WPar{d, 0.0f, 0, 0}, da, sa);
  }
  static constexpr bool kSplit16 = false;
  ARB_HD static float term(int isum, int, const WPar& p, float da, int) {
    return static_cast<float>(isum) * (p.f0 * da);
  }
  ARB_HD void to_i8(uint4 (&q)[2], WPar& p) const {
    q[0] = make_uint4(vsub4(qs.x & 0x0F0F0F0Fu, 0x08080808u), vsub4(qs.y & 0x0F0F0F0Fu, 0x08080808u),
                      vsub4(qs.z & 0x0F0F0F0Fu, 0x08080808u), vsub4(qs.w & 0x0F0F0F0Fu, 0x08080808u));
    q[1] = make_uint4(vsub4((qs.x >> 4) & 0x0F0F0F0Fu, 0x08080808u), vsub4((qs.y >> 4) & 0x0F0F0F0Fu, 0x08080808u),
                      vsub4((qs.z >> 4) & 0x0F0F0F0Fu, 0x08080808u), vsub4((qs.w >> 4) & 0x0F0F0F0Fu, 0x08080808u));
    p = WPar{d, 0.0f, 0, 0};
  }
  ARB_HD float value(int j) const {  // j in 0..31
    const uint32_t w = uword_of(qs, (j & 15) >> 2);
    const int byte = static_cast<int>((w >> (8 * (j & 3))) & 0xff);
    const int q = j < 16 ? (byte & 0xF) : (byte >> 4);
    return static_cast<float>(q - 8) * d;
  }
};

// ---- Q8_0: x[j] = qs[j] * d
template <>
struct Unit<GgmlType::Q8_0> {
  uint4 lo = {0, 0, 0, 0}, hi = {0, 0, 0, 0};
  float d = 0.0f;
  ARB_HD void load(const DevMatrix& m, int64_t row, int64_t u) {
    const uint8_t* p = m.q + row * m.q_row_bytes + u * 16;  // planar: the halves are q_row_bytes/2 apart
    lo = ld16(p);
    hi = ld16(p + m.q_row_bytes / 2);
    d = ldh(m.d + row * m.blocks_per_row + u);
  }
  ARB_HD void load_row(const uint8_t* q, const __half* dr, const uint32_t*, int64_t q_row_bytes, int u) {
    lo = ld16(q + u * 16);
    hi = ld16(q + q_row_bytes / 2 + u * 16);
    d = ldh(dr + u);
  }
  ARB_HD float dot_q8(int4 a_lo, int4 a_hi, float da, int /*sa*/) const {
    int isum = 0;
#pragma unroll
    for (int i = 0; i < 4; i++) {
      isum = dp4a(static_cast<int>(uword_of(lo, i)), word_of(a_lo, i), isum);
      isum = dp4a(static_cast<int>(uword_of(hi, i)), word_of(a_hi, i), isum);
    }
    return term(isum, 0, WPar{d, 0.0f, 0, 0}, da, 0);
  }
  static constexpr bool kSplit16 = false;
  ARB_HD static float term(int isum, int, const WPar& p, float da, int) {
    return static_cast<float>(isum) * (p.f0 * da);
  }
  ARB_HD void to_i8(uint4 (&q)[2], WPar& p) const {
    q[0] = lo;
    q[1] = hi;
    p = WPar{d, 0.0f, 0, 0};
  }
  ARB_HD float value(int j) const {
    const uint32_t w = uword_of(j < 16 ? lo : hi, (j & 15) >> 2);
    const int q = static_cast<int8_t>((w >> (8 * (j & 3))) & 0xff);
    return static_cast<float>(q) * d;
  }
};

// ---- Q5_0: xh_0 = ((qh >> j) << 4) & 0x10; xh_1 = (qh >> (j + 12)) & 0x10;
//            x[j] = ((qs[j] & 0xF) | xh_0) - 16) * d; x[j+16] = ((qs[j] >> 4) | xh_1) - 16) * d
template <>
struct Unit<GgmlType::Q5_0> {
  uint4 qs = {0, 0, 0, 0};
  uint32_t qh = 0;
  float d = 0.0f;
  ARB_HD void load(const DevMatrix& m, int64_t row, int64_t u) {
    qs = ld16(m.q + row * m.q_row_bytes + u * 16);
    qh = ldg(m.qh + row * m.blocks_per_row + u);
    d = ldh(m.d + row * m.blocks_per_row + u);
  }
  ARB_HD void load_row(const uint8_t* q, const __half* dr, const uint32_t* qhr, int64_t, int u) {
    qs = ld16(q + u * 16);
    qh = ldg(qhr + u);
    d = ldh(dr + u);
  }
  ARB_HD float dot_q8(int4 a_lo, int4 a_hi, float da, int sa) const {
    int isum = 0;
#pragma unroll
    for (int i = 0; i < 4; i++) {
      const uint32_t w = uword_of(qs, i);
      const uint32_t v_lo = (w & 0x0F0F0F0Fu) | q5_spread((qh >> (4 * i)) & 0xF);
      const uint32_t v_hi = ((w >> 4) & 0x0F0F0F0Fu) | q5_spread((qh >> (16 + 4 * i)) & 0xF);
      isum = dp4a(static_cast<int>(v_lo), word_of(a_lo, i), isum);
      isum = dp4a(static_cast<int>(v_hi), word_of(a_hi, i), isum);
    }
    isum -= 16 * sa;
    return term(isum, 0, WPar{d, 0.0f, 0, 0}, da, sa);
  }
  static constexpr bool kSplit16 = false;
  ARB_HD static float term(int isum, int, const WPar& p, float da, int) {
    return static_cast<float>(isum) * (p.f0 * da);
  }
  ARB_HD void to_i8(uint4 (&q)[2], WPar& p) const {
    uint32_t w[8];
#pragma unroll
    for (int i = 0; i < 4; i++) {
      const uint32_t x = uword_of(qs, i);
      w[i] = vsub4((x & 0x0F0F0F0Fu) | q5_spread((qh >> (4 * i)) & 0xF), 0x10101010u);
      w[i + 4] = vsub4(((x >> 4) & 0x0F0F0F0Fu) | q5_spread((qh >> (16 + 4 * i)) & 0xF), 0x10101010u);
    }
    q[0] = make_uint4(w[0], w[1], w[2], w[3]);
    q[1] = make_uint4(w[4], w[5], w[6], w[7]);
    p = WPar{d, 0.0f, 0, 0};
  }
  ARB_HD float value(int j) const {
    const uint32_t w = uword_of(qs, (j & 15) >> 2);
    const int byte = static_cast<int>((w >> (8 * (j & 3))) & 0xff);
    const int nib = j < 16 ? (byte & 0xF) : (byte >> 4);
    const int q = nib | static_cast<int>(((qh >> j) & 1u) << 4);
    return static_cast<float>(q - 16) * d;
  }
};

// ---- Q4_K (sub-block j of a super-block; ggml dequantize_row_q4_K):
//   get_scale_min_k4(j) -> sc, m; d1 = d * sc; m1 = dmin * m
//   x[l] = d1 * q[l] - m1, q[l] = nibble (j & 1) of qs[32 * (j / 2) + l]
template <>
struct Unit<GgmlType::Q4_K> {
  uint4 head = {0, 0, 0, 0};
  uint4 q0 = {0, 0, 0, 0}, q1 = {0, 0, 0, 0};
  int j = 0;
  ARB_HD void load(const DevMatrix& m, int64_t row, int64_t u) {
    const uint8_t* blk = m.q + row * m.q_row_bytes + (u >> 3) * 144;
    j = static_cast<int>(u & 7);
    head = ld16(blk);
    q0 = ld16(blk + 16 + (j >> 1) * 32);
    q1 = ld16(blk + 32 + (j >> 1) * 32);
  }
  ARB_HD float dmul() const { return __half2float(__ushort_as_half(head.x & 0xffff)); }
  ARB_HD float dmin() const { return __half2float(__ushort_as_half(head.x >> 16)); }
  // With Super256 activations: da * (d * sc * sum(q a) - dmin * m * sum(a)).
  ARB_HD float dot_q8(int4 a_lo, int4 a_hi, float da, int sa) const {
    const int shift = (j & 1) * 4;
    int isum = 0;
#pragma unroll
    for (int i = 0; i < 4; i++) {
      isum = dp4a(static_cast<int>((uword_of(q0, i) >> shift) & 0x0F0F0F0Fu), word_of(a_lo, i), isum);
      isum = dp4a(static_cast<int>((uword_of(q1, i) >> shift) & 0x0F0F0F0Fu), word_of(a_hi, i), isum);
    }
    int sc, mn;
    q4k_scale_min(head, j, &sc, &mn);
    return term(isum, 0, WPar{dmul(), dmin(), sc, mn}, da, sa);
  }
  static constexpr bool kSplit16 = false;
  ARB_HD static float term(int isum, int, const WPar& p, float da, int sa) {
    return (p.f0 * static_cast<float>(p.i0 * isum) - p.f1 * static_cast<float>(p.i1 * sa)) * da;
  }
  ARB_HD void to_i8(uint4 (&q)[2], WPar& p) const {
    const int shift = (j & 1) * 4;
    q[0] = make_uint4((q0.x >> shift) & 0x0F0F0F0Fu, (q0.y >> shift) & 0x0F0F0F0Fu, (q0.z >> shift) & 0x0F0F0F0Fu,
                      (q0.w >> shift) & 0x0F0F0F0Fu);
    q[1] = make_uint4((q1.x >> shift) & 0x0F0F0F0Fu, (q1.y >> shift) & 0x0F0F0F0Fu, (q1.z >> shift) & 0x0F0F0F0Fu,
                      (q1.w >> shift) & 0x0F0F0F0Fu);
    int sc, mn;
    q4k_scale_min(head, j, &sc, &mn);
    p = WPar{dmul(), dmin(), sc, mn};
  }
  ARB_HD float value(int l) const {
    int sc, mn;
    q4k_scale_min(head, j, &sc, &mn);
    const float d1 = dmul() * static_cast<float>(sc);
    const float m1 = dmin() * static_cast<float>(mn);
    const uint32_t w = uword_of(l < 16 ? q0 : q1, (l & 15) >> 2);
    const int byte = static_cast<int>((w >> (8 * (l & 3))) & 0xff);
    const int q = (j & 1) ? (byte >> 4) : (byte & 0xF);
    return d1 * static_cast<float>(q) - m1;
  }
};

// ---- Q6_K (sub-block j = 4n + g of a super-block; ggml dequantize_row_q6_K, half n, l < 32):
//   g=0: q = (ql[l] & 0xF)      | ((qh[l] >> 0) & 3) << 4, scale sc[l/16 + 0]
//   g=1: q = (ql[l + 32] & 0xF) | ((qh[l] >> 2) & 3) << 4, scale sc[l/16 + 2]
//   g=2: q = (ql[l] >> 4)       | ((qh[l] >> 4) & 3) << 4, scale sc[l/16 + 4]
//   g=3: q = (ql[l + 32] >> 4)  | ((qh[l] >> 6) & 3) << 4, scale sc[l/16 + 6]
//   x = d * sc * (q - 32), with ql, qh, sc offset by 64n, 32n, 8n.
template <>
struct Unit<GgmlType::Q6_K> {
  uint4 l0 = {0, 0, 0, 0}, l1 = {0, 0, 0, 0}, h0 = {0, 0, 0, 0}, h1 = {0, 0, 0, 0};
  int sc0 = 0, sc1 = 0;  // scales of values 0..15 and 16..31
  float d = 0.0f;
  int g = 0;
  ARB_HD void load(const DevMatrix& m, int64_t row, int64_t u) {
    const uint8_t* blk = m.q + row * m.q_row_bytes + (u >> 3) * 208;
    const int j = static_cast<int>(u & 7);
    const int n = j >> 2;
    g = j & 3;
    const uint8_t* ql = blk + 64 * n + 32 * (g & 1);
    const uint8_t* qh = blk + 128 + 32 * n;
    l0 = ld16(ql);
    l1 = ld16(ql + 16);
    h0 = ld16(qh);
    h1 = ld16(qh + 16);
    const int8_t* sc = reinterpret_cast<const int8_t*>(blk + 192 + 8 * n + 2 * g);
    sc0 = ldg(sc);
    sc1 = ldg(sc + 1);
    d = ldh(m.d + row * m.blocks_per_row + (u >> 3));
  }
  // The quants of word i (values 4i..4i+3 of the unit), 0..63 in each byte.
  ARB_HD uint32_t quant_word(int i) const {
    const uint32_t wl = uword_of(i < 4 ? l0 : l1, i & 3);
    const uint32_t wh = uword_of(i < 4 ? h0 : h1, i & 3);
    return ((wl >> (4 * (g >> 1))) & 0x0F0F0F0Fu) | (((wh >> (2 * g)) & 0x03030303u) << 4);
  }
  ARB_HD float dot_q8(int4 a_lo, int4 a_hi, float da, int /*sa*/) const {
    int s_lo = 0, s_hi = 0;
#pragma unroll
    for (int i = 0; i < 4; i++) {
      s_lo = dp4a(static_cast<int>(vsub4(quant_word(i), 0x20202020u)), word_of(a_lo, i), s_lo);
      s_hi = dp4a(static_cast<int>(vsub4(quant_word(i + 4), 0x20202020u)), word_of(a_hi, i), s_hi);
    }
    return term(s_lo, s_hi, WPar{d, 0.0f, sc0, sc1}, da, 0);
  }
  static constexpr bool kSplit16 = true;
  ARB_HD static float term(int s_lo, int s_hi, const WPar& p, float da, int) {
    return p.f0 * da * static_cast<float>(p.i0 * s_lo + p.i1 * s_hi);
  }
  ARB_HD void to_i8(uint4 (&q)[2], WPar& p) const {
    uint32_t w[8];
#pragma unroll
    for (int i = 0; i < 8; i++) w[i] = vsub4(quant_word(i), 0x20202020u);
    q[0] = make_uint4(w[0], w[1], w[2], w[3]);
    q[1] = make_uint4(w[4], w[5], w[6], w[7]);
    p = WPar{d, 0.0f, sc0, sc1};
  }
  ARB_HD float value(int l) const {
    const int q = static_cast<int>((quant_word(l >> 2) >> (8 * (l & 3))) & 0xff) - 32;
    return d * static_cast<float>(l < 16 ? sc0 : sc1) * static_cast<float>(q);
  }
};

// ---- float types: 32 consecutive elements of a zero-padded row.
template <>
struct Unit<GgmlType::F16> {
  uint4 w[4] = {};
  ARB_HD void load(const DevMatrix& m, int64_t row, int64_t u) {
    const uint8_t* p = m.q + row * m.q_row_bytes + u * 64;
#pragma unroll
    for (int i = 0; i < 4; i++) w[i] = ld16(p + 16 * i);
  }
  ARB_HD float value(int j) const {
    const uint32_t word = uword_of(w[j >> 3], (j & 7) >> 1);
    return __half2float(__ushort_as_half(static_cast<unsigned short>(word >> (16 * (j & 1)))));
  }
};

template <>
struct Unit<GgmlType::BF16> {
  uint4 w[4] = {};
  ARB_HD void load(const DevMatrix& m, int64_t row, int64_t u) {
    const uint8_t* p = m.q + row * m.q_row_bytes + u * 64;
#pragma unroll
    for (int i = 0; i < 4; i++) w[i] = ld16(p + 16 * i);
  }
  ARB_HD float value(int j) const {
    const uint32_t word = uword_of(w[j >> 3], (j & 7) >> 1);
    return bits_to_float(((word >> (16 * (j & 1))) & 0xffffu) << 16);
  }
};

template <>
struct Unit<GgmlType::F32> {
  uint4 w[8] = {};
  ARB_HD void load(const DevMatrix& m, int64_t row, int64_t u) {
    const uint8_t* p = m.q + row * m.q_row_bytes + u * 128;
#pragma unroll
    for (int i = 0; i < 8; i++) w[i] = ld16(p + 16 * i);
  }
  ARB_HD float value(int j) const { return bits_to_float(uword_of(w[j >> 2], j & 3)); }
};

// The 32 values of a unit as fp16, in four 16-byte words (8 values each).
template <GgmlType T>
ARB_HD void unit_to_half(const Unit<T>& un, uint4 (&out)[4]) {
  if constexpr (T == GgmlType::F16) {
#pragma unroll
    for (int i = 0; i < 4; i++) out[i] = un.w[i];
  } else {
#pragma unroll
    for (int i = 0; i < 4; i++) {
      out[i].x = pack_half2(un.value(8 * i + 0), un.value(8 * i + 1));
      out[i].y = pack_half2(un.value(8 * i + 2), un.value(8 * i + 3));
      out[i].z = pack_half2(un.value(8 * i + 4), un.value(8 * i + 5));
      out[i].w = pack_half2(un.value(8 * i + 6), un.value(8 * i + 7));
    }
  }
}

// Element (row, col) of a device matrix (slow; for embedding rows and tests).
ARB_HD float dequant_elem(const DevMatrix& m, int64_t row, int64_t col) {
  const int64_t u = col / 32;
  const int j = static_cast<int>(col % 32);
  switch (m.type) {
    case GgmlType::F32: { Unit<GgmlType::F32> x; x.load(m, row, u); return x.value(j); }
    case GgmlType::F16: { Unit<GgmlType::F16> x; x.load(m, row, u); return x.value(j); }
    case GgmlType::BF16: { Unit<GgmlType::BF16> x; x.load(m, row, u); return x.value(j); }
    case GgmlType::Q8_0: { Unit<GgmlType::Q8_0> x; x.load(m, row, u); return x.value(j); }
    case GgmlType::Q4_0: { Unit<GgmlType::Q4_0> x; x.load(m, row, u); return x.value(j); }
    case GgmlType::Q5_0: { Unit<GgmlType::Q5_0> x; x.load(m, row, u); return x.value(j); }
    case GgmlType::Q4_K: { Unit<GgmlType::Q4_K> x; x.load(m, row, u); return x.value(j); }
    case GgmlType::Q6_K: { Unit<GgmlType::Q6_K> x; x.load(m, row, u); return x.value(j); }
    default: return bits_to_float(0x7fc00000u);
  }
}

}  // namespace arb::cuda
