// Causal attention for one KV head and the `group` query heads that share it (grouped-query
// attention): scores = q . k_j * scale over the n_keys cached positions, softmax,
// out = sum_j p_j v_j. Keys and values are the KV cache's rows, binary16 or Q8_0 blocks (the
// 8-bit cache: head_dim / 32 blocks per row), widened to float32 as they are read exactly as
// dequantize_row widens them. Reading each cached key and value once for the whole group is what GQA
// saves. Portable reference in attention.cpp; AVX2 and AVX-512 paths beside it, tested against
// it; all use the same exp approximation error budget (a few ulp).
#pragma once
#include <cstdint>

#include "../ggml_types.h"
#include "cpu_features.h"

namespace arb {

struct AttendArgs {
  const float* q;      // group query heads, q_stride floats apart
  int q_stride;
  int group;
  const void* k;       // n_keys rows of head_dim values in kv_type, contiguous
  const void* v;
  int n_keys;
  int head_dim;
  float scale;         // multiplies q . k (1/sqrt(head_dim) for most models)
  float* scores;       // scratch: group x n_keys
  float* out;          // group heads, out_stride floats apart
  int out_stride;
  GgmlType kv_type = GgmlType::F16;  // F16 or Q8_0 (head_dim a multiple of 32)
};

using AttendFn = void (*)(const AttendArgs& a);

void attend_portable(const AttendArgs& a);
// The fastest path this CPU runs at `isa` for this head size and cache type (portable when the
// head size is not a multiple of the vector width), and the instruction set it uses.
AttendFn select_attend(CpuIsa isa, int head_dim, GgmlType kv_type);
CpuIsa attend_isa(CpuIsa isa, int head_dim);

}  // namespace arb
