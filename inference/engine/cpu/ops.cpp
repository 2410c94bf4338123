// Per-token operations; see ops.h.
#include "ops.h"

#include <cmath>
#include <vector>

#include "../ggml_types.h"
#include "simd_math.h"

namespace arb {

void rmsnorm(float* out, const float* x, const float* w, int n, float eps) {
  double s[4] = {};
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    for (int l = 0; l < 4; l++) s[l] += static_cast<double>(x[i + l]) * x[i + l];
  }
  double sum = (s[0] + s[1]) + (s[2] + s[3]);
  for (; i < n; i++) sum += static_cast<double>(x[i]) * x[i];
  const float mean = static_cast<float>(sum / n);
  const float scale = 1.0f / std::sqrt(mean + eps);
  for (i = 0; i < n; i++) out[i] = x[i] * scale * w[i];
}

void rope(float* v, int n_heads, int head_dim, int rope_dim, const float* cos, const float* sin, bool neox) {
  const int half = rope_dim / 2;
  const int first_step = neox ? 1 : 2, partner = neox ? half : 1;
  for (int h = 0; h < n_heads; h++) {
    float* p = v + h * head_dim;
    for (int i = 0; i < half; i++) {
      float* pa = p + i * first_step;
      const float a = pa[0], b = pa[partner];
      pa[0] = a * cos[i] - b * sin[i];
      pa[partner] = a * sin[i] + b * cos[i];
    }
  }
}

namespace {

// ggml's gelu: 0.5 x (1 + tanh(sqrt(2/pi) x (1 + 0.044715 x^2))), in float.
float gelu_tanh(float x) {
  constexpr float kSqrt2OverPi = 0.79788456080286535587989211986876f;
  constexpr float kCoefA = 0.044715f;
  return 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * x * (1.0f + kCoefA * x * x)));
}

const uint16_t* gelu_table() {
  static const std::vector<uint16_t> table = [] {
    std::vector<uint16_t> t(1 << 16);
    for (size_t i = 0; i < t.size(); i++) t[i] = fp32_to_fp16(gelu_tanh(fp16_to_fp32(static_cast<uint16_t>(i))));
    return t;
  }();
  return table.data();
}

}  // namespace

float gelu_tanh_fp16(float x) {
  if (x <= -10.0f) return 0.0f;
  if (x >= 10.0f) return x;
  return fp16_to_fp32(gelu_table()[fp32_to_fp16(x)]);
}

void geglu(float* gate, const float* up, int64_t n) {
  const uint16_t* table = gelu_table();
  for (int64_t i = 0; i < n; i++) {
    const float x = gate[i];
    const float g = x <= -10.0f ? 0.0f : x >= 10.0f ? x : fp16_to_fp32(table[fp32_to_fp16(x)]);
    gate[i] = g * up[i];
  }
}

void swiglu_portable(float* gate, const float* up, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    const float g = gate[i];
    gate[i] = g / (1.0f + std::exp(-g)) * up[i];
  }
}

#ifdef ARB_HAVE_X86_KERNELS
namespace {

ARB_TARGET_AVX2 void swiglu_avx2(float* gate, const float* up, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 g = _mm256_loadu_ps(gate + i);
    const __m256 e = exp_avx2(_mm256_sub_ps(_mm256_setzero_ps(), g));
    const __m256 silu = _mm256_div_ps(g, _mm256_add_ps(_mm256_set1_ps(1.0f), e));
    _mm256_storeu_ps(gate + i, _mm256_mul_ps(silu, _mm256_loadu_ps(up + i)));
  }
  swiglu_portable(gate + i, up + i, n - i);
}

ARB_TARGET_AVX512 void swiglu_avx512(float* gate, const float* up, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 g = _mm512_loadu_ps(gate + i);
    const __m512 e = exp_avx512(_mm512_sub_ps(_mm512_setzero_ps(), g));
    const __m512 silu = _mm512_div_ps(g, _mm512_add_ps(_mm512_set1_ps(1.0f), e));
    _mm512_storeu_ps(gate + i, _mm512_mul_ps(silu, _mm512_loadu_ps(up + i)));
  }
  swiglu_portable(gate + i, up + i, n - i);
}

}  // namespace
#endif

SwigluFn select_swiglu(CpuIsa isa) {
#ifdef ARB_HAVE_X86_KERNELS
  if (isa >= CpuIsa::Avx512) return swiglu_avx512;
  if (isa >= CpuIsa::Avx2) return swiglu_avx2;
#endif
  (void)isa;
  return swiglu_portable;
}

void add_inplace(float* y, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] += x[i];
}

void to_fp16_portable(uint16_t* out, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; i++) out[i] = fp32_to_fp16(x[i]);
}

#ifdef ARB_HAVE_X86_KERNELS
static ARB_TARGET_AVX2 void to_fp16_f16c(uint16_t* out, const float* x, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
  }
  for (; i < n; i++) out[i] = fp32_to_fp16(x[i]);
}
#endif

ToFp16Fn select_to_fp16(CpuIsa isa) {
#ifdef ARB_HAVE_X86_KERNELS
  if (isa >= CpuIsa::Avx2) return to_fp16_f16c;
#endif
  (void)isa;
  return to_fp16_portable;
}

}  // namespace arb
