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

// Types these functions handle: the weight types F32, F16, BF16, Q8_0, Q4_0, Q5_0, Q4_K, Q6_K.
bool quants_ref_supports(GgmlType t);

// dst[0..n) = the values src encodes (n a multiple of the block size).
void dequantize_row(GgmlType t, const void* src, float* dst, int64_t n);

// Encodes n floats as ggml's reference quantizers do (quantize_row_*_ref), bit for bit: what
// llama-quantize writes when it has no importance matrix. Tests and make-model's TypeScript
// twin (src/ggml-types.ts) are checked against each other.
void quantize_row_ref(GgmlType t, const float* src, void* dst, int64_t n);

// The exact dot product of the dequantized row with fp32 x, accumulated in double.
float vec_dot_ref(GgmlType t, const void* w_row, const float* x, int64_t n);

// x -> Q8 activation blocks: d = max|x| / 127, q = round-to-nearest-even(x * 127 / max|x|).
void quantize_row_q8_act_ref(const float* x, block_q8_act* y, int64_t n);

// What the integer kernels compute for Q8_0 / Q4_0 / Q5_0 weights: per block, the int32 dot of
// the weight quants with the activation quants times both scales, summed (in double here).
float vec_dot_q8_act_ref(GgmlType t, const void* w_row, const block_q8_act* y, int64_t n);

// Activations for K-quant weights (Q4_K, Q6_K), exactly ggml's quantize_row_q8_K_ref: per 256
// values, max = the value of largest magnitude (the first on ties), iscale = -127 / max,
// q = min(127, round-half-even(iscale * x)), d = 1 / iscale, bsums = sums of each 16 quants.
// A block holding NaN or infinity gets d = NaN and zero quants, so the NaN reaches the logits
// (ggml would drop NaNs silently).
void quantize_row_q8_K_ref(const float* x, block_q8_K* y, int64_t n);

// What the K-quant kernels compute: per super-block, exact integer sums of weight quants times
// activation quants, then the float scales (Q4_K: y.d * (d * sum(sc_j * dot_j) - dmin *
// sum(m_j * bsum_j)); Q6_K: y.d * d * sum(sc_s * dot_s) with the -32 offset inside), summed in
// double here.
float vec_dot_q8_K_ref(GgmlType t, const void* w_row, const block_q8_K* y, int64_t n);

// The 6-bit scale and min of sub-block j (0..7) of a Q4_K super-block (ggml's get_scale_min_k4).
void q4_K_scale_min(int j, const uint8_t* scales, uint8_t* sc, uint8_t* m);

}  // namespace arb
