// The small per-token operations of the llama layer, written as the equations in DESIGN.md.
// Portable code: they are a sliver of the time next to the matrix multiplies.
#pragma once
#include <cstdint>

#include "cpu_features.h"

namespace arb {

// out = x / sqrt(mean(x^2) + eps) * w   (sum of squares in double, as ggml)
void rmsnorm(float* out, const float* x, const float* w, int n, float eps);

// Rotates pairs (2i, 2i+1) (neox: (i, i + rope_dim/2)), i < rope_dim / 2, of each of n_heads
// heads by the angles whose cosines and sines are given (rope_dim / 2 of each).
void rope(float* v, int n_heads, int head_dim, int rope_dim, const float* cos, const float* sin, bool neox);

// GeGLU in place: gate = gelu(gate) * up, GELU with the tanh approximation evaluated as
// llama.cpp's CPU backend does: through a table indexed by the binary16 rounding of the input,
// holding binary16 results (0 below -10, the input itself above 10).
void geglu(float* gate, const float* up, int64_t n);
// The table's value: gelu_tanh(x) for |x| < 10 with input and output rounded to binary16.
float gelu_tanh_fp16(float x);

// SwiGLU in place: gate = silu(gate) * up = gate / (1 + e^-gate) * up. The portable version is
// the reference; the AVX2/AVX-512 ones use the polynomial exp of simd_math.h (a few ulp).
using SwigluFn = void (*)(float* gate, const float* up, int64_t n);
void swiglu_portable(float* gate, const float* up, int64_t n);
SwigluFn select_swiglu(CpuIsa isa);

// y += x
void add_inplace(float* y, const float* x, int64_t n);

// out = x in IEEE binary16, rounded to nearest even (the KV cache's storage): the F16C path and
// the portable one (fp32_to_fp16) give the same bits.
using ToFp16Fn = void (*)(uint16_t* out, const float* x, int64_t n);
void to_fp16_portable(uint16_t* out, const float* x, int64_t n);
ToFp16Fn select_to_fp16(CpuIsa isa);

}  // namespace arb
