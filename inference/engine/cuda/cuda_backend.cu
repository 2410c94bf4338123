// The CUDA backend: weights uploaded once, fp16 KV cache for n_slots x n_ctx positions, and
// the llama forward pass of DESIGN.md as a sequence of kernel launches (kernels.h).
//
// A step is split into passes. Token runs of more than 8 tokens ("prefill pieces", at most
// kPassRows tokens each) go through tensor-core matrix products and the tiled attention
// kernel; everything else (decode tokens, short runs) goes through one decode pass of
// matrix-vector kernels that read each weight once per 8 rows, replayed from a CUDA graph
// keyed by the row count. Both passes run the same layer sequence (run_layers). Which path a
// token takes depends only on its own sequence's run length, and no kernel's summation order
// depends on the other rows, so a sequence's results are the same alone or batched.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../quants_ref.h"
#include "../step.h"
#include "device_weights.h"
#include "kernels.h"

namespace arb {

namespace cuda {

namespace {

constexpr int kPassRows = 512;       // activation rows per pass (prefill piece size)
constexpr int kMatvecMaxTokens = 8;  // runs up to this long take the decode path
constexpr int kDecodeRows = 64;      // rows per decode pass (and logits rows per copy)

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

struct LayerDev {
  const float* attn_norm = nullptr;
  const float* ffn_norm = nullptr;
  QkvPrepArgs prep;                     // biases and q/k norms (qwen2, qwen3, gemma3)
  bool needs_prep = false;
  const float* attn_post_norm = nullptr;  // gemma3
  const float* ffn_post_norm = nullptr;
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
  int32_t adapter;     // the row's LoRA adapter, -1: none
};

// Rows uploaded per pass, kPassRows values each: token | pos | slot | stable | adapter.
constexpr int kRowPlanes = 5;

struct Piece {
  int seq, start, len;
};

// Decode rows go through matrix-vector products and split-context attention; prefill rows
// through tensor-core products and tiled attention.
enum class Pass { Decode, Prefill };

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
  Status upload_adapters(const std::vector<const LoraAdapter*>& adapters);
  Status add_lora(int n, int layer, LoraTarget target, const ActBuf& in, float* y, int64_t ldy);
  Status alloc_state();
  Status upload_rows(const std::vector<RowSpec>& rows);
  Status run_prefill_pass(const std::vector<RowSpec>& rows, const std::vector<Piece>& pieces,
                          const std::vector<int>& piece_row0, const std::vector<StepSequence>& step,
                          float* logits);
  Status run_decode_pass(const std::vector<RowSpec>& rows, float* logits);
  Status record_decode(int n);
  Status run_layers(Pass pass, int n, int n_tiles);
  Status project(Pass pass, int n, MatvecSite site, const DevMatrix& w, const ActBuf& in, Epilogue epi, float* out,
                 int64_t ld, int64_t col_offset = 0);
  cudaGraphExec_t decode_graph(int n);    // null: launch directly
  cudaGraphExec_t capture_decode(int n);  // null when capture or instantiation fails
  Status logits_for_rows(const std::vector<RowSpec>& rows, float* logits);
  RopeKvArgs rope_args(int layer) const;
  Status add_block_output(Pass pass, int n, int layer, LoraTarget target, MatvecSite site, const DevMatrix& w,
                          const ActBuf& a, const float* post_norm);
  Status embed(int n);
  AttentionArgs attn_args(int layer) const;

  LlamaConfig cfg_;
  int device_ = 0;
  int n_slots_ = 0;
  int64_t n_ctx_ = 0;
  std::string description_;
  LaunchCtx ctx_;
  bool use_graphs_ = true;  // false once capturing a graph failed on this driver
  bool fused_rope_ = true;  // decode q|k|v products apply RoPE and fill the cache themselves
  DeviceAllocations mem_;

  DevMatrix tok_embd_, output_;
  const float* output_norm_ = nullptr;
  std::vector<LayerDev> layers_;
  // What each activation site's consumers read, per pass (decode: matvec, prefill: matmul).
  struct SiteForms {
    unsigned attn_in = 0, attn_out = 0, ffn_in = 0, h = 0;
  };
  SiteForms decode_forms_, prefill_forms_;
  unsigned final_forms_ = 0;  // the output projection's input (always a matvec)
  const SiteForms& forms(Pass pass) const { return pass == Pass::Decode ? decode_forms_ : prefill_forms_; }

  __half* k_cache_ = nullptr;
  __half* v_cache_ = nullptr;
  int64_t slot_stride_ = 0, layer_stride_ = 0;
  float2* rope_cs_ = nullptr;  // [table][n_ctx][rope_dim / 2]
  int64_t rope_table_stride_ = 0;

  float* x_ = nullptr;     // residual stream [kPassRows][x_ld_]
  int64_t x_ld_ = 0;
  float* qkv_ = nullptr;   // [kPassRows][qkv_ld_]
  int64_t qkv_ld_ = 0;
  float* q_ = nullptr;     // [kPassRows][q_ld_]
  int64_t q_ld_ = 0;
  float* post_ = nullptr;  // a block's output before its post-norm (gemma3) [kPassRows][x_ld_]
  float* g_ = nullptr;     // unfused gate/up outputs [kPassRows][gu_ld_]
  float* u_ = nullptr;
  int64_t gu_ld_ = 0;
  ActBuf attn_in_, attn_out_, ffn_in_, h_, final_;
  float* xg_ = nullptr;    // gathered rows for the output projection [kDecodeRows][x_ld_]
  float* logits_dev_ = nullptr;  // [kDecodeRows][n_vocab]
  int32_t* rows_dev_ = nullptr;  // kRowPlanes planes of kPassRows values (RowSpec)
  int32_t* gather_dev_ = nullptr;
  PrefillTile* tiles_dev_ = nullptr;
  DecodeAttnScratch attn_scratch_;

  cudaStream_t stream_ = nullptr;
  int32_t* rows_host_ = nullptr;  // pinned
  int32_t* gather_host_ = nullptr;
  PrefillTile* tiles_host_ = nullptr;
  float* logits_host_ = nullptr;
  std::map<int, cudaGraphExec_t> graphs_;

  // LoRA: the adapters' pairs, [adapter][layer][target] (lora_stride_ per adapter), fp32 on the
  // device. With adapters loaded the passes take the unfused q|k|v and gate/up paths, so that
  // every product's output is stored before its low-rank part is added.
  LoraDevPair* lora_pairs_ = nullptr;
  int64_t lora_stride_ = 0;
  int n_adapters_ = 0;
  bool has_lora_ = false;
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
  // The fused epilogue rotates adjacent pairs of plain products; NeoX pairs, biases and q/k norms
  // go through the q|k|v buffer (launch_qkv_prep, launch_rope_store).
  has_lora_ = !options.adapters.empty();
  fused_rope_ = c.head_dim % 2 == 0 && c.rope_style == RopeStyle::Adjacent && !has_lora_;
  // Programmatic dependent launch (sm_90+): a kernel's weight loads overlap its predecessor's end.
  ctx_.pdl = prop.major >= 9;
  description_ = std::string(prop.name) + " (sm_" + std::to_string(prop.major) + std::to_string(prop.minor) +
                 ", " + std::to_string(prop.multiProcessorCount) + " SMs, " +
                 std::to_string((prop.totalGlobalMem + (512u << 20)) >> 30) + " GiB)";
  ARB_CUDA_RETURN(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
  ctx_.stream = stream_;
  ARB_RETURN_IF_ERROR(prepare_attention_prefill(c.head_dim));
  ARB_RETURN_IF_ERROR(upload_weights(model, options.on_progress));
  ARB_RETURN_IF_ERROR(upload_adapters(options.adapters));
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
    auto optional = [&](const TensorView& t, const float** out) {
      return t.present() ? upload_f32(t, mem_, out) : Status::Ok();
    };
    ARB_RETURN_IF_ERROR(optional(src.bq, &L.prep.bq));
    ARB_RETURN_IF_ERROR(optional(src.bk, &L.prep.bk));
    ARB_RETURN_IF_ERROR(optional(src.bv, &L.prep.bv));
    ARB_RETURN_IF_ERROR(optional(src.attn_q_norm, &L.prep.q_norm));
    ARB_RETURN_IF_ERROR(optional(src.attn_k_norm, &L.prep.k_norm));
    ARB_RETURN_IF_ERROR(optional(src.attn_post_norm, &L.attn_post_norm));
    ARB_RETURN_IF_ERROR(optional(src.ffn_post_norm, &L.ffn_post_norm));
    L.prep.eps = cfg_.rms_eps;
    L.prep.n_head = cfg_.n_head;
    L.prep.n_head_kv = cfg_.n_head_kv;
    L.prep.head_dim = cfg_.head_dim;
    L.needs_prep = L.prep.bq || L.prep.bk || L.prep.bv || L.prep.q_norm;
    if (L.needs_prep) fused_rope_ = false;
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
      decode_forms_.attn_in |= act_form_for_decode(m.type);
      prefill_forms_.attn_in |= act_form_for_prefill(m.type);
    }
    ARB_RETURN_IF_ERROR(upload({&src.wo}, false, &L.wo));
    decode_forms_.attn_out |= act_form_for_decode(L.wo.type);
    prefill_forms_.attn_out |= act_form_for_prefill(L.wo.type);
    // The fused epilogue is SwiGLU; GeGLU takes the unfused path.
    L.gate_up_fused = src.w_gate.type == src.w_up.type && cfg_.ffn_act == FfnActivation::Silu && !has_lora_;
    if (L.gate_up_fused) {
      ARB_RETURN_IF_ERROR(upload({&src.w_gate, &src.w_up}, true, &L.gate_up));
      decode_forms_.ffn_in |= act_form_for_decode(L.gate_up.type);
      prefill_forms_.ffn_in |= act_form_for_prefill(L.gate_up.type);
    } else {
      ARB_RETURN_IF_ERROR(upload({&src.w_gate}, false, &L.gate));
      ARB_RETURN_IF_ERROR(upload({&src.w_up}, false, &L.up));
      decode_forms_.ffn_in |= act_form_for_decode(L.gate.type) | act_form_for_decode(L.up.type);
      prefill_forms_.ffn_in |= act_form_for_prefill(L.gate.type) | act_form_for_prefill(L.up.type);
    }
    ARB_RETURN_IF_ERROR(upload({&src.w_down}, false, &L.down));
    decode_forms_.h |= act_form_for_decode(L.down.type);
    prefill_forms_.h |= act_form_for_prefill(L.down.type);
  }
  if (has_lora_) {  // the low-rank products read the projections' inputs in fp32
    for (SiteForms* f : {&decode_forms_, &prefill_forms_}) {
      f->attn_in |= kF32;
      f->ffn_in |= kF32;
    }
  }
  return Status::Ok();
}

Status CudaBackend::upload_adapters(const std::vector<const LoraAdapter*>& adapters) {
  if (adapters.empty()) return Status::Ok();
  lora_stride_ = static_cast<int64_t>(cfg_.n_layer) * kLoraTargets;
  n_adapters_ = static_cast<int>(adapters.size());
  std::vector<LoraDevPair> table(adapters.size() * static_cast<size_t>(lora_stride_));
  std::vector<float> values;
  auto upload = [&](const TensorView& t, const float** out) -> Status {
    values.resize(static_cast<size_t>(t.n_rows() * t.n_cols()));
    for (int64_t r = 0; r < t.n_rows(); r++) {
      dequantize_row(t.type, t.data + r * t.row_bytes(), values.data() + r * t.n_cols(), t.n_cols());
    }
    float* p = nullptr;
    ARB_RETURN_IF_ERROR(mem_.alloc_array(values.size(), &p, "LoRA adapters"));
    ARB_CUDA_RETURN(cudaMemcpy(p, values.data(), values.size() * sizeof(float), cudaMemcpyHostToDevice));
    *out = p;
    return Status::Ok();
  };
  for (size_t i = 0; i < adapters.size(); i++) {
    const LoraAdapter& adapter = *adapters[i];
    if (adapter.max_rank > kLoraMaxRank) {
      return Status::Error(StatusCode::Unsupported,
                           "LoRA adapter " + adapter.path + " has rank " + std::to_string(adapter.max_rank) +
                               "; the CUDA backend takes up to " + std::to_string(kLoraMaxRank));
    }
    for (size_t l = 0; l < adapter.layers.size(); l++) {
      for (int k = 0; k < kLoraTargets; k++) {
        const LoraPair& pair = adapter.layers[l][static_cast<size_t>(k)];
        if (!pair.present()) continue;
        LoraDevPair& d = table[i * static_cast<size_t>(lora_stride_) + l * kLoraTargets + static_cast<size_t>(k)];
        ARB_RETURN_IF_ERROR(upload(pair.a, &d.a));
        ARB_RETURN_IF_ERROR(upload(pair.b, &d.b));
        d.rank = pair.rank;
        d.scale = pair.scale;
      }
    }
  }
  ARB_RETURN_IF_ERROR(mem_.alloc_array(table.size(), &lora_pairs_, "LoRA adapters"));
  ARB_CUDA_RETURN(cudaMemcpy(lora_pairs_, table.data(), table.size() * sizeof(LoraDevPair), cudaMemcpyHostToDevice));
  return Status::Ok();
}

// y (+)= the low-rank products of the n rows' adapters for one projection of one layer.
Status CudaBackend::add_lora(int n, int layer, LoraTarget target, const ActBuf& in, float* y, int64_t ldy) {
  if (!has_lora_) return Status::Ok();
  const LlamaConfig& c = cfg_;
  int64_t n_out = c.n_embd;  // O, Down
  if (target == LoraTarget::Q) n_out = static_cast<int64_t>(c.n_head) * c.head_dim;
  if (target == LoraTarget::K || target == LoraTarget::V) n_out = static_cast<int64_t>(c.n_head_kv) * c.head_dim;
  if (target == LoraTarget::Gate || target == LoraTarget::Up) n_out = c.n_ff;
  LoraArgs a;
  a.pairs = lora_pairs_ + static_cast<int64_t>(layer) * kLoraTargets + static_cast<int>(target);
  a.pair_stride = lora_stride_;
  a.row_adapter = rows_dev_ + 4 * kPassRows;
  a.x = in.f32;
  a.ldx = in.ld;
  a.n_in = in.k;
  a.y = y;
  a.ldy = ldy;
  a.n_out = n_out;
  return launch_lora(a, n, ctx_);
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

  // (cos, sin) of pos * theta_i, computed once in double: theta_i = freq_scale *
  // freq_base^(-2i / rope_dim) / factor_i; a second table for sliding-window layers (own base,
  // unscaled, no factors).
  const int half_rope = std::max(1, c.rope_dim / 2);
  const int n_tables = c.n_swa > 0 ? 2 : 1;
  rope_table_stride_ = static_cast<int64_t>(n_ctx_) * half_rope;
  std::vector<float2> cs(static_cast<size_t>(n_tables * rope_table_stride_));
  for (int table = 0; table < n_tables; table++) {
    const double base = table == 0 ? c.rope_freq_base : c.rope_freq_base_swa;
    const double scale = table == 0 ? c.rope_freq_scale : 1.0;
    for (int64_t p = 0; p < n_ctx_; p++) {
      for (int i = 0; i < c.rope_dim / 2; i++) {
        const double factor =
            table == 0 && !c.rope_freq_factors.empty() ? c.rope_freq_factors[static_cast<size_t>(i)] : 1.0;
        const double theta = static_cast<double>(p) * scale * std::pow(base, -2.0 * i / c.rope_dim) / factor;
        cs[static_cast<size_t>(table * rope_table_stride_ + p * half_rope + i)] =
            make_float2(static_cast<float>(std::cos(theta)), static_cast<float>(std::sin(theta)));
      }
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
  if (layers_[0].attn_post_norm) {
    ARB_RETURN_IF_ERROR(mem_.alloc_array(static_cast<size_t>(x_ld_) * kPassRows, &post_, "activations"));
  }
  bool any_unfused = false;
  for (const LayerDev& L : layers_) any_unfused |= !L.gate_up_fused;
  if (any_unfused) {
    ARB_RETURN_IF_ERROR(mem_.alloc_array(static_cast<size_t>(gu_ld_) * kPassRows, &g_, "activations"));
    ARB_RETURN_IF_ERROR(mem_.alloc_array(static_cast<size_t>(gu_ld_) * kPassRows, &u_, "activations"));
  }
  const SiteForms& d = decode_forms_;
  const SiteForms& p = prefill_forms_;
  ARB_RETURN_IF_ERROR(alloc_act(mem_, c.n_embd, kPassRows, d.attn_in | p.attn_in, "activations", &attn_in_));
  ARB_RETURN_IF_ERROR(alloc_act(mem_, n_q, kPassRows, d.attn_out | p.attn_out | kF32, "activations", &attn_out_));
  ARB_RETURN_IF_ERROR(alloc_act(mem_, c.n_embd, kPassRows, d.ffn_in | p.ffn_in, "activations", &ffn_in_));
  ARB_RETURN_IF_ERROR(alloc_act(mem_, c.n_ff, kPassRows, d.h | p.h | kF32, "activations", &h_));
  ARB_RETURN_IF_ERROR(alloc_act(mem_, c.n_embd, kDecodeRows, final_forms_, "activations", &final_));
  ARB_RETURN_IF_ERROR(mem_.alloc_array(static_cast<size_t>(x_ld_) * kDecodeRows, &xg_, "activations"));
  ARB_RETURN_IF_ERROR(mem_.alloc_array(static_cast<size_t>(c.n_vocab) * kDecodeRows, &logits_dev_, "logits"));
  ARB_RETURN_IF_ERROR(mem_.alloc_array(kRowPlanes * kPassRows, &rows_dev_, "step rows"));
  ARB_RETURN_IF_ERROR(mem_.alloc_array(kDecodeRows, &gather_dev_, "step rows"));
  ARB_RETURN_IF_ERROR(mem_.alloc_array(kPassRows, &tiles_dev_, "step rows"));
  attn_scratch_.max_splits = attention_max_splits(n_ctx_);
  ARB_RETURN_IF_ERROR(mem_.alloc_array(static_cast<size_t>(kDecodeRows) * c.n_head * attn_scratch_.max_splits *
                                           (c.head_dim + 2),
                                       &attn_scratch_.partial, "attention scratch"));
  ARB_RETURN_IF_ERROR(mem_.alloc_array(static_cast<size_t>(kDecodeRows) * c.n_head, &attn_scratch_.counters,
                                       "attention scratch"));

  ARB_CUDA_RETURN(cudaMallocHost(&rows_host_, sizeof(int32_t) * kRowPlanes * kPassRows));
  ARB_CUDA_RETURN(cudaMallocHost(&gather_host_, sizeof(int32_t) * kDecodeRows));
  ARB_CUDA_RETURN(cudaMallocHost(&tiles_host_, sizeof(PrefillTile) * kPassRows));
  ARB_CUDA_RETURN(cudaMallocHost(&logits_host_, sizeof(float) * c.n_vocab * kDecodeRows));
  return Status::Ok();
}

RopeKvArgs CudaBackend::rope_args(int layer) const {
  RopeKvArgs a;
  a.cs = rope_cs_ + (cfg_.swa_layer(layer) ? rope_table_stride_ : 0);
  a.neox = cfg_.rope_style == RopeStyle::Neox;
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
  a.scale = cfg_.attn_scale;
  a.window = cfg_.swa_layer(layer) ? cfg_.n_swa : 0;
  return a;
}

Status CudaBackend::upload_rows(const std::vector<RowSpec>& rows) {
  for (size_t i = 0; i < rows.size(); i++) {
    rows_host_[i] = rows[i].token;
    rows_host_[kPassRows + i] = rows[i].pos;
    rows_host_[2 * kPassRows + i] = rows[i].slot;
    rows_host_[3 * kPassRows + i] = rows[i].stable;
    rows_host_[4 * kPassRows + i] = rows[i].adapter;
  }
  ARB_CUDA_RETURN(cudaMemcpyAsync(rows_dev_, rows_host_, sizeof(int32_t) * kRowPlanes * kPassRows,
                                  cudaMemcpyHostToDevice, stream_));
  return Status::Ok();
}

// One product of a pass: out (+)= W in, over n rows. Decode rows use the matrix-vector kernels
// in the version their site runs (tuned_matvec_impl); prefill rows the tensor-core product.
// col_offset: the first column of out that the product writes.
Status CudaBackend::project(Pass pass, int n, MatvecSite site, const DevMatrix& w, const ActBuf& in, Epilogue epi,
                            float* out, int64_t ld, int64_t col_offset) {
  if (pass == Pass::Prefill) {
    MatmulArgs mm;
    mm.w = w;
    mm.m = n;
    mm.a = &in;
    mm.epi = epi;
    mm.c = out;
    mm.ldc = ld;
    mm.col_offset = col_offset;
    return launch_matmul(mm, ctx_);
  }
  MatvecArgs mv;
  mv.w = w;
  mv.nvec = n;
  mv.a = &in;
  mv.epi = epi;
  mv.y = out + col_offset;
  mv.y_ld = ld;
  mv.impl = tuned_matvec_impl(site, w.type);
  mv.site = site;
  return launch_matvec(mv, ctx_);
}

// Every layer over the n rows of the residual stream x_ (embedded, positions uploaded), as the
// CPU forward(): x += wo(attention(rope(q, k), v)) on RMSNorm(x), then
// x += down(silu(gate) * up) on RMSNorm(x). Each norm writes the forms its consumers in this pass
// read (fp32, fp16 or q8). Prefill passes take their attention tiles from tiles_dev_.
Status CudaBackend::run_layers(Pass pass, int n, int n_tiles) {
  const LlamaConfig& c = cfg_;
  const SiteForms& f = forms(pass);
  const bool decode = pass == Pass::Decode;
  for (int l = 0; l < c.n_layer; l++) {
    const LayerDev& L = layers_[static_cast<size_t>(l)];
    const RopeKvArgs rk = rope_args(l);

    // Attention: q, k, v; RoPE on q and k; k and v into the cache.
    ARB_RETURN_IF_ERROR(launch_norm_quant(x_, x_ld_, L.attn_norm, c.rms_eps, n, attn_in_, f.attn_in, ctx_));
    for (size_t p = 0; p < L.qkv.size(); p++) {
      if (decode && fused_rope_) {
        // The product's epilogue rotates the pairs and writes q and the cache itself.
        MatvecArgs mv;
        mv.w = L.qkv[p];
        mv.nvec = n;
        mv.a = &attn_in_;
        mv.epi = Epilogue::RopeKv;
        mv.row_offset = L.qkv_offset[p];
        mv.rk = rk;
        mv.impl = tuned_matvec_impl(MatvecSite::Qkv, L.qkv[p].type);
        mv.site = MatvecSite::Qkv;
        ARB_RETURN_IF_ERROR(launch_matvec(mv, ctx_));
      } else {
        ARB_RETURN_IF_ERROR(project(pass, n, MatvecSite::Qkv, L.qkv[p], attn_in_, Epilogue::Store, qkv_, qkv_ld_,
                                    L.qkv_offset[p]));
      }
    }
    if (has_lora_) {
      const int64_t n_q = static_cast<int64_t>(c.n_head) * c.head_dim;
      const int64_t n_kv = static_cast<int64_t>(c.n_head_kv) * c.head_dim;
      ARB_RETURN_IF_ERROR(add_lora(n, l, LoraTarget::Q, attn_in_, qkv_, qkv_ld_));
      ARB_RETURN_IF_ERROR(add_lora(n, l, LoraTarget::K, attn_in_, qkv_ + n_q, qkv_ld_));
      ARB_RETURN_IF_ERROR(add_lora(n, l, LoraTarget::V, attn_in_, qkv_ + n_q + n_kv, qkv_ld_));
    }
    if (L.needs_prep) ARB_RETURN_IF_ERROR(launch_qkv_prep(qkv_, qkv_ld_, n, L.prep, ctx_));
    if (!(decode && fused_rope_)) ARB_RETURN_IF_ERROR(launch_rope_store(qkv_, qkv_ld_, n, rk, ctx_));
    // Decode attention quantizes its own output (Block32) when heads hold whole blocks.
    unsigned written = kF32;
    if (decode) {
      written |= c.head_dim % 32 == 0 ? (f.attn_out & kQ32) : 0u;
      const int32_t* stable = rows_dev_ + 3 * kPassRows;
      ARB_RETURN_IF_ERROR(
          launch_attention_decode(attn_args(l), rk.pos, rk.slot, stable, n, attn_scratch_, attn_out_, written, ctx_));
    } else {
      ARB_RETURN_IF_ERROR(launch_attention_prefill(attn_args(l), tiles_dev_, n_tiles, attn_out_.f32, attn_out_.ld, ctx_));
    }
    if (f.attn_out & ~written) {
      ARB_RETURN_IF_ERROR(
          launch_norm_quant(attn_out_.f32, attn_out_.ld, nullptr, 0.0f, n, attn_out_, f.attn_out & ~written, ctx_));
    }
    ARB_RETURN_IF_ERROR(add_block_output(pass, n, l, LoraTarget::O, MatvecSite::Wo, L.wo, attn_out_, L.attn_post_norm));

    // Feed-forward: SwiGLU.
    ARB_RETURN_IF_ERROR(launch_norm_quant(x_, x_ld_, L.ffn_norm, c.rms_eps, n, ffn_in_, f.ffn_in, ctx_));
    if (L.gate_up_fused) {
      ARB_RETURN_IF_ERROR(project(pass, n, MatvecSite::GateUp, L.gate_up, ffn_in_, Epilogue::SwiGlu, h_.f32, h_.ld));
    } else {
      ARB_RETURN_IF_ERROR(project(pass, n, MatvecSite::GateUp, L.gate, ffn_in_, Epilogue::Store, g_, gu_ld_));
      ARB_RETURN_IF_ERROR(project(pass, n, MatvecSite::GateUp, L.up, ffn_in_, Epilogue::Store, u_, gu_ld_));
      ARB_RETURN_IF_ERROR(add_lora(n, l, LoraTarget::Gate, ffn_in_, g_, gu_ld_));
      ARB_RETURN_IF_ERROR(add_lora(n, l, LoraTarget::Up, ffn_in_, u_, gu_ld_));
      ARB_RETURN_IF_ERROR(launch_swiglu(g_, u_, gu_ld_, n, h_, kF32, ctx_, c.ffn_act == FfnActivation::GeluTanh));
    }
    if (f.h & ~kF32) ARB_RETURN_IF_ERROR(launch_norm_quant(h_.f32, h_.ld, nullptr, 0.0f, n, h_, f.h & ~kF32, ctx_));
    ARB_RETURN_IF_ERROR(add_block_output(pass, n, l, LoraTarget::Down, MatvecSite::Down, L.down, h_, L.ffn_post_norm));
  }
  return Status::Ok();
}

// x += W a, or x += rmsnorm(W a) * post_norm when the layer has a post-norm (gemma3).
Status CudaBackend::add_block_output(Pass pass, int n, int layer, LoraTarget target, MatvecSite site,
                                     const DevMatrix& w, const ActBuf& a, const float* post_norm) {
  if (!post_norm) {
    ARB_RETURN_IF_ERROR(project(pass, n, site, w, a, Epilogue::Add, x_, x_ld_));
    return add_lora(n, layer, target, a, x_, x_ld_);
  }
  ARB_RETURN_IF_ERROR(project(pass, n, site, w, a, Epilogue::Store, post_, x_ld_));
  ARB_RETURN_IF_ERROR(add_lora(n, layer, target, a, post_, x_ld_));
  return launch_norm_add(post_, x_ld_, post_norm, cfg_.rms_eps, n, cfg_.n_embd, x_, x_ld_, ctx_);
}

// x = the rows' embeddings (times sqrt(n_embd) for gemma3).
Status CudaBackend::embed(int n) {
  ARB_RETURN_IF_ERROR(launch_embed(tok_embd_, rows_dev_, n, x_, x_ld_, ctx_));
  if (cfg_.embd_scale == 1.0f) return Status::Ok();
  return launch_scale_rows(x_, x_ld_, n, cfg_.n_embd, cfg_.embd_scale, ctx_);
}

// The decode pass for n rows (already uploaded): embedding, the layers, final norm and the
// output projection of all n rows into logits_dev_.
Status CudaBackend::record_decode(int n) {
  ARB_RETURN_IF_ERROR(embed(n));
  ARB_RETURN_IF_ERROR(run_layers(Pass::Decode, n, 0));
  ARB_RETURN_IF_ERROR(launch_norm_quant(x_, x_ld_, output_norm_, cfg_.rms_eps, n, final_, final_forms_, ctx_));
  return project(Pass::Decode, n, MatvecSite::Output, output_, final_, Epilogue::Store, logits_dev_, cfg_.n_vocab);
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
    ARB_RETURN_IF_ERROR(
        project(Pass::Decode, n, MatvecSite::Output, output_, final_, Epilogue::Store, logits_dev_, cfg_.n_vocab));
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

  ARB_RETURN_IF_ERROR(embed(n));
  ARB_RETURN_IF_ERROR(run_layers(Pass::Prefill, n, n_tiles));
  ARB_RETURN_IF_ERROR(logits_for_rows(rows, logits));
  // The pinned row and tile buffers are rewritten by the next pass: wait for their copies.
  ARB_CUDA_RETURN(cudaStreamSynchronize(stream_));
  return Status::Ok();
}

Status CudaBackend::forward(const std::vector<StepSequence>& step, float* logits) {
  ARB_CUDA_RETURN(cudaSetDevice(device_));
  StepLayout layout;
  ARB_RETURN_IF_ERROR(validate_step(step, n_slots_, n_ctx_, cfg_.n_vocab, n_adapters_, logits, &layout));
  const std::vector<int64_t>& first_logit = layout.first_logit;
  auto row_of = [&](int seq, int t) {
    const StepSequence& s = step[static_cast<size_t>(seq)];
    int64_t dest = -1;
    if (s.all_logits) dest = first_logit[static_cast<size_t>(seq)] + t;
    else if (t == s.n_tokens - 1) dest = first_logit[static_cast<size_t>(seq)];
    return RowSpec{s.tokens[t], s.n_past + t, s.slot, 0, dest, s.adapter};
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
  ARB_RETURN_IF_ERROR(validate_copy_prefix(src_slot, dst_slot, n_tokens, n_slots_, n_ctx_));
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
