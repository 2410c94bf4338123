// A weight matrix in device memory, repacked at upload so that kernels read the quants of a
// 32-value block with aligned 16-byte loads. Values are bit-identical to the GGUF blocks:
//   F32/F16/BF16  q: rows of `row_elems` values (n_cols rounded up to 32, zero padded)
//   Q8_0          q: int8 [row][2][nb][16]: quants 0..15 of every block, then 16..31 of every
//                 block (a warp's 16-byte loads of consecutive blocks are contiguous)
//                                                  d: fp16 [row][nb]
//   Q4_0          q: 16 bytes per block, [row][nb]  d: fp16 [row][nb]          (ggml's qs)
//   Q5_0          q: as Q4_0, qh: uint32 [row][nb]  d: fp16 [row][nb]          (ggml's qh, LE)
//   Q4_K          q: ggml's 144-byte blocks unchanged (9 x 16 bytes: d, dmin, scales, qs)
//   Q6_K          q: 208 bytes per block (ql 128 | qh 64 | scales 16), d: fp16 [row][nb]
// Rows may be stored in another order than the GGUF tensor (gate/up interleaved, q|k|v
// concatenated); see device_weights.cu.
#pragma once
#include <cuda_fp16.h>

#include <cstdint>

#include "../ggml_types.h"

namespace arb::cuda {

struct DevMatrix {
  GgmlType type = GgmlType::F32;
  int64_t rows = 0;
  int64_t cols = 0;
  const uint8_t* q = nullptr;
  const __half* d = nullptr;
  const uint32_t* qh = nullptr;
  int64_t q_row_bytes = 0;     // bytes per row in q
  int64_t blocks_per_row = 0;  // ggml blocks per row (elements for float types)
  int64_t row_elems = 0;       // float types: padded row length in elements
};

// Bytes of q per row, and whether d / qh arrays exist, for the repacked layout.
int64_t repacked_row_bytes(GgmlType t, int64_t cols);
bool repacked_has_scales(GgmlType t);
bool repacked_has_qh(GgmlType t);

}  // namespace arb::cuda
