// Scalar reference implementations; see quants_ref.h. Layouts are in ggml_types.h.
#include "quants_ref.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace arb {

bool quants_ref_supports(GgmlType t) {
  switch (t) {
    case GgmlType::F32:
    case GgmlType::F16:
    case GgmlType::BF16:
    case GgmlType::Q8_0:
    case GgmlType::Q4_0: return true;
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
    default:
      return;
  }
}

float vec_dot_ref(GgmlType t, const void* w_row, const float* x, int64_t n) {
  double sum = 0.0;
  float w[QK8_0];
  const int64_t bs = t == GgmlType::Q8_0 || t == GgmlType::Q4_0 ? QK8_0 : 1;
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
  } else {
    return NAN;
  }
  return static_cast<float>(sum);
}

}  // namespace arb
