// Host-side launchers of the CUDA kernels, one job each. Every launcher checks the launch and
// returns a Status; none synchronizes, so a sequence of them can be captured into a graph.
// Row-major buffers throughout: "rows" are tokens (activation vectors), ld is the row stride
// in elements.
#pragma once
#include <cstdint>

#include "common.cuh"
#include "device_matrix.h"

namespace arb::cuda {

// One activation site (e.g. the normed input of the attention projections) for up to
// `capacity` rows of k values. Producers write the forms that the site's consumers read: fp32
// (matvec with float weights), fp16 (prefill matrix products), q8 Block32 or Super256 (matvec
// with quantized weights). Padding columns [k, ld) stay zero.
struct ActBuf {
  int64_t k = 0;
  int64_t ld = 0;  // multiple of 256
  float* f32 = nullptr;
  __half* f16 = nullptr;
  Q8Act q32;
  Q8Act q256;
};

enum ActForm : unsigned { kF32 = 1, kF16 = 2, kQ32 = 4, kQ256 = 8 };

// The q8 form a weight type multiplies (None for float types).
ActQuant act_quant_for(GgmlType t);
unsigned act_form_for_decode(GgmlType t);   // matvec input: kF32, kQ32 or kQ256
unsigned act_form_for_prefill(GgmlType t);  // matmul input: kF16, kQ32 or kQ256

// Where q, k and v of a layer go: q rows (after RoPE) to q, k (after RoPE) and v to the cache
// in fp16 at [slot][kv_head][pos][head_dim]. pos/slot are per activation row.
struct RopeKvArgs {
  const float2* cs = nullptr;  // [n_ctx][rope_dim / 2] (cos, sin) of pos * theta_i
  int head_dim = 0, rope_dim = 0;
  bool neox = false;  // pairs (i, i + rope_dim/2) instead of (2i, 2i+1); launch_rope_store only
  int n_q = 0, n_kv = 0;  // n_head * head_dim, n_head_kv * head_dim
  __half* k_cache = nullptr;
  __half* v_cache = nullptr;
  int64_t slot_stride = 0;  // elements between slots in one layer's cache
  int64_t n_ctx = 0;
  const int32_t* pos = nullptr;
  const int32_t* slot = nullptr;
  float* q = nullptr;
  int64_t q_ld = 0;
};

// ---- embedding, norms, quantization, elementwise

// x[r][:] = dequantized row tokens[r] of the embedding matrix.
Status launch_embed(const DevMatrix& tok_embd, const int32_t* tokens, int rows, float* x,
                    int64_t ldx, const LaunchCtx& ctx);

// out = rmsnorm(x) * w (w null: out = x, a plain conversion), in the forms of `forms`.
Status launch_norm_quant(const float* x, int64_t ldx, const float* w, float eps, int rows,
                         const ActBuf& out, unsigned forms, const LaunchCtx& ctx);

// h = silu(g) * u into `out` (forms kF32 and/or kF16); gelu: h = gelu_tanh(g) * u, GELU taken
// on the binary16 rounding of g and rounded to binary16, as the CPU path's table.
Status launch_swiglu(const float* g, const float* u, int64_t ld_in, int rows, const ActBuf& out,
                     unsigned forms, const LaunchCtx& ctx, bool gelu = false);

// In place on q|k|v rows (n_head q heads, n_head_kv k heads, n_head_kv v heads of head_dim):
// adds the biases that are not null, then RMSNorm of each q and k head with q_norm / k_norm
// when not null (qwen2 biases; qwen3 and gemma3 norms). Before launch_rope_store.
struct QkvPrepArgs {
  const float *bq = nullptr, *bk = nullptr, *bv = nullptr;
  const float *q_norm = nullptr, *k_norm = nullptr;
  float eps = 0.0f;
  int n_head = 0, n_head_kv = 0, head_dim = 0;
};
Status launch_qkv_prep(float* qkv, int64_t ld, int rows, const QkvPrepArgs& args, const LaunchCtx& ctx);

// x[r][:n] += rmsnorm(y[r][:n]) * w (gemma3's post-norms before the residual add).
Status launch_norm_add(const float* y, int64_t ldy, const float* w, float eps, int rows, int64_t n,
                       float* x, int64_t ldx, const LaunchCtx& ctx);

// x[r][:n] *= s (gemma3's embedding scale).
Status launch_scale_rows(float* x, int64_t ldx, int rows, int64_t n, float s, const LaunchCtx& ctx);

// qkv rows [q | k | v] (n_q + 2 n_kv columns): RoPE on q and k, q to args.q, k and v to the cache.
Status launch_rope_store(const float* qkv, int64_t ld, int rows, const RopeKvArgs& args,
                         const LaunchCtx& ctx);

// dst[i][:] = src[idx[i]][:], n columns.
Status launch_gather_rows(const float* src, int64_t ld_src, const int32_t* idx, int rows,
                          int64_t n, float* dst, int64_t ld_dst, const LaunchCtx& ctx);

// Copies cache positions [0, n) of one slot to another in every layer and head.
Status launch_copy_prefix(__half* k_cache, __half* v_cache, int n_layer, int64_t layer_stride,
                          int64_t slot_stride, int n_kv_head, int64_t n_ctx, int head_dim,
                          int src_slot, int dst_slot, int n, const LaunchCtx& ctx);

// ---- matrix-vector (decode) and matrix-matrix (prefill) products

enum class Epilogue : int {
  Store = 0,   // y[r][row] = W a
  Add = 1,     // y[r][row] += W a                  (residual)
  RopeKv = 2,  // rows are q|k|v starting at row_offset: see RopeKvArgs
  SwiGlu = 3,  // rows interleave gate and up: y[r][row/2] = silu(gate) * up
};

// Which kernels: version 1 (matvec.cuh, every type) or version 2 (matvec2.cuh, Block32 types).
enum class MatvecImpl : int { Auto = 0, V1 = 1, V2 = 2 };

// The decode products of a layer (and the output projection); Other: none of them (tests).
enum class MatvecSite : int { Qkv, Wo, GateUp, Down, Output, Other };
// The version a site runs: a property of the site and the weight type only, never of the row
// count, so a sequence gets the same bits alone or batched (versions 1 and 2 differ in the last
// bits).
MatvecImpl tuned_matvec_impl(MatvecSite site, GgmlType t);

struct MatvecArgs {
  DevMatrix w;
  int nvec = 0;            // activation rows; any count (done 8 at a time)
  const ActBuf* a = nullptr;  // the activation site (its k must equal w.cols)
  Epilogue epi = Epilogue::Store;
  float* y = nullptr;
  int64_t y_ld = 0;
  int64_t row_offset = 0;  // RopeKv
  RopeKvArgs rk;           // RopeKv
  MatvecImpl impl = MatvecImpl::Auto;   // Auto: version 2 where it applies
  MatvecSite site = MatvecSite::Other;  // picks version 2's configuration (same bits whatever it is)
};

// Reads every weight once per 8 activation rows (fused dequantize + dot).
Status launch_matvec(const MatvecArgs& args, const LaunchCtx& ctx);

// Whether version 2 runs this weight type with `cols` columns.
bool matvec2_supports(GgmlType t, int64_t cols);

struct MatmulArgs {
  DevMatrix w;
  int m = 0;                   // activation rows
  const ActBuf* a = nullptr;   // q8 form for quantized weights, fp16 for float weights
  Epilogue epi = Epilogue::Store;  // Store, Add or SwiGlu
  float* c = nullptr;          // Store/Add: c[r][col_offset + n]; SwiGlu: c[r][col_offset + n/2]
  int64_t ldc = 0;
  int64_t col_offset = 0;
};

// Prefill product C = A W^T on tensor cores (mma.sync, sm_80+), fp32 accumulation.
// Quantized weights: int8 weight quants times the q8 activations (m16n8k32 s8), each 32-value
// unit's integer sum turned into the same per-unit term as the decode matvec
// (Unit<T>::term). Float weights: fp16 tiles times fp16 activations (m16n8k16 f16).
Status launch_matmul(const MatmulArgs& args, const LaunchCtx& ctx);

// ---- attention over the fp16 KV cache (causal, grouped-query, optionally windowed)

struct AttentionArgs {
  const float* q = nullptr;  // [rows][n_head * head_dim], after RoPE
  int64_t q_ld = 0;
  const __half* k_cache = nullptr;  // this layer, slot 0
  const __half* v_cache = nullptr;
  int64_t slot_stride = 0;
  int64_t n_ctx = 0;
  int n_head = 0, n_kv_head = 0, head_dim = 0;
  int impl = 0;  // decode: 0 auto (version 2 where it runs), 1 version 1, 2 version 2
  float scale = 0.0f;  // multiplies q . k; 0: 1/sqrt(head_dim)
  int window = 0;      // > 0: a query at p sees positions above p - window only (sliding window)
};

// Decode: each row is one query at pos[r] attending to positions [0, pos[r]] of slot[r].
// Split over the context (a fixed function of the length, so results never depend on the
// batch), partial results combined by the last block of each (row, head).
struct DecodeAttnScratch {
  float* partial = nullptr;  // [rows][n_head][max_splits][head_dim + 2]
  int32_t* counters = nullptr;  // [rows][n_head], zero between launches
  int max_splits = 0;
};
int attention_max_splits(int64_t n_ctx);
// forms: kF32, kF16 and, when head_dim is a multiple of 32, kQ32. pos, slot and stable must be
// written before the previous kernel starts (they are uploaded before the step); stable (may be
// null) gives per row the first cache position this step writes: version 2 loads the positions
// below it before waiting on the previous kernel.
Status launch_attention_decode(const AttentionArgs& args, const int32_t* pos, const int32_t* slot,
                               const int32_t* stable, int rows, const DecodeAttnScratch& scratch,
                               const ActBuf& out, unsigned forms, const LaunchCtx& ctx);
// Whether version 2 of decode attention runs this shape (head_dim 128, 1/2/4/8 query heads per
// KV head).
bool attention_decode2_supports(int head_dim, int n_head, int n_kv_head);

// Prefill: tiles of up to 8 consecutive tokens of one sequence (row0 .. row0+n-1 at positions
// pos0 .. pos0+n-1), each attending causally to its slot's cache. Output fp32.
struct PrefillTile {
  int32_t row0, n, slot, pos0;
};
Status prepare_attention_prefill(int head_dim);  // raises the shared-memory limit (once)
Status launch_attention_prefill(const AttentionArgs& args, const PrefillTile* tiles, int n_tiles,
                                float* out, int64_t out_ld, const LaunchCtx& ctx);

// LoRA (engine/lora.h): y[r][:n_out] += scale * B (A x[r]) for each row r whose adapter
// (row_adapter[r], -1: none) adapts this projection. pairs[adapter * pair_stride] is the
// adapter's pair for the projection (rank 0: not adapted); A [rank][n_in] and B [n_out][rank]
// are fp32. row_adapter is uploaded with the rows, so a captured graph reads each step's.
constexpr int kLoraMaxRank = 256;
struct LoraDevPair {
  const float* a = nullptr;
  const float* b = nullptr;
  int rank = 0;
  float scale = 0.0f;
};
struct LoraArgs {
  const LoraDevPair* pairs = nullptr;
  int64_t pair_stride = 0;
  const int32_t* row_adapter = nullptr;
  const float* x = nullptr;
  int64_t ldx = 0, n_in = 0;
  float* y = nullptr;
  int64_t ldy = 0, n_out = 0;
};
Status launch_lora(const LoraArgs& args, int rows, const LaunchCtx& ctx);

}  // namespace arb::cuda
