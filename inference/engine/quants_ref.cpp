// Scalar reference implementations; see quants_ref.h. Layouts are in ggml_types.h. The
// quantizers follow ggml's quantize_row_*_ref operation by operation in float (this file is
// built without FMA contraction: baseline x86-64 has no FMA), so their bytes are ggml's.
#include "quants_ref.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace arb {

namespace {

// ggml's nearest_int: round half to even through the float adder (|x| < 2^22).
int nearest_int(float x) {
  const float v = x + 12582912.0f;
  int32_t i;
  std::memcpy(&i, &v, sizeof(i));
  return (i & 0x007fffff) - 0x00400000;
}

// ---- Q5_0: 32 values, x = (q - 16) * d with q = low nibble | bit j of qh << 4 ------------------

void dequantize_q5_0(const block_q5_0* b, float* dst, int64_t n) {
  for (int64_t i = 0; i < n / QK5_0; i++) {
    const float d = fp16_to_fp32(b[i].d);
    uint32_t qh;
    std::memcpy(&qh, b[i].qh, sizeof(qh));
    for (int j = 0; j < QK5_0 / 2; j++) {
      const int lo = (b[i].qs[j] & 0x0f) | ((qh >> j) & 1) << 4;
      const int hi = (b[i].qs[j] >> 4) | ((qh >> (j + 16)) & 1) << 4;
      dst[i * QK5_0 + j] = (lo - 16) * d;
      dst[i * QK5_0 + j + QK5_0 / 2] = (hi - 16) * d;
    }
  }
}

// As Q4_0: the element of largest magnitude, with its sign, maps to -16.
void quantize_q5_0(const float* src, block_q5_0* b, int64_t n) {
  for (int64_t i = 0; i < n / QK5_0; i++) {
    const float* x = src + i * QK5_0;
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < QK5_0; j++) {
      if (std::fabs(x[j]) > amax) {
        amax = std::fabs(x[j]);
        max = x[j];
      }
    }
    const float d = max / -16.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    b[i].d = fp32_to_fp16(d);
    uint32_t qh = 0;
    for (int j = 0; j < QK5_0 / 2; j++) {
      // (int8_t)(x + 16.5f) truncates toward zero, capped at 31, as ggml.
      const int lo = std::min(31, static_cast<int>(static_cast<int8_t>(x[j] * id + 16.5f)));
      const int hi = std::min(31, static_cast<int>(static_cast<int8_t>(x[j + QK5_0 / 2] * id + 16.5f)));
      b[i].qs[j] = static_cast<uint8_t>((lo & 0x0f) | (hi & 0x0f) << 4);
      qh |= static_cast<uint32_t>((lo >> 4) & 1) << j;
      qh |= static_cast<uint32_t>((hi >> 4) & 1) << (j + 16);
    }
    std::memcpy(b[i].qh, &qh, sizeof(qh));
  }
}

// ---- Q4_K: super-blocks of 8 x 32 values, x = d * sc_j * q - dmin * m_j ------------------------

// ggml's make_qkx2_quants: the scale and (negated) min of n values minimising the weighted
// squared error, searched over nstep + 1 candidate scales around nmax / (max - min).
float make_qkx2_quants(int n, int nmax, const float* x, const float* weights, uint8_t* L, float* the_min,
                       uint8_t* Laux, float rmin, float rdelta, int nstep) {
  float min = x[0], max = x[0];
  float sum_w = weights[0];
  float sum_x = sum_w * x[0];
  for (int i = 1; i < n; i++) {
    if (x[i] < min) min = x[i];
    if (x[i] > max) max = x[i];
    const float w = weights[i];
    sum_w += w;
    sum_x += w * x[i];
  }
  if (min > 0) min = 0;
  if (max == min) {
    for (int i = 0; i < n; i++) L[i] = 0;
    *the_min = -min;
    return 0.0f;
  }
  float iscale = nmax / (max - min);
  float scale = 1 / iscale;
  float best_error = 0;
  for (int i = 0; i < n; i++) {
    const int l = nearest_int(iscale * (x[i] - min));
    L[i] = static_cast<uint8_t>(std::max(0, std::min(nmax, l)));
    const float diff = scale * L[i] + min - x[i];
    best_error += weights[i] * (diff * diff);
  }
  for (int is = 0; is <= nstep; is++) {
    iscale = (rmin + rdelta * is + nmax) / (max - min);
    float sum_l = 0, sum_l2 = 0, sum_xl = 0;
    for (int i = 0; i < n; i++) {
      const int l = std::max(0, std::min(nmax, nearest_int(iscale * (x[i] - min))));
      Laux[i] = static_cast<uint8_t>(l);
      const float w = weights[i];
      sum_l += w * l;
      sum_l2 += w * l * l;
      sum_xl += w * l * x[i];
    }
    const float D = sum_w * sum_l2 - sum_l * sum_l;
    if (D > 0) {
      float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
      float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
      if (this_min > 0) {
        this_min = 0;
        this_scale = sum_xl / sum_l2;
      }
      float cur_error = 0;
      for (int i = 0; i < n; i++) {
        const float diff = this_scale * Laux[i] + this_min - x[i];
        cur_error += weights[i] * (diff * diff);
      }
      if (cur_error < best_error) {
        for (int i = 0; i < n; i++) L[i] = Laux[i];
        best_error = cur_error;
        scale = this_scale;
        min = this_min;
      }
    }
  }
  *the_min = -min;
  return scale;
}

void dequantize_q4_K(const block_q4_K* b, float* dst, int64_t n) {
  for (int64_t i = 0; i < n / QK_K; i++) {
    const float d = fp16_to_fp32(b[i].d), dmin = fp16_to_fp32(b[i].dmin);
    for (int j = 0; j < QK_K / 32; j++) {
      uint8_t sc, m;
      q4_K_scale_min(j, b[i].scales, &sc, &m);
      const float d1 = d * sc, m1 = dmin * m;
      // Sub-blocks 2k and 2k + 1 share 32 bytes: low nibbles, then high nibbles.
      const uint8_t* q = b[i].qs + 32 * (j / 2);
      const int shift = 4 * (j % 2);
      for (int l = 0; l < 32; l++) *dst++ = d1 * ((q[l] >> shift) & 0x0f) - m1;
    }
  }
}

void quantize_q4_K(const float* x, block_q4_K* y, int64_t n) {
  uint8_t L[QK_K], Laux[32];
  float weights[32], mins[QK_K / 32], scales[QK_K / 32];
  for (int64_t i = 0; i < n / QK_K; i++, x += QK_K) {
    float max_scale = 0, max_min = 0;
    for (int j = 0; j < QK_K / 32; j++) {
      float sum_x2 = 0;
      for (int l = 0; l < 32; l++) sum_x2 += x[32 * j + l] * x[32 * j + l];
      const float av_x = std::sqrt(sum_x2 / 32);
      for (int l = 0; l < 32; l++) weights[l] = av_x + std::fabs(x[32 * j + l]);
      scales[j] = make_qkx2_quants(32, 15, x + 32 * j, weights, L + 32 * j, &mins[j], Laux, -1.0f, 0.1f, 20);
      max_scale = std::max(max_scale, scales[j]);
      max_min = std::max(max_min, mins[j]);
    }
    const float inv_scale = max_scale > 0 ? 63.0f / max_scale : 0.0f;
    const float inv_min = max_min > 0 ? 63.0f / max_min : 0.0f;
    block_q4_K& b = y[i];
    std::memset(b.scales, 0, sizeof(b.scales));
    for (int j = 0; j < QK_K / 32; j++) {
      // ggml stores nearest_int's result in a uint8_t before the cap at 63.
      const uint8_t ls = std::min<uint8_t>(63, static_cast<uint8_t>(nearest_int(inv_scale * scales[j])));
      const uint8_t lm = std::min<uint8_t>(63, static_cast<uint8_t>(nearest_int(inv_min * mins[j])));
      if (j < 4) {
        b.scales[j] = ls;
        b.scales[j + 4] = lm;
      } else {
        b.scales[j + 4] = static_cast<uint8_t>((ls & 0x0f) | (lm & 0x0f) << 4);
        b.scales[j - 4] |= static_cast<uint8_t>((ls >> 4) << 6);
        b.scales[j] |= static_cast<uint8_t>((lm >> 4) << 6);
      }
    }
    b.d = fp32_to_fp16(max_scale / 63.0f);
    b.dmin = fp32_to_fp16(max_min / 63.0f);
    // Requantize against the stored (rounded) scales.
    for (int j = 0; j < QK_K / 32; j++) {
      uint8_t sc, m;
      q4_K_scale_min(j, b.scales, &sc, &m);
      const float d = fp16_to_fp32(b.d) * sc;
      if (d == 0.0f) continue;
      const float dm = fp16_to_fp32(b.dmin) * m;
      for (int l = 0; l < 32; l++) {
        L[32 * j + l] = static_cast<uint8_t>(std::max(0, std::min(15, nearest_int((x[32 * j + l] + dm) / d))));
      }
    }
    for (int j = 0; j < QK_K; j += 64) {
      for (int l = 0; l < 32; l++) b.qs[j / 2 + l] = static_cast<uint8_t>(L[j + l] | L[j + l + 32] << 4);
    }
  }
}

// ---- Q6_K: super-blocks of 16 x 16 values, x = d * sc_s * (q - 32) ------------------------------

// ggml's make_qx_quants with rmse_type 1 and no importance weights: the symmetric scale of n
// values (levels -nmax .. nmax - 1) minimising the x^2-weighted squared error over 19 candidates.
float make_qx_quants(int n, int nmax, const float* x, int8_t* L) {
  float max = 0, amax = 0;
  for (int i = 0; i < n; i++) {
    const float ax = std::fabs(x[i]);
    if (ax > amax) {
      amax = ax;
      max = x[i];
    }
  }
  if (amax < 1e-15f) {  // GROUP_MAX_EPS: all zero
    for (int i = 0; i < n; i++) L[i] = 0;
    return 0.0f;
  }
  float iscale = -nmax / max;
  float sumlx = 0, suml2 = 0;
  for (int i = 0; i < n; i++) {
    const int l = std::max(-nmax, std::min(nmax - 1, nearest_int(iscale * x[i])));
    L[i] = static_cast<int8_t>(l + nmax);
    const float w = x[i] * x[i];
    sumlx += w * x[i] * l;
    suml2 += w * l * l;
  }
  float scale = suml2 != 0.0f ? sumlx / suml2 : 0.0f;
  float best = scale * sumlx;
  for (int is = -9; is <= 9; is++) {
    if (is == 0) continue;
    iscale = -(nmax + 0.1f * is) / max;
    sumlx = suml2 = 0;
    for (int i = 0; i < n; i++) {
      const int l = std::max(-nmax, std::min(nmax - 1, nearest_int(iscale * x[i])));
      const float w = x[i] * x[i];
      sumlx += w * x[i] * l;
      suml2 += w * l * l;
    }
    if (suml2 > 0 && sumlx * sumlx > best * suml2) {
      for (int i = 0; i < n; i++) {
        L[i] = static_cast<int8_t>(nmax + std::max(-nmax, std::min(nmax - 1, nearest_int(iscale * x[i]))));
      }
      scale = sumlx / suml2;
      best = scale * sumlx;
    }
  }
  return scale;
}

void dequantize_q6_K(const block_q6_K* b, float* dst, int64_t n) {
  for (int64_t i = 0; i < n / QK_K; i++) {
    const float d = fp16_to_fp32(b[i].d);
    for (int v = 0; v < QK_K; v++) {
      // Value v of the super-block: half h = v / 128; within it, quarter k = (v % 128) / 32
      // picks the nibble (ql[l] or ql[l + 32], low or high) and the 2-bit field of qh[l].
      const int h = v / 128, k = (v % 128) / 32, l = v % 32;
      const uint8_t ql = b[i].ql[64 * h + l + 32 * (k % 2)];
      const int low = (k < 2 ? ql : ql >> 4) & 0x0f;
      const int high = (b[i].qh[32 * h + l] >> (2 * k)) & 3;
      dst[i * QK_K + v] = d * b[i].scales[v / 16] * ((low | high << 4) - 32);
    }
  }
}

void quantize_q6_K(const float* x, block_q6_K* y, int64_t n) {
  int8_t L[QK_K];
  float scales[QK_K / 16];
  for (int64_t i = 0; i < n / QK_K; i++, x += QK_K) {
    float max_scale = 0, max_abs_scale = 0;
    for (int ib = 0; ib < QK_K / 16; ib++) {
      scales[ib] = make_qx_quants(16, 32, x + 16 * ib, L + 16 * ib);
      if (std::fabs(scales[ib]) > max_abs_scale) {
        max_abs_scale = std::fabs(scales[ib]);
        max_scale = scales[ib];
      }
    }
    block_q6_K& b = y[i];
    if (max_abs_scale < 1e-15f) {
      std::memset(&b, 0, sizeof(b));
      continue;
    }
    const float iscale = -128.0f / max_scale;
    b.d = fp32_to_fp16(1 / iscale);
    for (int ib = 0; ib < QK_K / 16; ib++) {
      b.scales[ib] = static_cast<int8_t>(std::min(127, nearest_int(iscale * scales[ib])));
    }
    for (int j = 0; j < QK_K / 16; j++) {
      const float d = fp16_to_fp32(b.d) * b.scales[j];
      if (d == 0.0f) continue;
      for (int l = 0; l < 16; l++) {
        L[16 * j + l] = static_cast<int8_t>(std::max(-32, std::min(31, nearest_int(x[16 * j + l] / d))) + 32);
      }
    }
    for (int h = 0; h < 2; h++) {
      const int8_t* q = L + 128 * h;
      for (int l = 0; l < 32; l++) {
        b.ql[64 * h + l] = static_cast<uint8_t>((q[l] & 0x0f) | (q[l + 64] & 0x0f) << 4);
        b.ql[64 * h + l + 32] = static_cast<uint8_t>((q[l + 32] & 0x0f) | (q[l + 96] & 0x0f) << 4);
        b.qh[32 * h + l] = static_cast<uint8_t>((q[l] >> 4) | (q[l + 32] >> 4) << 2 | (q[l + 64] >> 4) << 4 |
                                                (q[l + 96] >> 4) << 6);
      }
    }
  }
}

// Value v (0..255) of a Q6_K super-block as its 6-bit level 0..63.
int q6_K_level(const block_q6_K& b, int v) {
  const int h = v / 128, k = (v % 128) / 32, l = v % 32;
  const uint8_t ql = b.ql[64 * h + l + 32 * (k % 2)];
  return ((k < 2 ? ql : ql >> 4) & 0x0f) | ((b.qh[32 * h + l] >> (2 * k)) & 3) << 4;
}

}  // namespace

void q4_K_scale_min(int j, const uint8_t* q, uint8_t* sc, uint8_t* m) {
  if (j < 4) {
    *sc = q[j] & 63;
    *m = q[j + 4] & 63;
  } else {
    *sc = static_cast<uint8_t>((q[j + 4] & 0x0f) | (q[j - 4] >> 6) << 4);
    *m = static_cast<uint8_t>((q[j + 4] >> 4) | (q[j] >> 6) << 4);
  }
}

bool quants_ref_supports(GgmlType t) {
  switch (t) {
    case GgmlType::F32:
    case GgmlType::F16:
    case GgmlType::BF16:
    case GgmlType::Q8_0:
    case GgmlType::Q4_0:
    case GgmlType::Q5_0:
    case GgmlType::Q4_K:
    case GgmlType::Q6_K: return true;
    default: return false;
  }
}

void dequantize_row(GgmlType t, const void* src, float* dst, int64_t n) {
  switch (t) {
    case GgmlType::F32:
      std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
      return;
    case GgmlType::F16: {
      const ggml_half* h = static_cast<const ggml_half*>(src);
      for (int64_t i = 0; i < n; i++) dst[i] = fp16_to_fp32(h[i]);
      return;
    }
    case GgmlType::BF16: {
      const ggml_bf16* h = static_cast<const ggml_bf16*>(src);
      for (int64_t i = 0; i < n; i++) dst[i] = bf16_to_fp32(h[i]);
      return;
    }
    case GgmlType::Q8_0: {
      const block_q8_0* b = static_cast<const block_q8_0*>(src);
      for (int64_t i = 0; i < n / QK8_0; i++) {
        const float d = fp16_to_fp32(b[i].d);
        for (int j = 0; j < QK8_0; j++) dst[i * QK8_0 + j] = b[i].qs[j] * d;
      }
      return;
    }
    case GgmlType::Q4_0: {
      const block_q4_0* b = static_cast<const block_q4_0*>(src);
      for (int64_t i = 0; i < n / QK4_0; i++) {
        const float d = fp16_to_fp32(b[i].d);
        for (int j = 0; j < QK4_0 / 2; j++) {
          dst[i * QK4_0 + j] = ((b[i].qs[j] & 0x0f) - 8) * d;
          dst[i * QK4_0 + j + QK4_0 / 2] = ((b[i].qs[j] >> 4) - 8) * d;
        }
      }
      return;
    }
    case GgmlType::Q5_0: dequantize_q5_0(static_cast<const block_q5_0*>(src), dst, n); return;
    case GgmlType::Q4_K: dequantize_q4_K(static_cast<const block_q4_K*>(src), dst, n); return;
    case GgmlType::Q6_K: dequantize_q6_K(static_cast<const block_q6_K*>(src), dst, n); return;
    default:
      for (int64_t i = 0; i < n; i++) dst[i] = NAN;  // unsupported: callers check first
  }
}

void quantize_row_ref(GgmlType t, const float* src, void* dst, int64_t n) {
  switch (t) {
    case GgmlType::F32:
      std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
      return;
    case GgmlType::F16:
      for (int64_t i = 0; i < n; i++) static_cast<ggml_half*>(dst)[i] = fp32_to_fp16(src[i]);
      return;
    case GgmlType::BF16:
      for (int64_t i = 0; i < n; i++) static_cast<ggml_bf16*>(dst)[i] = fp32_to_bf16(src[i]);
      return;
    case GgmlType::Q8_0: {
      block_q8_0* b = static_cast<block_q8_0*>(dst);
      for (int64_t i = 0; i < n / QK8_0; i++) {
        const float* x = src + i * QK8_0;
        float amax = 0.0f;
        for (int j = 0; j < QK8_0; j++) amax = std::fmax(amax, std::fabs(x[j]));
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        b[i].d = fp32_to_fp16(d);
        for (int j = 0; j < QK8_0; j++) b[i].qs[j] = static_cast<int8_t>(std::round(x[j] * id));
      }
      return;
    }
    case GgmlType::Q4_0: {
      block_q4_0* b = static_cast<block_q4_0*>(dst);
      for (int64_t i = 0; i < n / QK4_0; i++) {
        const float* x = src + i * QK4_0;
        float amax = 0.0f, max = 0.0f;  // max keeps its sign: it maps to -8
        for (int j = 0; j < QK4_0; j++) {
          if (std::fabs(x[j]) > amax) {
            amax = std::fabs(x[j]);
            max = x[j];
          }
        }
        const float d = max / -8.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        b[i].d = fp32_to_fp16(d);
        for (int j = 0; j < QK4_0 / 2; j++) {
          const int lo = static_cast<int>(x[j] * id + 8.5f);
          const int hi = static_cast<int>(x[j + QK4_0 / 2] * id + 8.5f);
          b[i].qs[j] = static_cast<uint8_t>((lo > 15 ? 15 : lo) | (hi > 15 ? 15 : hi) << 4);
        }
      }
      return;
    }
    case GgmlType::Q5_0: quantize_q5_0(src, static_cast<block_q5_0*>(dst), n); return;
    case GgmlType::Q4_K: quantize_q4_K(src, static_cast<block_q4_K*>(dst), n); return;
    case GgmlType::Q6_K: quantize_q6_K(src, static_cast<block_q6_K*>(dst), n); return;
    default:
      return;
  }
}

float vec_dot_ref(GgmlType t, const void* w_row, const float* x, int64_t n) {
  double sum = 0.0;
  float w[QK_K];
  const int64_t bs = ggml_block_size(t);
  const size_t block_bytes = ggml_type_size(t);
  const uint8_t* src = static_cast<const uint8_t*>(w_row);
  for (int64_t i = 0; i < n; i += bs) {
    dequantize_row(t, src + (i / bs) * block_bytes, w, bs);
    for (int64_t j = 0; j < bs; j++) sum += static_cast<double>(w[j]) * x[i + j];
  }
  return static_cast<float>(sum);
}

void quantize_row_q8_act_ref(const float* x, block_q8_act* y, int64_t n) {
  for (int64_t i = 0; i < n / QK8_0; i++) {
    const float* xb = x + i * QK8_0;
    float amax = 0.0f;
    bool has_nan = false;
    for (int j = 0; j < QK8_0; j++) {
      amax = std::fmax(amax, std::fabs(xb[j]));  // fmax skips NaNs
      has_nan = has_nan || std::isnan(xb[j]);
    }
    if (has_nan) amax = NAN;
    // Non-finite input (a corrupt model): zero quants and a NaN/inf scale, so the NaN reaches
    // the logits instead of the integer conversions overflowing.
    const bool finite = amax <= std::numeric_limits<float>::max();
    const float id = finite && amax != 0.0f ? 127.0f / amax : 0.0f;
    y[i].d = amax / 127.0f;
    int32_t sum = 0;
    for (int j = 0; j < QK8_0; j++) {
      // nearbyint rounds half to even, as the SIMD conversions do.
      const int q = finite ? static_cast<int>(std::nearbyint(xb[j] * id)) : 0;
      y[i].qs[j] = static_cast<int8_t>(q);
      sum += q;
    }
    y[i].sum = sum;
  }
}

float vec_dot_q8_act_ref(GgmlType t, const void* w_row, const block_q8_act* y, int64_t n) {
  double sum = 0.0;
  const int64_t nb = n / QK8_0;
  if (t == GgmlType::Q8_0) {
    const block_q8_0* w = static_cast<const block_q8_0*>(w_row);
    for (int64_t i = 0; i < nb; i++) {
      int32_t isum = 0;
      for (int j = 0; j < QK8_0; j++) isum += w[i].qs[j] * y[i].qs[j];
      sum += static_cast<double>(isum) * (fp16_to_fp32(w[i].d) * y[i].d);
    }
  } else if (t == GgmlType::Q4_0) {
    const block_q4_0* w = static_cast<const block_q4_0*>(w_row);
    for (int64_t i = 0; i < nb; i++) {
      int32_t isum = 0;
      for (int j = 0; j < QK4_0 / 2; j++) {
        isum += ((w[i].qs[j] & 0x0f) - 8) * y[i].qs[j];
        isum += ((w[i].qs[j] >> 4) - 8) * y[i].qs[j + QK4_0 / 2];
      }
      sum += static_cast<double>(isum) * (fp16_to_fp32(w[i].d) * y[i].d);
    }
  } else if (t == GgmlType::Q5_0) {
    const block_q5_0* w = static_cast<const block_q5_0*>(w_row);
    for (int64_t i = 0; i < nb; i++) {
      uint32_t qh;
      std::memcpy(&qh, w[i].qh, sizeof(qh));
      int32_t isum = 0;
      for (int j = 0; j < QK5_0 / 2; j++) {
        isum += (((w[i].qs[j] & 0x0f) | ((qh >> j) & 1) << 4) - 16) * y[i].qs[j];
        isum += (((w[i].qs[j] >> 4) | ((qh >> (j + 16)) & 1) << 4) - 16) * y[i].qs[j + QK5_0 / 2];
      }
      sum += static_cast<double>(isum) * (fp16_to_fp32(w[i].d) * y[i].d);
    }
  } else {
    return NAN;
  }
  return static_cast<float>(sum);
}

void quantize_row_q8_K_ref(const float* x, block_q8_K* y, int64_t n) {
  for (int64_t i = 0; i < n / QK_K; i++, x += QK_K) {
    float max = 0, amax = 0;
    bool finite = true;
    for (int j = 0; j < QK_K; j++) {
      const float ax = std::fabs(x[j]);
      finite = finite && ax <= std::numeric_limits<float>::max();
      if (ax > amax) {
        amax = ax;
        max = x[j];
      }
    }
    std::memset(y[i].qs, 0, sizeof(y[i].qs));
    std::memset(y[i].bsums, 0, sizeof(y[i].bsums));
    if (!finite) {
      y[i].d = NAN;
      continue;
    }
    if (amax == 0.0f) {
      y[i].d = 0.0f;
      continue;
    }
    const float iscale = -127.0f / max;
    for (int j = 0; j < QK_K; j++) {
      y[i].qs[j] = static_cast<int8_t>(std::min(127, nearest_int(iscale * x[j])));
      y[i].bsums[j / 16] = static_cast<int16_t>(y[i].bsums[j / 16] + y[i].qs[j]);
    }
    y[i].d = 1 / iscale;
  }
}

float vec_dot_q8_K_ref(GgmlType t, const void* w_row, const block_q8_K* y, int64_t n) {
  double sum = 0.0;
  const int64_t nb = n / QK_K;
  if (t == GgmlType::Q4_K) {
    const block_q4_K* w = static_cast<const block_q4_K*>(w_row);
    for (int64_t i = 0; i < nb; i++) {
      int32_t dots = 0, mins = 0;  // sum of sc_j * dot_j, sum of m_j * (sum of y over sub-block j)
      for (int j = 0; j < QK_K / 32; j++) {
        uint8_t sc, m;
        q4_K_scale_min(j, w[i].scales, &sc, &m);
        const uint8_t* q = w[i].qs + 32 * (j / 2);
        int32_t dot = 0;
        for (int l = 0; l < 32; l++) dot += ((q[l] >> (4 * (j % 2))) & 0x0f) * y[i].qs[32 * j + l];
        dots += sc * dot;
        mins += m * (y[i].bsums[2 * j] + y[i].bsums[2 * j + 1]);
      }
      sum += static_cast<double>(y[i].d) *
             (static_cast<double>(fp16_to_fp32(w[i].d)) * dots - static_cast<double>(fp16_to_fp32(w[i].dmin)) * mins);
    }
  } else if (t == GgmlType::Q6_K) {
    const block_q6_K* w = static_cast<const block_q6_K*>(w_row);
    for (int64_t i = 0; i < nb; i++) {
      int32_t dots = 0;
      for (int s = 0; s < QK_K / 16; s++) {
        int32_t dot = 0;
        for (int l = 0; l < 16; l++) dot += (q6_K_level(w[i], 16 * s + l) - 32) * y[i].qs[16 * s + l];
        dots += w[i].scales[s] * dot;
      }
      sum += static_cast<double>(y[i].d) * fp16_to_fp32(w[i].d) * dots;
    }
  } else {
    return NAN;
  }
  return static_cast<float>(sum);
}

}  // namespace arb
