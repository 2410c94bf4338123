// Matrix-multiply kernels, one file per weight type (matmul_<type>.cpp), each with a portable
// path and, where the CPU has them, AVX2 and AVX-512 paths compiled for those instruction sets
// with function target attributes (the rest of the library assumes only baseline x86-64).
//
// A kernel computes y[t * ldy + r] = dot(row r of W, activation t) for rows [r0, r1) and all
// n_tok activations, reading each weight row once for all of them. Every (row, activation)
// result goes through the same sequence of float operations whatever n_tok and the row range
// are, so a sequence gets bit-identical logits alone or in a batch.
//
// To add a weight type: write matmul_<type>.cpp with add_<type>_kernels(), declare it below and
// add one case to matmul_kernels() in matmul.cpp.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "../ggml_types.h"
#include "../quants_ref.h"
#include "cpu_features.h"
#include "simd_math.h"

namespace arb {

// How a kernel wants its activations: fp32 rows, Q8 rows (32-value blocks, for Q8_0 / Q4_0 /
// Q5_0 weights) or Q8K rows (256-value super-blocks, for Q4_K / Q6_K weights), both below.
enum class ActFormat { F32, Q8, Q8K };

// A Q8 activation row, as the CPU kernels read it: the row quantized exactly as
// quantize_row_q8_act_ref does (quants_ref.h), stored plane by plane so that the quants of
// consecutive blocks are one contiguous run (two blocks = one 64-byte load) and so are their
// scales: [qs of block 0..nb-1: nb x 32 int8][d: nb float][sum: nb int32][neg_dsum: nb float],
// neg_dsum = -(d * sum): the SIMD Q4_0 kernels' term for the weights' offset of -8.
inline size_t q8_act_row_bytes(int64_t n) { return static_cast<size_t>(n / QK8_0) * (QK8_0 + 4 + 4 + 4); }

struct Q8ActRow {
  const int8_t* qs;
  const float* d;
  const int32_t* sum;
  const float* neg_dsum;
};

inline Q8ActRow q8_act_row(const void* row, int64_t n) {
  const int64_t nb = n / QK8_0;
  const int8_t* qs = static_cast<const int8_t*>(row);
  const float* d = reinterpret_cast<const float*>(qs + nb * QK8_0);
  return {qs, d, reinterpret_cast<const int32_t*>(d + nb), d + 2 * nb};
}

// Writes block b's neg_dsum of a Q8 row with n values: every quantizer calls this, so all ISAs
// give the same bits.
inline void q8_act_write_neg_dsum(void* row, int64_t n, int64_t b, float d, int32_t sum) {
  float* neg_dsum = reinterpret_cast<float*>(static_cast<int8_t*>(row) + (n / QK8_0) * (QK8_0 + 8));
  neg_dsum[b] = -(d * static_cast<float>(sum));
}

// A Q8K activation row: the row quantized exactly as quantize_row_q8_K_ref does (quants_ref.h),
// stored plane by plane: [qs: n int8][d: nb float][bsums: nb x 16 int16], nb = n / 256.
inline size_t q8k_act_row_bytes(int64_t n) { return static_cast<size_t>(n / QK_K) * sizeof(block_q8_K); }

struct Q8KActRow {
  const int8_t* qs;
  const float* d;
  const int16_t* bsums;
};

inline Q8KActRow q8k_act_row(const void* row, int64_t n) {
  const int64_t nb = n / QK_K;
  const int8_t* qs = static_cast<const int8_t*>(row);
  return {qs, reinterpret_cast<const float*>(qs + n), reinterpret_cast<const int16_t*>(qs + n + nb * 4)};
}

struct MatmulArgs {
  const uint8_t* w = nullptr;  // row 0 of W
  size_t w_row_bytes = 0;
  int64_t n_cols = 0;
  const void* act = nullptr;   // activation 0
  size_t act_row_bytes = 0;
  int n_tok = 0;
  float* y = nullptr;
  int64_t ldy = 0;
};

using MatmulRowsFn = void (*)(const MatmulArgs& args, int64_t r0, int64_t r1);

// Rewrites n_rows rows of a weight matrix (w_row_bytes apart, file layout) into a kernel's own
// layout of the same size at `out` (matmul_packed.cpp).
using PackFn = void (*)(const uint8_t* w, size_t w_row_bytes, int64_t n_rows, int64_t n_cols, uint8_t* out);

struct MatmulKernel {
  GgmlType type;
  CpuIsa isa;
  ActFormat act;
  MatmulRowsFn rows;
  // Set for kernels that read weights repacked by `pack` (rows in groups of kPackedRows; row
  // ranges given to `rows` are whole groups); null for the file's layout.
  PackFn pack = nullptr;
};

// The kernels for a weight type that run on this CPU, lowest ISA first (tests check each one
// against quants_ref); empty for a type without kernels.
std::vector<MatmulKernel> matmul_kernels(GgmlType type);
// The kernel to use: the highest ISA not above cpu_isa_selected(). Null without kernels.
const MatmulKernel* select_matmul_kernel(GgmlType type);

// Kernels over weights repacked at load into groups of this many interleaved rows (Q8_0, Q4_0,
// Q4_K and Q6_K, matmul_packed.cpp), portable first (it checks the layout), then AVX-512 where present.
constexpr int kPackedRows = 16;
std::vector<MatmulKernel> packed_matmul_kernels(GgmlType type);
// The packed kernel to use for a matrix of this type and row count, or null (no packed kernel
// for the type or this CPU, or rows not a multiple of kPackedRows): then the file's layout.
const MatmulKernel* select_packed_matmul_kernel(GgmlType type, int64_t n_rows);

// Activation quantization into one Q8 row (q8_act_row_bytes(n) bytes), per ISA; every ISA
// gives bit-identical rows, with the values quantize_row_q8_act_ref gives.
using QuantizeActFn = void (*)(const float* x, void* row, int64_t n);
QuantizeActFn select_quantize_act(CpuIsa isa);
// The same for Q8K rows (q8k_act_row_bytes(n) bytes, n a multiple of 256), bit-identical to
// quantize_row_q8_K_ref on every ISA.
QuantizeActFn select_quantize_act_q8k(CpuIsa isa);
// Row bytes of activation format `f` for n values.
size_t act_row_bytes(ActFormat f, int64_t n);

// Per-type registration (matmul_<type>.cpp).
void add_f32_kernels(std::vector<MatmulKernel>* out);
void add_f16_kernels(std::vector<MatmulKernel>* out);
void add_bf16_kernels(std::vector<MatmulKernel>* out);
void add_q8_0_kernels(std::vector<MatmulKernel>* out);
void add_q4_0_kernels(std::vector<MatmulKernel>* out);
void add_q5_0_kernels(std::vector<MatmulKernel>* out);
void add_q4_k_kernels(std::vector<MatmulKernel>* out);
void add_q6_k_kernels(std::vector<MatmulKernel>* out);

}  // namespace arb
