// Weight types and block layouts, bit-identical to ggml's (the GGUF files we read and write
// are ggml files). Shared by the CPU kernels, the CUDA kernels and the GGUF reader/writer.
#pragma once
#include <cstddef>
#include <cstdint>

namespace arb {

// ggml_type ids as stored in GGUF tensor infos. Only the ones the engine handles are listed.
enum class GgmlType : uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q5_0 = 6,
  Q8_0 = 8,
  Q4_K = 12,
  Q6_K = 14,
  Q8_K = 15,  // activation format for K-quant dot products; never a weight type
  BF16 = 30,
};

constexpr int QK4_0 = 32;
constexpr int QK5_0 = 32;
constexpr int QK8_0 = 32;
constexpr int QK_K = 256;           // K-quant super-block
constexpr int K_SCALE_SIZE = 12;    // packed 6-bit scales and mins of Q4_K

using ggml_half = uint16_t;         // IEEE binary16 bits
using ggml_bf16 = uint16_t;         // bfloat16 bits

// x[i]      = (qs[i] & 0xF) - 8) * d   for i in 0..15
// x[i + 16] = (qs[i] >> 4)  - 8) * d
struct block_q4_0 {
  ggml_half d;
  uint8_t qs[QK4_0 / 2];
};
static_assert(sizeof(block_q4_0) == 18, "block_q4_0 layout");

// 5-bit: low 4 bits in qs like q4_0, bit 4 of element j in bit j of qh; value = (q - 16) * d.
struct block_q5_0 {
  ggml_half d;
  uint8_t qh[4];
  uint8_t qs[QK5_0 / 2];
};
static_assert(sizeof(block_q5_0) == 22, "block_q5_0 layout");

// x[i] = qs[i] * d
struct block_q8_0 {
  ggml_half d;
  int8_t qs[QK8_0];
};
static_assert(sizeof(block_q8_0) == 34, "block_q8_0 layout");

// 8 sub-blocks of 32; each has a 6-bit scale and 6-bit min packed in `scales`;
// x = d * sc * q - dmin * m, q in 0..15 (4 bits in qs: sub-blocks 2j and 2j+1 share 32 bytes,
// low nibbles for 2j, high nibbles for 2j+1).
struct block_q4_K {
  ggml_half d;
  ggml_half dmin;
  uint8_t scales[K_SCALE_SIZE];
  uint8_t qs[QK_K / 2];
};
static_assert(sizeof(block_q4_K) == 144, "block_q4_K layout");

// 16 sub-blocks of 16 with int8 scales; 6-bit quants split in ql (low 4) and qh (high 2);
// x = d * scales[s] * (q - 32).
struct block_q6_K {
  uint8_t ql[QK_K / 2];
  uint8_t qh[QK_K / 4];
  int8_t scales[QK_K / 16];
  ggml_half d;
};
static_assert(sizeof(block_q6_K) == 210, "block_q6_K layout");

// Activations quantized for K-quant dots; bsums = sums of each 16 quants.
struct block_q8_K {
  float d;
  int8_t qs[QK_K];
  int16_t bsums[QK_K / 16];
};
static_assert(sizeof(block_q8_K) == 292, "block_q8_K layout");

// Values per block and bytes per block of each type (1 and the element size for float types).
int64_t ggml_block_size(GgmlType t);
size_t ggml_type_size(GgmlType t);
const char* ggml_type_name(GgmlType t);   // "F32", "Q4_K", ...
bool ggml_type_is_weight(GgmlType t);     // types the loader accepts for weight tensors
// Bytes of one row of n values (n must be a multiple of the block size).
size_t ggml_row_size(GgmlType t, int64_t n);

// Conversions (portable; the CPU kernels may use F16C/AVX-512 variants).
float fp16_to_fp32(ggml_half h);
ggml_half fp32_to_fp16(float f);        // round to nearest even
float bf16_to_fp32(ggml_bf16 h);
ggml_bf16 fp32_to_bf16(float f);        // round to nearest even

}  // namespace arb
