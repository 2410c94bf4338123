// The CUDA backend: weights uploaded once, fp16 KV cache for n_slots x n_ctx positions, and
// the llama forward pass of DESIGN.md as a sequence of kernel launches (kernels.h).
//
// A step is split into passes. Token runs of more than 8 tokens ("prefill pieces", at most
// kPassRows tokens each) go through tensor-core matrix products and the tiled attention
// kernel; everything else (decode tokens, short runs) goes through one decode pass of
// matrix-vector kernels that read each weight once per 8 rows, replayed from a CUDA graph
// keyed by the row count. Which path a token takes depends only on its own sequence's run
// length, and no kernel's summation order depends on the other rows, so a sequence's results
// are the same alone or batched. Each decode product runs the version its site and weight type
// measured fastest (tuned_matvec_impl), whatever the row count. The residual products (wo, down)
// compute the next RMSNorm + q8 in their last block (NormTail), so no separate norm kernel runs
// between them and the next product (same bits). ARBITER_CUDA_FUSE=N folds RMSNorm and the q8
// quantizations into the version-2 products that consume them in passes of up to N rows (same
// bits; off by default: run 2 measured it slower).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../backend.h"
#include "device_weights.h"
#include "kernels.h"

namespace arb {

namespace cuda {

namespace {

constexpr int kPassRows = 512;       // activation rows per pass (prefill piece size)
constexpr int kMatvecMaxTokens = 8;  // runs up to this long take the decode path
constexpr int kDecodeRows = 64;      // rows per decode pass (and logits rows per copy)
constexpr int kFuseMaxRows = 0;      // default ARBITER_CUDA_FUSE: fused prologues up to this many rows

bool env_disabled(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && std::strcmp(v, "0") == 0;
}

int env_int(const char* name, int fallback, int lo, int hi) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  const int x = std::atoi(v);
  return x < lo || x > hi ? fallback : x;
}

bool env_is(const char* name, const char* value) {
  const char* v = std::getenv(name);
  return v != nullptr && std::strcmp(v, value) == 0;
}

// A device-side activation site with room for `rows` rows; forms allocated as asked.
Status alloc_act(DeviceAllocations& mem, int64_t k, int rows, unsigned forms, const char* what,
                 ActBuf* out) {
  ActBuf b;
  b.k = k;
  b.ld = round_up(k, 256);
  const size_t n = static_cast<size_t>(b.ld) * rows;
  if (forms & kF32) ARB_RETURN_IF_ERROR(mem.alloc_array(n, &b.f32, what));
  if (forms & kF16) ARB_RETURN_IF_ERROR(mem.alloc_array(n, &b.f16, what));
  for (unsigned f : {static_cast<unsigned>(kQ32), static_cast<unsigned>(kQ256)}) {
    if (!(forms & f)) continue;
    Q8Act& q = f == kQ32 ? b.q32 : b.q256;
    ARB_RETURN_IF_ERROR(mem.alloc_array(n, &q.q, what));
    ARB_RETURN_IF_ERROR(mem.alloc_array(n / 32, &q.d, what));
    ARB_RETURN_IF_ERROR(mem.alloc_array(n / 32, &q.s, what));
  }
  *out = b;
  return Status::Ok();
}

unsigned quant_forms(unsigned forms) { return forms & (kQ32 | kQ256); }

struct LayerDev {
  const float* attn_norm = nullptr;
  const float* ffn_norm = nullptr;
  std::vector<DevMatrix> qkv;           // [q|k|v] as one matrix, or q, k, v when types differ
  std::vector<int64_t> qkv_offset;      // first row of each part in q|k|v
  DevMatrix wo;
  bool gate_up_fused = false;
  DevMatrix gate_up;                    // rows interleaved: gate 0, up 0, gate 1, ...
  DevMatrix gate, up;                   // when their types differ
  DevMatrix down;
};

struct RowSpec {
  int32_t token, pos, slot;
  int32_t stable;      // first position of the row's piece: the cache below it predates the pass
  int64_t logits_row;  // destination row in the caller's logits, or -1
};

struct Piece {
  int seq, start, len;
};

class CudaBackend final : public Backend {
 public:
  ~CudaBackend() override;

  Status init(const LlamaModel& model, const BackendOptions& options);

  DeviceKind kind() const override { return DeviceKind::Cuda; }
  std::string description() const override { return description_; }
  int n_slots() const override { return n_slots_; }
  int n_ctx() const override { return static_cast<int>(n_ctx_); }
  Status forward(const std::vector<StepSequence>& step, float* logits) override;
  Status copy_prefix(int src_slot, int dst_slot, int n_tokens) override;

 private:
  Status upload_weights(const LlamaModel& model, const std::function<void(float)>& on_progress);
  Status alloc_state();
  Status upload_rows(const std::vector<RowSpec>& rows);
  Status run_prefill_pass(const std::vector<RowSpec>& rows, const std::vector<Piece>& pieces,
                          const std::vector<int>& piece_row0, const std::vector<StepSequence>& step,
                          float* logits);
  Status run_decode_pass(const std::vector<RowSpec>& rows, float* logits);
  Status record_decode(int n);
  cudaGraphExec_t decode_graph(int n);    // null: launch directly
  cudaGraphExec_t capture_decode(int n);  // null when capture or instantiation fails
  Status logits_for_rows(const std::vector<RowSpec>& rows, float* logits);
  RopeKvArgs rope_args(int layer) const;
  MatvecImpl impl_for(MatvecSite site, GgmlType t) const {
    if (matvec_mode_ == MatvecMode::V1) return MatvecImpl::V1;
    return matvec_mode_ == MatvecMode::V2 ? MatvecImpl::Auto : tuned_matvec_impl(site, t);
  }
  AttentionArgs attn_args(int layer) const;

  LlamaConfig cfg_;
  int device_ = 0;
  int n_slots_ = 0;
  int64_t n_ctx_ = 0;
  std::string description_;
  LaunchCtx ctx_;
  bool use_graphs_ = true;
  bool fused_rope_ = true;
  // ARBITER_CUDA_MATVEC: unset, the tuned version per site (tuned_matvec_impl); v1: version 1
  // everywhere; v2: version 2 wherever it applies.
  enum class MatvecMode { Tuned, V1, V2 } matvec_mode_ = MatvecMode::Tuned;
  Mv2Options mv2_;  // ARBITER_CUDA_MV2_WARPS / _BPS / _OCC=4 / _SITE=0: version 2's launch (same bits)
  // ARBITER_CUDA_NORM_TAIL=1: the norm after wo and down computed by the product's last block
  // (same bits). Off by default: run 4 measured it slower than the separate kernels (Q4_0 wo
  // 5.2 -> 8.4 us, step 1.99 -> 2.15 ms; BENCHMARKS.md). Per site: the
  // norm after wo (into ffn_in_) and after down (into the next layer's attn_in_, or final_) is a
  // tail when that product is a quantized matvec and the norm's consumers read only Block32 q8.
  bool norm_tail_ = false;
  bool tail_ffn_ = false, tail_attn_ = false, tail_final_ = false;
  int32_t* tail_counter_ = nullptr;
  int attn_impl_ = 0;                          // ARBITER_CUDA_ATTN=v1: version 1 decode attention
  int fuse_max_rows_ = kFuseMaxRows;           // ARBITER_CUDA_FUSE=N (0: never fuse)
  // Sites whose decode consumers all take fused inputs (version-2 matvec types).
  bool fuse_attn_in_ = false, fuse_ffn_in_ = false, fuse_h_ = false, fuse_final_ = false;
  DeviceAllocations mem_;

  DevMatrix tok_embd_, output_;
  const float* output_norm_ = nullptr;
  std::vector<LayerDev> layers_;
  // What each activation site's consumers read: decode (matvec) and prefill (matmul) forms.
  unsigned attn_in_forms_ = 0, attn_out_forms_ = 0, ffn_in_forms_ = 0, h_forms_ = 0, final_forms_ = 0;
  unsigned attn_in_pf_ = 0, attn_out_pf_ = 0, ffn_in_pf_ = 0, h_pf_ = 0;

  __half* k_cache_ = nullptr;
  __half* v_cache_ = nullptr;
  int64_t slot_stride_ = 0, layer_stride_ = 0;
  float2* rope_cs_ = nullptr;

  float* x_ = nullptr;     // residual stream [kPassRows][x_ld_]
  int64_t x_ld_ = 0;
  float* qkv_ = nullptr;   // [kPassRows][qkv_ld_]
  int64_t qkv_ld_ = 0;
  float* q_ = nullptr;     // [kPassRows][q_ld_]
  int64_t q_ld_ = 0;
  float* g_ = nullptr;     // unfused gate/up outputs [kPassRows][gu_ld_]
  float* u_ = nullptr;
  int64_t gu_ld_ = 0;
  ActBuf attn_in_, attn_out_, ffn_in_, h_, final_;
  float* xg_ = nullptr;    // gathered rows for the output projection [kDecodeRows][x_ld_]
  float* logits_dev_ = nullptr;  // [kDecodeRows][n_vocab]
  int32_t* rows_dev_ = nullptr;  // token | pos | slot | stable, kPassRows each
  int32_t* gather_dev_ = nullptr;
  PrefillTile* tiles_dev_ = nullptr;
  DecodeAttnScratch attn_scratch_;

  cudaStream_t stream_ = nullptr;
  int32_t* rows_host_ = nullptr;  // pinned
  int32_t* gather_host_ = nullptr;
  PrefillTile* tiles_host_ = nullptr;
  float* logits_host_ = nullptr;
  std::map<int, cudaGraphExec_t> graphs_;
};

CudaBackend::~CudaBackend() {
  cudaSetDevice(device_);
  if (stream_) cudaStreamSynchronize(stream_);
  for (auto& g : graphs_) cudaGraphExecDestroy(g.second);
  if (stream_) cudaStreamDestroy(stream_);
  cudaFreeHost(rows_host_);
  cudaFreeHost(gather_host_);
  cudaFreeHost(tiles_host_);
  cudaFreeHost(logits_host_);
}

Status CudaBackend::init(const LlamaModel& model, const BackendOptions& options) {
  cfg_ = model.config;
  const LlamaConfig& c = cfg_;
  const int count = cuda_device_count();
  if (count == 0) {
    return Status::Error(StatusCode::DeviceUnavailable,
                         "no CUDA GPU is available (no NVIDIA driver, no device, or none of compute "
                         "capability 8.0 or newer); use device \"cpu\"");
  }
  device_ = options.cuda_device;
  int all = 0;
  ARB_CUDA_RETURN(cudaGetDeviceCount(&all));
  if (device_ < 0 || device_ >= all) {
    return Status::Error(StatusCode::InvalidArgument,
                         "CUDA device " + std::to_string(device_) + " does not exist (" +
                             std::to_string(all) + " present)");
  }
  ARB_CUDA_RETURN(cudaSetDevice(device_));
  cudaDeviceProp prop;
  ARB_CUDA_RETURN(cudaGetDeviceProperties(&prop, device_));
  if (prop.major < 8) {
    return Status::Error(StatusCode::DeviceUnavailable,
                         std::string(prop.name) + " has compute capability " + std::to_string(prop.major) +
                             "." + std::to_string(prop.minor) + "; the CUDA backend needs 8.0 or newer");
  }
  if (options.n_slots < 1 || options.n_ctx < 1) {
    return Status::Error(StatusCode::InvalidArgument, "n_slots and n_ctx must be positive");
  }
  if (c.head_dim < 1 || c.head_dim > 256 || c.n_head % c.n_head_kv != 0 || c.rope_dim > c.head_dim ||
      c.rope_dim % 2 != 0) {
    return Status::Error(StatusCode::Unsupported,
                         "the CUDA backend supports head sizes up to 256 (this model: " +
                             std::to_string(c.head_dim) + ")");
  }
  n_slots_ = options.n_slots;
  n_ctx_ = options.n_ctx;
  fused_rope_ = c.head_dim % 2 == 0;
  ctx_.pdl = prop.major >= 9 && !env_disabled("ARBITER_CUDA_PDL");
  use_graphs_ = !env_disabled("ARBITER_CUDA_GRAPHS");
  matvec_mode_ = env_is("ARBITER_CUDA_MATVEC", "v1")   ? MatvecMode::V1
                 : env_is("ARBITER_CUDA_MATVEC", "v2") ? MatvecMode::V2
                                                       : MatvecMode::Tuned;
  mv2_.warps = env_int("ARBITER_CUDA_MV2_WARPS", 0, 1, 8);
  mv2_.blocks_per_sm = env_int("ARBITER_CUDA_MV2_BPS", 0, 1, 16);
  mv2_.occupancy4 = env_is("ARBITER_CUDA_MV2_OCC", "4");
  mv2_.per_site = !env_disabled("ARBITER_CUDA_MV2_SITE");
  norm_tail_ = env_is("ARBITER_CUDA_NORM_TAIL", "1");
  attn_impl_ = env_is("ARBITER_CUDA_ATTN", "v1") ? 1 : 0;
  if (const char* f = std::getenv("ARBITER_CUDA_FUSE")) fuse_max_rows_ = std::max(0, std::atoi(f));
  description_ = std::string(prop.name) + " (sm_" + std::to_string(prop.major) + std::to_string(prop.minor) +
                 ", " + std::to_string(prop.multiProcessorCount) + " SMs, " +
                 std::to_string((prop.totalGlobalMem + (512u << 20)) >> 30) + " GiB)";
  ARB_CUDA_RETURN(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
  ctx_.stream = stream_;
  ARB_RETURN_IF_ERROR(prepare_attention_prefill(c.head_dim));
  ARB_RETURN_IF_ERROR(upload_weights(model, options.on_progress));
  ARB_RETURN_IF_ERROR(alloc_state());
  // Capture the decode graphs of the usual batch sizes now, not in the first steps.
  for (int n = 1; n <= std::min(n_slots_, 8); n++) decode_graph(n);
  return Status::Ok();
}

Status CudaBackend::upload_weights(const LlamaModel& model, const std::function<void(float)>& on_progress) {
  const LlamaWeights& w = model.weights;
  // Progress counts the bytes of the GGUF tensors uploaded so far.
  double total = static_cast<double>(w.tok_embd.n_bytes) + (w.tied_output ? 0.0 : static_cast<double>(w.output.n_bytes));
  for (const LayerWeights& L : w.layers) {
    for (const TensorView* t : {&L.wq, &L.wk, &L.wv, &L.wo, &L.w_gate, &L.w_up, &L.w_down}) total += static_cast<double>(t->n_bytes);
  }
  double done = 0.0;
  auto upload = [&](std::vector<const TensorView*> parts, bool interleave, DevMatrix* out) -> Status {
    ARB_RETURN_IF_ERROR(upload_matrix(parts, interleave, mem_, out));
    for (const TensorView* t : parts) done += static_cast<double>(t->n_bytes);
    if (on_progress) on_progress(static_cast<float>(std::min(1.0, done / std::max(total, 1.0))));
    return Status::Ok();
  };
  ARB_RETURN_IF_ERROR(upload({&w.tok_embd}, false, &tok_embd_));
  if (w.tied_output) {
    output_ = tok_embd_;
  } else {
    ARB_RETURN_IF_ERROR(upload({&w.output}, false, &output_));
  }
  ARB_RETURN_IF_ERROR(upload_f32(w.output_norm, mem_, &output_norm_));
  final_forms_ = act_form_for_decode(output_.type);
  layers_.resize(w.layers.size());
  for (size_t l = 0; l < w.layers.size(); l++) {
    const LayerWeights& src = w.layers[l];
    LayerDev& L = layers_[l];
    ARB_RETURN_IF_ERROR(upload_f32(src.attn_norm, mem_, &L.attn_norm));
    ARB_RETURN_IF_ERROR(upload_f32(src.ffn_norm, mem_, &L.ffn_norm));
    if (src.wq.type == src.wk.type && src.wq.type == src.wv.type) {
      L.qkv.resize(1);
      ARB_RETURN_IF_ERROR(upload({&src.wq, &src.wk, &src.wv}, false, &L.qkv[0]));
      L.qkv_offset = {0};
    } else {
      L.qkv.resize(3);
      ARB_RETURN_IF_ERROR(upload({&src.wq}, false, &L.qkv[0]));
      ARB_RETURN_IF_ERROR(upload({&src.wk}, false, &L.qkv[1]));
      ARB_RETURN_IF_ERROR(upload({&src.wv}, false, &L.qkv[2]));
      L.qkv_offset = {0, L.qkv[0].rows, L.qkv[0].rows + L.qkv[1].rows};
    }
    for (const DevMatrix& m : L.qkv) {
      attn_in_forms_ |= act_form_for_decode(m.type);
      attn_in_pf_ |= act_form_for_prefill(m.type);
    }
    ARB_RETURN_IF_ERROR(upload({&src.wo}, false, &L.wo));
    attn_out_forms_ |= act_form_for_decode(L.wo.type);
    attn_out_pf_ |= act_form_for_prefill(L.wo.type);
    L.gate_up_fused = src.w_gate.type == src.w_up.type;
    if (L.gate_up_fused) {
      ARB_RETURN_IF_ERROR(upload({&src.w_gate, &src.w_up}, true, &L.gate_up));
      ffn_in_forms_ |= act_form_for_decode(L.gate_up.type);
      ffn_in_pf_ |= act_form_for_prefill(L.gate_up.type);
    } else {
      ARB_RETURN_IF_ERROR(upload({&src.w_gate}, false, &L.gate));
      ARB_RETURN_IF_ERROR(upload({&src.w_up}, false, &L.up));
      ffn_in_forms_ |= act_form_for_decode(L.gate.type) | act_form_for_decode(L.up.type);
      ffn_in_pf_ |= act_form_for_prefill(L.gate.type) | act_form_for_prefill(L.up.type);
    }
    ARB_RETURN_IF_ERROR(upload({&src.w_down}, false, &L.down));
    h_forms_ |= act_form_for_decode(L.down.type);
    h_pf_ |= act_form_for_prefill(L.down.type);
  }
  // A site's norm/quantization is folded into its decode consumers when all of them are
  // version-2 products (which make the q8 form themselves).
  auto v2 = [&](MatvecSite site, const DevMatrix& m) {
    return impl_for(site, m.type) != MatvecImpl::V1 && matvec2_supports(m.type, m.cols);
  };
  fuse_attn_in_ = fuse_ffn_in_ = fuse_h_ = !layers_.empty();
  for (const LayerDev& L : layers_) {
    for (const DevMatrix& m : L.qkv) fuse_attn_in_ &= v2(MatvecSite::Qkv, m);
    fuse_ffn_in_ &= L.gate_up_fused ? v2(MatvecSite::GateUp, L.gate_up)
                                    : (v2(MatvecSite::GateUp, L.gate) && v2(MatvecSite::GateUp, L.up));
    fuse_h_ &= v2(MatvecSite::Down, L.down);
  }
  fuse_final_ = v2(MatvecSite::Output, output_);
  // Norm tails: the product before the norm is a quantized matvec (either version), and every
  // decode consumer of the norm reads Block32 q8 (nothing else to write).
  auto quantized = [](const DevMatrix& m) { return act_quant_for(m.type) != ActQuant::None; };
  tail_ffn_ = tail_attn_ = norm_tail_ && !layers_.empty() && cfg_.n_embd % 32 == 0;
  for (const LayerDev& L : layers_) {
    tail_ffn_ &= quantized(L.wo);
    tail_attn_ &= quantized(L.down);
  }
  tail_final_ = tail_attn_ && final_forms_ == kQ32;
  tail_ffn_ &= ffn_in_forms_ == kQ32;
  tail_attn_ &= attn_in_forms_ == kQ32;
  return Status::Ok();
}

Status CudaBackend::alloc_state() {
  const LlamaConfig& c = cfg_;
  const int64_t n_q = static_cast<int64_t>(c.n_head) * c.head_dim;
  const int64_t n_kv = static_cast<int64_t>(c.n_head_kv) * c.head_dim;

  slot_stride_ = c.n_head_kv * n_ctx_ * c.head_dim;
  layer_stride_ = slot_stride_ * n_slots_;
  const size_t cache_elems = static_cast<size_t>(layer_stride_) * c.n_layer;
  ARB_RETURN_IF_ERROR(mem_.alloc_array(cache_elems, &k_cache_, "the K cache"));
  ARB_RETURN_IF_ERROR(mem_.alloc_array(cache_elems, &v_cache_, "the V cache"));

  // (cos, sin) of pos * freq_base^(-2i / rope_dim), computed once in double.
  const int half_rope = std::max(1, c.rope_dim / 2);
  std::vector<float2> cs(static_cast<size_t>(n_ctx_) * half_rope);
  for (int64_t p = 0; p < n_ctx_; p++) {
    for (int i = 0; i < c.rope_dim / 2; i++) {
      const double theta = static_cast<double>(p) *
                           std::pow(static_cast<double>(c.rope_freq_base), -2.0 * i / c.rope_dim);
      cs[static_cast<size_t>(p * half_rope + i)] = make_float2(static_cast<float>(std::cos(theta)),
                                                               static_cast<float>(std::sin(theta)));
    }
  }
  ARB_RETURN_IF_ERROR(mem_.alloc_array(cs.size(), &rope_cs_, "the RoPE table"));
  ARB_CUDA_RETURN(cudaMemcpy(rope_cs_, cs.data(), cs.size() * sizeof(float2), cudaMemcpyHostToDevice));

  x_ld_ = round_up(c.n_embd, 256);
  qkv_ld_ = round_up(n_q + 2 * n_kv, 256);
  q_ld_ = round_up(n_q, 256);
  gu_ld_ = round_up(c.n_ff, 256);
  ARB_RETURN_IF_ERROR(mem_.alloc_array(static_cast<size_t>(x_ld_) * kPassRows, &x_, "activations"));
  ARB_RETURN_IF_ERROR(mem_.alloc_array(static_cast<size_t>(qkv_ld_) * kPassRows, &qkv_, "activations"));
  ARB_RETURN_IF_ERROR(mem_.alloc_array(static_cast<size_t>(q_ld_) * kPassRows, &q_, "activations"));
  bool any_unfused = false;
  for (const LayerDev& L : layers_) any_unfused |= !L.gate_up_fused;
  if (any_unfused) {
    ARB_RETURN_IF_ERROR(mem_.alloc_array(static_cast<size_t>(gu_ld_) * kPassRows, &g_, "activations"));
    ARB_RETURN_IF_ERROR(mem_.alloc_array(static_cast<size_t>(gu_ld_) * kPassRows, &u_, "activations"));
  }
  ARB_RETURN_IF_ERROR(alloc_act(mem_, c.n_embd, kPassRows, attn_in_forms_ | attn_in_pf_, "activations", &attn_in_));
  ARB_RETURN_IF_ERROR(alloc_act(mem_, n_q, kPassRows, attn_out_forms_ | attn_out_pf_ | kF32, "activations", &attn_out_));
  ARB_RETURN_IF_ERROR(alloc_act(mem_, c.n_embd, kPassRows, ffn_in_forms_ | ffn_in_pf_, "activations", &ffn_in_));
  ARB_RETURN_IF_ERROR(alloc_act(mem_, c.n_ff, kPassRows, h_forms_ | h_pf_ | kF32, "activations", &h_));
  ARB_RETURN_IF_ERROR(alloc_act(mem_, c.n_embd, kDecodeRows, final_forms_, "activations", &final_));
  ARB_RETURN_IF_ERROR(mem_.alloc_array(static_cast<size_t>(x_ld_) * kDecodeRows, &xg_, "activations"));
  ARB_RETURN_IF_ERROR(mem_.alloc_array(static_cast<size_t>(c.n_vocab) * kDecodeRows, &logits_dev_, "logits"));
  ARB_RETURN_IF_ERROR(mem_.alloc_array(4 * kPassRows, &rows_dev_, "step rows"));
  ARB_RETURN_IF_ERROR(mem_.alloc_array(kDecodeRows, &gather_dev_, "step rows"));
  ARB_RETURN_IF_ERROR(mem_.alloc_array(kPassRows, &tiles_dev_, "step rows"));
  attn_scratch_.max_splits = attention_max_splits(n_ctx_);
  ARB_RETURN_IF_ERROR(mem_.alloc_array(static_cast<size_t>(kDecodeRows) * c.n_head * attn_scratch_.max_splits *
                                           (c.head_dim + 2),
                                       &attn_scratch_.partial, "attention scratch"));
  ARB_RETURN_IF_ERROR(mem_.alloc_array(static_cast<size_t>(kDecodeRows) * c.n_head, &attn_scratch_.counters,
                                       "attention scratch"));
  ARB_RETURN_IF_ERROR(mem_.alloc_array(1, &tail_counter_, "norm tail counter"));

  ARB_CUDA_RETURN(cudaMallocHost(&rows_host_, sizeof(int32_t) * 4 * kPassRows));
  ARB_CUDA_RETURN(cudaMallocHost(&gather_host_, sizeof(int32_t) * kDecodeRows));
  ARB_CUDA_RETURN(cudaMallocHost(&tiles_host_, sizeof(PrefillTile) * kPassRows));
  ARB_CUDA_RETURN(cudaMallocHost(&logits_host_, sizeof(float) * c.n_vocab * kDecodeRows));
  return Status::Ok();
}

RopeKvArgs CudaBackend::rope_args(int layer) const {
  RopeKvArgs a;
  a.cs = rope_cs_;
  a.head_dim = cfg_.head_dim;
  a.rope_dim = cfg_.rope_dim;
  a.n_q = cfg_.n_head * cfg_.head_dim;
  a.n_kv = cfg_.n_head_kv * cfg_.head_dim;
  a.k_cache = k_cache_ + layer * layer_stride_;
  a.v_cache = v_cache_ + layer * layer_stride_;
  a.slot_stride = slot_stride_;
  a.n_ctx = n_ctx_;
  a.pos = rows_dev_ + kPassRows;
  a.slot = rows_dev_ + 2 * kPassRows;
  a.q = q_;
  a.q_ld = q_ld_;
  return a;
}

AttentionArgs CudaBackend::attn_args(int layer) const {
  AttentionArgs a;
  a.q = q_;
  a.q_ld = q_ld_;
  a.k_cache = k_cache_ + layer * layer_stride_;
  a.v_cache = v_cache_ + layer * layer_stride_;
  a.slot_stride = slot_stride_;
  a.n_ctx = n_ctx_;
  a.n_head = cfg_.n_head;
  a.n_kv_head = cfg_.n_head_kv;
  a.head_dim = cfg_.head_dim;
  a.impl = attn_impl_;
  return a;
}

Status CudaBackend::upload_rows(const std::vector<RowSpec>& rows) {
  for (size_t i = 0; i < rows.size(); i++) {
    rows_host_[i] = rows[i].token;
    rows_host_[kPassRows + i] = rows[i].pos;
    rows_host_[2 * kPassRows + i] = rows[i].slot;
    rows_host_[3 * kPassRows + i] = rows[i].stable;
  }
  ARB_CUDA_RETURN(cudaMemcpyAsync(rows_dev_, rows_host_, sizeof(int32_t) * 4 * kPassRows,
                                  cudaMemcpyHostToDevice, stream_));
  return Status::Ok();
}

// The decode pass for n rows (already uploaded): embedding, every layer with matrix-vector
// products, final norm and the output projection of all n rows into logits_dev_. With at most
// fuse_max_rows_ rows, the products whose site allows it make their q8 input themselves from
// the fp32 rows (RMSNorm + quantization, or quantization of the SwiGLU output).
Status CudaBackend::record_decode(int n) {
  const LlamaConfig& c = cfg_;
  const int32_t* tokens = rows_dev_;
  const bool fuse = n <= fuse_max_rows_;
  const int32_t* stable = rows_dev_ + 3 * kPassRows;
  auto mv_args = [&](MatvecSite site, const DevMatrix& w, const ActBuf& a, Epilogue epi, float* y, int64_t y_ld) {
    MatvecArgs mv;
    mv.w = w;
    mv.nvec = n;
    mv.a = &a;
    mv.epi = epi;
    mv.y = y;
    mv.y_ld = y_ld;
    mv.impl = impl_for(site, w.type);
    mv.mv2 = mv2_;
    mv.site = site;
    return mv;
  };
  // The norm after a residual product, as that product's tail.
  auto tail = [&](MatvecArgs& mv, const float* norm_w, const ActBuf& out) {
    mv.tail.counter = tail_counter_;
    mv.tail.w = norm_w;
    mv.tail.eps = c.rms_eps;
    mv.tail.out = &out;
  };
  auto fused_norm = [&](MatvecArgs& mv, const float* norm_w) {
    mv.input = MatvecInput::RmsNorm;
    mv.x = x_;
    mv.x_ld = x_ld_;
    mv.norm_w = norm_w;
    mv.eps = c.rms_eps;
  };
  ARB_RETURN_IF_ERROR(launch_embed(tok_embd_, tokens, n, x_, x_ld_, ctx_));
  for (int l = 0; l < c.n_layer; l++) {
    const LayerDev& L = layers_[static_cast<size_t>(l)];
    const bool fuse_in = fuse && fuse_attn_in_;
    const bool attn_in_ready = l > 0 && tail_attn_ && !fuse_in;  // the previous down's tail wrote attn_in_
    if (!fuse_in && !attn_in_ready) {
      ARB_RETURN_IF_ERROR(launch_norm_quant(x_, x_ld_, L.attn_norm, c.rms_eps, n, attn_in_, attn_in_forms_, ctx_));
    }
    const RopeKvArgs rk = rope_args(l);
    for (size_t p = 0; p < L.qkv.size(); p++) {
      MatvecArgs mv = mv_args(MatvecSite::Qkv, L.qkv[p], attn_in_, Epilogue::Store, qkv_ + L.qkv_offset[p], qkv_ld_);
      if (fused_rope_) {
        mv.epi = Epilogue::RopeKv;
        mv.row_offset = L.qkv_offset[p];
        mv.rk = rk;
      }
      if (fuse_in) fused_norm(mv, L.attn_norm);
      ARB_RETURN_IF_ERROR(launch_matvec(mv, ctx_));
    }
    if (!fused_rope_) ARB_RETURN_IF_ERROR(launch_rope_store(qkv_, qkv_ld_, n, rk, ctx_));
    // The attention kernel quantizes its own output (Block32) when heads hold whole blocks.
    const unsigned fused = c.head_dim % 32 == 0 ? (attn_out_forms_ & kQ32) : 0u;
    ARB_RETURN_IF_ERROR(launch_attention_decode(attn_args(l), rk.pos, rk.slot, stable, n, attn_scratch_, attn_out_,
                                                kF32 | fused, ctx_));
    if (quant_forms(attn_out_forms_) & ~fused) {
      ARB_RETURN_IF_ERROR(launch_norm_quant(attn_out_.f32, attn_out_.ld, nullptr, 0.0f, n, attn_out_,
                                            quant_forms(attn_out_forms_) & ~fused, ctx_));
    }
    const bool fuse_ffn = fuse && fuse_ffn_in_;
    MatvecArgs wo = mv_args(MatvecSite::Wo, L.wo, attn_out_, Epilogue::Add, x_, x_ld_);
    if (tail_ffn_ && !fuse_ffn) tail(wo, L.ffn_norm, ffn_in_);
    ARB_RETURN_IF_ERROR(launch_matvec(wo, ctx_));
    if (!fuse_ffn && !(tail_ffn_)) {
      ARB_RETURN_IF_ERROR(launch_norm_quant(x_, x_ld_, L.ffn_norm, c.rms_eps, n, ffn_in_, ffn_in_forms_, ctx_));
    }
    if (L.gate_up_fused) {
      MatvecArgs gu = mv_args(MatvecSite::GateUp, L.gate_up, ffn_in_, Epilogue::SwiGlu, h_.f32, h_.ld);
      if (fuse_ffn) fused_norm(gu, L.ffn_norm);
      ARB_RETURN_IF_ERROR(launch_matvec(gu, ctx_));
    } else {
      for (int which = 0; which < 2; which++) {
        MatvecArgs mv = mv_args(MatvecSite::GateUp, which == 0 ? L.gate : L.up, ffn_in_, Epilogue::Store, which == 0 ? g_ : u_, gu_ld_);
        if (fuse_ffn) fused_norm(mv, L.ffn_norm);
        ARB_RETURN_IF_ERROR(launch_matvec(mv, ctx_));
      }
      ARB_RETURN_IF_ERROR(launch_swiglu(g_, u_, gu_ld_, n, h_, kF32, ctx_));
    }
    const bool fuse_h = fuse && fuse_h_;
    if (quant_forms(h_forms_) && !fuse_h) {
      ARB_RETURN_IF_ERROR(launch_norm_quant(h_.f32, h_.ld, nullptr, 0.0f, n, h_, quant_forms(h_forms_), ctx_));
    }
    MatvecArgs down = mv_args(MatvecSite::Down, L.down, h_, Epilogue::Add, x_, x_ld_);
    if (fuse_h) {
      down.input = MatvecInput::Quantize;
      down.x = h_.f32;
      down.x_ld = h_.ld;
    }
    const bool last = l + 1 == c.n_layer;
    if (!last && tail_attn_ && !(fuse && fuse_attn_in_)) tail(down, layers_[static_cast<size_t>(l) + 1].attn_norm, attn_in_);
    if (last && tail_final_ && !(fuse && fuse_final_)) tail(down, output_norm_, final_);
    ARB_RETURN_IF_ERROR(launch_matvec(down, ctx_));
  }
  MatvecArgs out = mv_args(MatvecSite::Output, output_, final_, Epilogue::Store, logits_dev_, c.n_vocab);
  if (fuse && fuse_final_) {
    fused_norm(out, output_norm_);
  } else if (!tail_final_) {
    ARB_RETURN_IF_ERROR(launch_norm_quant(x_, x_ld_, output_norm_, c.rms_eps, n, final_, final_forms_, ctx_));
  }
  return launch_matvec(out, ctx_);
}

// The decode graph for n rows: captured on first use (or at creation for small batches). If
// capture or instantiation fails (an old driver, a launch attribute a graph cannot hold), the
// first failure retries without programmatic dependent launch, then graphs are off for good.
cudaGraphExec_t CudaBackend::decode_graph(int n) {
  if (!use_graphs_) return nullptr;
  auto it = graphs_.find(n);
  if (it != graphs_.end()) return it->second;
  cudaGraphExec_t exec = capture_decode(n);
  if (exec == nullptr && ctx_.pdl && graphs_.empty()) {
    ctx_.pdl = false;
    exec = capture_decode(n);
  }
  if (exec == nullptr) {
    use_graphs_ = false;
    return nullptr;
  }
  graphs_.emplace(n, exec);
  return exec;
}

cudaGraphExec_t CudaBackend::capture_decode(int n) {
  cudaGraph_t graph = nullptr;
  cudaGraphExec_t exec = nullptr;
  Status st;
  cudaError_t err = cudaStreamBeginCapture(stream_, cudaStreamCaptureModeThreadLocal);
  if (err == cudaSuccess) {
    st = record_decode(n);
    err = cudaStreamEndCapture(stream_, &graph);
    if (st.ok() && err == cudaSuccess) err = cudaGraphInstantiate(&exec, graph, 0);
    if (graph) cudaGraphDestroy(graph);
  }
  if (!st.ok() || err != cudaSuccess) {
    cudaGetLastError();
    if (exec) cudaGraphExecDestroy(exec);
    return nullptr;
  }
  return exec;
}

Status CudaBackend::run_decode_pass(const std::vector<RowSpec>& rows, float* logits) {
  const int n = static_cast<int>(rows.size());
  ARB_RETURN_IF_ERROR(upload_rows(rows));
  if (cudaGraphExec_t graph = decode_graph(n)) {
    ARB_CUDA_RETURN(cudaGraphLaunch(graph, stream_));
  } else {
    ARB_RETURN_IF_ERROR(record_decode(n));
  }
  ARB_CUDA_RETURN(cudaMemcpyAsync(logits_host_, logits_dev_, sizeof(float) * cfg_.n_vocab * n,
                                  cudaMemcpyDeviceToHost, stream_));
  ARB_CUDA_RETURN(cudaStreamSynchronize(stream_));
  for (int i = 0; i < n; i++) {
    if (rows[static_cast<size_t>(i)].logits_row < 0) continue;
    std::memcpy(logits + rows[static_cast<size_t>(i)].logits_row * cfg_.n_vocab,
                logits_host_ + static_cast<int64_t>(i) * cfg_.n_vocab, sizeof(float) * cfg_.n_vocab);
  }
  return Status::Ok();
}

// Output projection of the rows of x_ that need logits, kDecodeRows at a time, always through
// the matrix-vector path so that logits of a token never depend on how it was batched.
Status CudaBackend::logits_for_rows(const std::vector<RowSpec>& rows, float* logits) {
  std::vector<int> need;
  for (size_t i = 0; i < rows.size(); i++) {
    if (rows[i].logits_row >= 0) need.push_back(static_cast<int>(i));
  }
  for (size_t b = 0; b < need.size(); b += kDecodeRows) {
    const int n = static_cast<int>(std::min<size_t>(kDecodeRows, need.size() - b));
    for (int i = 0; i < n; i++) gather_host_[i] = need[b + static_cast<size_t>(i)];
    ARB_CUDA_RETURN(cudaMemcpyAsync(gather_dev_, gather_host_, sizeof(int32_t) * n, cudaMemcpyHostToDevice, stream_));
    ARB_RETURN_IF_ERROR(launch_gather_rows(x_, x_ld_, gather_dev_, n, cfg_.n_embd, xg_, x_ld_, ctx_));
    ARB_RETURN_IF_ERROR(launch_norm_quant(xg_, x_ld_, output_norm_, cfg_.rms_eps, n, final_, final_forms_, ctx_));
    MatvecArgs out;
    out.w = output_;
    out.nvec = n;
    out.a = &final_;
    out.epi = Epilogue::Store;
    out.y = logits_dev_;
    out.y_ld = cfg_.n_vocab;
    out.impl = impl_for(MatvecSite::Output, output_.type);
    out.mv2 = mv2_;
    out.site = MatvecSite::Output;
    ARB_RETURN_IF_ERROR(launch_matvec(out, ctx_));
    ARB_CUDA_RETURN(cudaMemcpyAsync(logits_host_, logits_dev_, sizeof(float) * cfg_.n_vocab * n,
                                    cudaMemcpyDeviceToHost, stream_));
    ARB_CUDA_RETURN(cudaStreamSynchronize(stream_));
    for (int i = 0; i < n; i++) {
      const RowSpec& r = rows[static_cast<size_t>(need[b + static_cast<size_t>(i)])];
      std::memcpy(logits + r.logits_row * cfg_.n_vocab, logits_host_ + static_cast<int64_t>(i) * cfg_.n_vocab,
                  sizeof(float) * cfg_.n_vocab);
    }
  }
  return Status::Ok();
}

Status CudaBackend::run_prefill_pass(const std::vector<RowSpec>& rows, const std::vector<Piece>& pieces,
                                     const std::vector<int>& piece_row0,
                                     const std::vector<StepSequence>& step, float* logits) {
  const LlamaConfig& c = cfg_;
  const int n = static_cast<int>(rows.size());
  ARB_RETURN_IF_ERROR(upload_rows(rows));
  int n_tiles = 0;
  for (size_t i = 0; i < pieces.size(); i++) {
    const Piece& p = pieces[i];
    const StepSequence& s = step[static_cast<size_t>(p.seq)];
    for (int t = 0; t < p.len; t += 8) {
      tiles_host_[n_tiles++] = PrefillTile{piece_row0[i] + t, std::min(8, p.len - t), s.slot, s.n_past + p.start + t};
    }
  }
  ARB_CUDA_RETURN(cudaMemcpyAsync(tiles_dev_, tiles_host_, sizeof(PrefillTile) * n_tiles, cudaMemcpyHostToDevice, stream_));

  ARB_RETURN_IF_ERROR(launch_embed(tok_embd_, rows_dev_, n, x_, x_ld_, ctx_));
  auto matmul = [&](const DevMatrix& w, const ActBuf& a, Epilogue epi, float* out, int64_t ld, int64_t col_offset) {
    MatmulArgs mm;
    mm.w = w;
    mm.m = n;
    mm.a = &a;
    mm.epi = epi;
    mm.c = out;
    mm.ldc = ld;
    mm.col_offset = col_offset;
    return launch_matmul(mm, ctx_);
  };
  for (int l = 0; l < c.n_layer; l++) {
    const LayerDev& L = layers_[static_cast<size_t>(l)];
    ARB_RETURN_IF_ERROR(launch_norm_quant(x_, x_ld_, L.attn_norm, c.rms_eps, n, attn_in_, attn_in_pf_, ctx_));
    for (size_t p = 0; p < L.qkv.size(); p++) {
      ARB_RETURN_IF_ERROR(matmul(L.qkv[p], attn_in_, Epilogue::Store, qkv_, qkv_ld_, L.qkv_offset[p]));
    }
    const RopeKvArgs rk = rope_args(l);
    ARB_RETURN_IF_ERROR(launch_rope_store(qkv_, qkv_ld_, n, rk, ctx_));
    ARB_RETURN_IF_ERROR(launch_attention_prefill(attn_args(l), tiles_dev_, n_tiles, attn_out_.f32, attn_out_.ld, ctx_));
    ARB_RETURN_IF_ERROR(launch_norm_quant(attn_out_.f32, attn_out_.ld, nullptr, 0.0f, n, attn_out_, attn_out_pf_, ctx_));
    ARB_RETURN_IF_ERROR(matmul(L.wo, attn_out_, Epilogue::Add, x_, x_ld_, 0));
    ARB_RETURN_IF_ERROR(launch_norm_quant(x_, x_ld_, L.ffn_norm, c.rms_eps, n, ffn_in_, ffn_in_pf_, ctx_));
    if (L.gate_up_fused) {
      ARB_RETURN_IF_ERROR(matmul(L.gate_up, ffn_in_, Epilogue::SwiGlu, h_.f32, h_.ld, 0));
    } else {
      ARB_RETURN_IF_ERROR(matmul(L.gate, ffn_in_, Epilogue::Store, g_, gu_ld_, 0));
      ARB_RETURN_IF_ERROR(matmul(L.up, ffn_in_, Epilogue::Store, u_, gu_ld_, 0));
      ARB_RETURN_IF_ERROR(launch_swiglu(g_, u_, gu_ld_, n, h_, kF32, ctx_));
    }
    ARB_RETURN_IF_ERROR(launch_norm_quant(h_.f32, h_.ld, nullptr, 0.0f, n, h_, h_pf_, ctx_));
    ARB_RETURN_IF_ERROR(matmul(L.down, h_, Epilogue::Add, x_, x_ld_, 0));
  }
  ARB_RETURN_IF_ERROR(logits_for_rows(rows, logits));
  // The pinned row and tile buffers are rewritten by the next pass: wait for their copies.
  ARB_CUDA_RETURN(cudaStreamSynchronize(stream_));
  return Status::Ok();
}

Status CudaBackend::forward(const std::vector<StepSequence>& step, float* logits) {
  ARB_CUDA_RETURN(cudaSetDevice(device_));
  const LlamaConfig& c = cfg_;
  // Validate everything before touching the device: a bad step changes no cache.
  std::vector<int64_t> first_logit(step.size());
  std::vector<char> slot_used(static_cast<size_t>(n_slots_), 0);
  int64_t n_logit_rows = 0;
  for (size_t i = 0; i < step.size(); i++) {
    const StepSequence& s = step[i];
    if (s.slot < 0 || s.slot >= n_slots_) {
      return Status::Error(StatusCode::InvalidArgument, "slot " + std::to_string(s.slot) + " is out of range");
    }
    if (slot_used[static_cast<size_t>(s.slot)]) {
      return Status::Error(StatusCode::InvalidArgument, "slot " + std::to_string(s.slot) + " appears twice in one step");
    }
    slot_used[static_cast<size_t>(s.slot)] = 1;
    if (s.n_tokens < 1 || s.tokens == nullptr || s.n_past < 0) {
      return Status::Error(StatusCode::InvalidArgument, "a step sequence has no tokens or a negative position");
    }
    if (static_cast<int64_t>(s.n_past) + s.n_tokens > n_ctx_) {
      return Status::Error(StatusCode::ContextOverflow,
                           "positions " + std::to_string(s.n_past) + " + " + std::to_string(s.n_tokens) +
                               " exceed the context of " + std::to_string(n_ctx_));
    }
    for (int t = 0; t < s.n_tokens; t++) {
      if (s.tokens[t] < 0 || s.tokens[t] >= c.n_vocab) {
        return Status::Error(StatusCode::InvalidArgument, "token id " + std::to_string(s.tokens[t]) + " is out of range");
      }
    }
    first_logit[i] = n_logit_rows;
    n_logit_rows += s.all_logits ? s.n_tokens : 1;
  }
  if (n_logit_rows > 0 && logits == nullptr) {
    return Status::Error(StatusCode::InvalidArgument, "forward: logits buffer is null");
  }

  auto row_of = [&](int seq, int t) {
    const StepSequence& s = step[static_cast<size_t>(seq)];
    int64_t dest = -1;
    if (s.all_logits) dest = first_logit[static_cast<size_t>(seq)] + t;
    else if (t == s.n_tokens - 1) dest = first_logit[static_cast<size_t>(seq)];
    return RowSpec{s.tokens[t], s.n_past + t, s.slot, 0, dest};
  };


  // Pieces of kPassRows tokens; long pieces (prefill) in order of their index within the
  // sequence, packed into passes; the short tail pieces after them in one decode path.
  std::vector<std::vector<Piece>> long_pieces;  // [piece index] -> pieces
  std::vector<Piece> short_pieces;
  for (size_t i = 0; i < step.size(); i++) {
    const int n = step[i].n_tokens;
    int k = 0;
    for (int start = 0; start < n; start += kPassRows, k++) {
      const Piece p{static_cast<int>(i), start, std::min(kPassRows, n - start)};
      if (p.len > kMatvecMaxTokens) {
        if (long_pieces.size() <= static_cast<size_t>(k)) long_pieces.resize(static_cast<size_t>(k) + 1);
        long_pieces[static_cast<size_t>(k)].push_back(p);
      } else {
        short_pieces.push_back(p);
      }
    }
  }
  for (const std::vector<Piece>& group : long_pieces) {
    std::vector<RowSpec> rows;
    std::vector<Piece> pass;
    std::vector<int> row0;
    auto flush = [&]() -> Status {
      if (rows.empty()) return Status::Ok();
      ARB_RETURN_IF_ERROR(run_prefill_pass(rows, pass, row0, step, logits));
      rows.clear();
      pass.clear();
      row0.clear();
      return Status::Ok();
    };
    for (const Piece& p : group) {
      if (rows.size() + static_cast<size_t>(p.len) > static_cast<size_t>(kPassRows)) ARB_RETURN_IF_ERROR(flush());
      pass.push_back(p);
      row0.push_back(static_cast<int>(rows.size()));
      for (int t = 0; t < p.len; t++) rows.push_back(row_of(p.seq, p.start + t));
    }
    ARB_RETURN_IF_ERROR(flush());
  }
  std::vector<RowSpec> rows;
  for (const Piece& p : short_pieces) {
    for (int t = 0; t < p.len; t++) {
      RowSpec r = row_of(p.seq, p.start + t);
      // Positions before the piece were written by earlier steps or passes (each pass ends
      // with a synchronization), so decode attention may load them before the pass's own writes.
      r.stable = step[static_cast<size_t>(p.seq)].n_past + p.start;
      rows.push_back(r);
      if (rows.size() == static_cast<size_t>(kDecodeRows)) {
        ARB_RETURN_IF_ERROR(run_decode_pass(rows, logits));
        rows.clear();
      }
    }
  }
  if (!rows.empty()) ARB_RETURN_IF_ERROR(run_decode_pass(rows, logits));
  return Status::Ok();
}

Status CudaBackend::copy_prefix(int src_slot, int dst_slot, int n_tokens) {
  if (src_slot < 0 || src_slot >= n_slots_ || dst_slot < 0 || dst_slot >= n_slots_ || n_tokens < 0 ||
      n_tokens > n_ctx_) {
    return Status::Error(StatusCode::InvalidArgument, "copy_prefix: slot or length out of range");
  }
  if (src_slot == dst_slot || n_tokens == 0) return Status::Ok();
  ARB_CUDA_RETURN(cudaSetDevice(device_));
  ARB_RETURN_IF_ERROR(launch_copy_prefix(k_cache_, v_cache_, cfg_.n_layer, layer_stride_, slot_stride_,
                                         cfg_.n_head_kv, n_ctx_, cfg_.head_dim, src_slot, dst_slot,
                                         n_tokens, ctx_));
  ARB_CUDA_RETURN(cudaStreamSynchronize(stream_));
  return Status::Ok();
}

}  // namespace

}  // namespace cuda

bool cuda_compiled() { return true; }

int cuda_device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  int usable = 0;
  for (int i = 0; i < n; i++) {
    int major = 0;
    if (cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, i) == cudaSuccess && major >= 8) usable++;
  }
  cudaGetLastError();
  return usable;
}

Status create_cuda_backend(const LlamaModel& model, const BackendOptions& options,
                           std::unique_ptr<Backend>* out) {
  auto backend = std::make_unique<cuda::CudaBackend>();
  ARB_RETURN_IF_ERROR(backend->init(model, options));
  *out = std::move(backend);
  return Status::Ok();
}

}  // namespace arb
