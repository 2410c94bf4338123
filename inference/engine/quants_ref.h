// Scalar references of every block format: quantize, dequantize and dot products, short enough
// to check by eye. The fast paths (cpu/ AVX2 and AVX-512, cuda/) are tested against these.
// Plain C-like API on purpose: the CUDA tests call it too.
#pragma once
#include <cstdint>

#include "ggml_types.h"

namespace arb {

// Activations quantized for integer dot products with Q8_0 / Q4_0 weights: 32 int8 quants with
// an fp32 scale (x ~= d * q) and the sum of the quants, which turns Q4_0's offset of -8 into one
// multiply per block. The CPU kernels use this layout; ggml's block_q8_0 is the same idea with
// an fp16 scale.
struct block_q8_act {
  float d;
  int32_t sum;
  int8_t qs[QK8_0];
};
static_assert(sizeof(block_q8_act) == 40, "block_q8_act layout");

// Types these functions handle: F32, F16, BF16, Q8_0, Q4_0 (the weight types).
bool quants_ref_supports(GgmlType t);

// dst[0..n) = the values src encodes (n a multiple of the block size).
void dequantize_row(GgmlType t, const void* src, float* dst, int64_t n);

// Encodes n floats as ggml's reference quantizers do (quantize_row_*_ref), for tests.
void quantize_row_ref(GgmlType t, const float* src, void* dst, int64_t n);

// The exact dot product of the dequantized row with fp32 x, accumulated in double.
float vec_dot_ref(GgmlType t, const void* w_row, const float* x, int64_t n);

// x -> Q8 activation blocks: d = max|x| / 127, q = round-to-nearest-even(x * 127 / max|x|).
void quantize_row_q8_act_ref(const float* x, block_q8_act* y, int64_t n);

// What the integer kernels compute for Q8_0 / Q4_0 weights: per block, the int32 dot of the
// weight quants with the activation quants times both scales, summed (in double here).
float vec_dot_q8_act_ref(GgmlType t, const void* w_row, const block_q8_act* y, int64_t n);

}  // namespace arb
