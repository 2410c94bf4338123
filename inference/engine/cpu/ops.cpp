// Per-token operations; see ops.h.
#include "ops.h"

#include <cmath>

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

void rope(float* v, int n_heads, int head_dim, int rope_dim, const float* cos, const float* sin) {
  for (int h = 0; h < n_heads; h++) {
    float* p = v + h * head_dim;
    for (int i = 0; i < rope_dim / 2; i++) {
      const float a = p[2 * i], b = p[2 * i + 1];
      p[2 * i] = a * cos[i] - b * sin[i];
      p[2 * i + 1] = a * sin[i] + b * cos[i];
    }
  }
}

void swiglu(float* gate, const float* up, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    const float g = gate[i];
    gate[i] = g / (1.0f + std::exp(-g)) * up[i];
  }
}

void add_inplace(float* y, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] += x[i];
}

}  // namespace arb
