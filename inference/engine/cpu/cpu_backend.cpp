// The forward pass (llama and the qwen2, qwen3 and gemma3 variations of it) on the CPU, for any mix of prompt chunks and decode tokens from
// different sequences in one step (DESIGN.md, "The forward pass"). The activations of all the
// step's tokens move through each layer together, so each weight matrix is streamed from memory
// once per step however many sequences are active. KV cache: binary16 or Q8_0 rows, laid out
// [slot][layer][kv head][position][head_dim] so one head's keys are contiguous; it is allocated
// lazily by the OS (untouched pages cost nothing).
#include <sys/mman.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <limits>
#include <memory>
#include <string>

#include "../backend.h"
#include "../quants_ref.h"
#include "../sampler.h"
#include "../step.h"
#include "attention.h"
#include "cpu_features.h"
#include "lora.h"
#include "matmul.h"
#include "ops.h"
#include "threadpool.h"

namespace arb {

namespace {

// A weight matrix as the kernels read it: the file's tensor, or its copy repacked at load for a
// packed kernel (matmul_packed.cpp).
struct Matrix {
  const MatmulKernel* kernel = nullptr;
  const TensorView* w = nullptr;
};

struct LayerKernels {
  Matrix wq, wk, wv, wo, gate, up, down;
};

// Activations in the formats the next matmuls want.
struct Input {
  const float* f32;
  const uint8_t* q8;   // Q8 rows (Q8_0 / Q4_0 / Q5_0 weights)
  const uint8_t* q8k;  // Q8K rows (Q4_K / Q6_K weights)
  int64_t n;
};

class CpuBackend final : public Backend {
 public:
  CpuBackend(const LlamaModel& model, const BackendOptions& options, int n_threads)
      : model_(model),
        c_(model.config),
        n_ctx_(options.n_ctx),
        n_slots_(options.n_slots),
        kv_type_(options.kv_type),
        adapters_(options.adapters),
        pool_(n_threads) {}

  ~CpuBackend() override {
    if (kv_) munmap(kv_, kv_bytes_);
    for (const TensorView& v : packed_) std::free(const_cast<uint8_t*>(v.data));
  }

  Status init() {
    const CpuIsa isa = cpu_isa_selected();
    quantize_ = select_quantize_act(isa);
    quantize_q8k_ = select_quantize_act_q8k(isa);
    if (kv_type_ != GgmlType::F16 && kv_type_ != GgmlType::Q8_0) {
      return Status::Error(StatusCode::InvalidArgument, std::string("KV cache type ") + ggml_type_name(kv_type_) +
                                                            " is not offered: use f16 or q8_0");
    }
    if (kv_type_ == GgmlType::Q8_0 && c_.head_dim % QK8_0 != 0) {
      return Status::Error(StatusCode::Unsupported, "the 8-bit KV cache stores blocks of 32 values; this model's head size is " +
                                                        std::to_string(c_.head_dim) + ": use the f16 cache");
    }
    kv_row_ = ggml_row_size(kv_type_, c_.head_dim);
    attend_ = select_attend(isa, c_.head_dim, kv_type_);
    cpu_kernels_["attention"] = cpu_isa_name(attend_isa(isa, c_.head_dim));
    swiglu_ = select_swiglu(isa);
    to_fp16_ = select_to_fp16(isa);
    description_ = cpu_features().brand + ", " + cpu_isa_name(isa) + ", " +
                   std::to_string(pool_.size()) + (pool_.size() == 1 ? " thread" : " threads");
    for (const LayerWeights& L : model_.weights.layers) {
      LayerKernels k{};
      ARB_RETURN_IF_ERROR(kernel_for(L.wq, &k.wq));
      ARB_RETURN_IF_ERROR(kernel_for(L.wk, &k.wk));
      ARB_RETURN_IF_ERROR(kernel_for(L.wv, &k.wv));
      ARB_RETURN_IF_ERROR(kernel_for(L.wo, &k.wo));
      ARB_RETURN_IF_ERROR(kernel_for(L.w_gate, &k.gate));
      ARB_RETURN_IF_ERROR(kernel_for(L.w_up, &k.up));
      ARB_RETURN_IF_ERROR(kernel_for(L.w_down, &k.down));
      kernels_.push_back(k);
    }
    ARB_RETURN_IF_ERROR(kernel_for(model_.weights.output, &output_));
    for (const LoraAdapter* adapter : adapters_) packed_adapters_.push_back(pack_lora_adapter(*adapter));
    if (!quants_ref_supports(model_.weights.tok_embd.type)) {
      return Status::Error(StatusCode::Unsupported, "token embeddings of type " +
                                                        std::string(ggml_type_name(model_.weights.tok_embd.type)) +
                                                        " cannot be looked up");
    }

    const size_t per_slot = static_cast<size_t>(c_.n_layer) * c_.n_head_kv * n_ctx_ * kv_row_;
    if (per_slot > std::numeric_limits<size_t>::max() / 4 / n_slots_) {
      return Status::Error(StatusCode::OutOfMemory, "the KV cache size overflows");
    }
    kv_half_ = per_slot * n_slots_;
    kv_bytes_ = kv_half_ * 2;
    void* p = mmap(nullptr, kv_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
      return Status::Error(StatusCode::OutOfMemory,
                           "cannot reserve " + std::to_string(kv_bytes_ >> 20) +
                               " MiB for the KV cache (" + std::to_string(n_slots_) + " slots x " +
                               std::to_string(n_ctx_) + " positions); lower contextLength or maxSequences");
    }
    kv_ = static_cast<uint8_t*>(p);

    // RoPE tables: the model's, and the sliding-window layers' (own base, unscaled, no factors).
    const int half = c_.rope_dim / 2;
    n_rope_tables_ = c_.n_swa > 0 ? 2 : 1;
    inv_freq_.resize(static_cast<size_t>(n_rope_tables_ * half));
    for (int i = 0; i < half; i++) {
      const double factor = c_.rope_freq_factors.empty() ? 1.0 : c_.rope_freq_factors[static_cast<size_t>(i)];
      inv_freq_[static_cast<size_t>(i)] =
          c_.rope_freq_scale * std::pow(static_cast<double>(c_.rope_freq_base), -2.0 * i / c_.rope_dim) / factor;
      if (n_rope_tables_ == 2) {
        inv_freq_[static_cast<size_t>(half + i)] = std::pow(static_cast<double>(c_.rope_freq_base_swa), -2.0 * i / c_.rope_dim);
      }
    }
    scores_.resize(static_cast<size_t>(pool_.size()) * n_ctx_ * (c_.n_head / c_.n_head_kv));
    ffn_rows_done_ = std::make_unique<std::atomic<int>[]>(static_cast<size_t>(c_.n_ff / QK8_0));
    residual_epilogue_.fn = [](void* backend, int, int64_t r0, int64_t r1) {
      static_cast<CpuBackend*>(backend)->add_residual_rows(r0, r1);
    };
    residual_epilogue_.ctx = this;
    return Status::Ok();
  }

  DeviceKind kind() const override { return DeviceKind::Cpu; }
  std::string description() const override { return description_; }
  std::map<std::string, std::string> cpu_kernels() const override { return cpu_kernels_; }
  int n_slots() const override { return n_slots_; }
  int n_ctx() const override { return n_ctx_; }

  Status copy_prefix(int src_slot, int dst_slot, int n_tokens) override {
    ARB_RETURN_IF_ERROR(validate_copy_prefix(src_slot, dst_slot, n_tokens, n_slots_, n_ctx_));
    if (src_slot == dst_slot) return Status::Ok();
    const size_t n = static_cast<size_t>(n_tokens) * kv_row_;
    for (int l = 0; l < c_.n_layer; l++) {
      for (int h = 0; h < c_.n_head_kv; h++) {
        std::memcpy(k_cache(dst_slot, l, h), k_cache(src_slot, l, h), n);
        std::memcpy(v_cache(dst_slot, l, h), v_cache(src_slot, l, h), n);
      }
    }
    return Status::Ok();
  }

  Status forward(const std::vector<StepSequence>& step, float* logits) override {
    return forward_argmax(step, logits, nullptr);
  }

  // Each chunk of the output projection also folds its rows into each token's argmax, on the
  // thread that computed them while they are in its cache.
  Status forward_argmax(const std::vector<StepSequence>& step, float* logits, int32_t* argmax) override {
    ARB_RETURN_IF_ERROR(plan(step, logits));
    layers();
    // Output: only the rows the caller asked logits for, normalised into xb_.
    final_norm(xb_.data());
    const int saved = n_tok_;
    n_tok_ = n_out_;
    Input in = prepare(xb_.data(), c_.n_embd, {output_});
    MatmulTask out = task(output_, in, logits, c_.n_vocab);
    const int64_t n_vocab = c_.n_vocab;
    auto fold = [&](int, int64_t r0, int64_t r1) {
      for (int r = 0; r < n_out_; r++) {
        argmax_[r].add(logits + r * n_vocab, static_cast<int32_t>(r0), static_cast<int32_t>(r1));
      }
    };
    const MatmulEpilogue argmax_epilogue = MatmulEpilogue::of(fold, false, 1);
    if (argmax) {
      for (int r = 0; r < n_out_; r++) argmax_[r].reset();
    }
    run_matmuls(pool_, &out, 1, nullptr, argmax ? &argmax_epilogue : nullptr);
    if (argmax) {
      for (int r = 0; r < n_out_; r++) argmax[r] = argmax_[r].result(logits + r * n_vocab);
    }
    n_tok_ = saved;
    return Status::Ok();
  }

  Status forward_hidden(const std::vector<StepSequence>& step, float* hidden) override {
    ARB_RETURN_IF_ERROR(plan(step, hidden));
    layers();
    final_norm(hidden);
    return Status::Ok();
  }

 private:
  // The output rows (out_tok_), normalised by output_norm into rows of n_embd at `out`.
  void final_norm(float* out) {
    const int n_embd = c_.n_embd;
    for (int r = 0; r < n_out_; r++) {
      rmsnorm(out + static_cast<size_t>(r) * n_embd, x(out_tok_[r]), f32(model_.weights.output_norm), n_embd, c_.rms_eps);
    }
  }

  // Every layer over the planned tokens: x(t) holds each token's residual stream afterwards.
  void layers() {
    const int T = n_tok_;
    const int n_embd = c_.n_embd, hd = c_.head_dim;
    const int q_dim = c_.n_head * hd, kv_dim = c_.n_head_kv * hd;
    const LlamaWeights& W = model_.weights;

    for (int t = 0; t < T; t++) {
      const TensorView& e = W.tok_embd;
      dequantize_row(e.type, e.data + static_cast<size_t>(tok_id_[t]) * e.row_bytes(), x(t), n_embd);
      if (c_.embd_scale != 1.0f) {
        for (int i = 0; i < n_embd; i++) x(t)[i] *= c_.embd_scale;
      }
      const size_t n_angles = static_cast<size_t>(n_rope_tables_) * (c_.rope_dim / 2);
      for (size_t i = 0; i < n_angles; i++) {
        const double theta = tok_pos_[t] * inv_freq_[i];
        cos_[static_cast<size_t>(t) * n_angles + i] = static_cast<float>(std::cos(theta));
        sin_[static_cast<size_t>(t) * n_angles + i] = static_cast<float>(std::sin(theta));
      }
    }

    for (int l = 0; l < c_.n_layer; l++) {
      const LayerWeights& L = W.layers[static_cast<size_t>(l)];
      const LayerKernels& K = kernels_[static_cast<size_t>(l)];

      // Attention block. Each chunk of whole heads of Q, K and V gets its bias, norm and RoPE
      // and goes into the KV cache in the QKV job itself.
      per_token([&](int t) { rmsnorm(xb(t), x(t), f32(L.attn_norm), n_embd, c_.rms_eps); });
      Input in = prepare(xb_.data(), n_embd, {K.wq, K.wk, K.wv});
      MatmulTask qkv[3] = {task(K.wq, in, q_.data(), q_dim), task(K.wk, in, k_.data(), kv_dim),
                           task(K.wv, in, v_.data(), kv_dim)};
      auto qkv_heads = [&](int proj, int64_t r0, int64_t r1) {
        for (int t = 0; t < n_tok_; t++) finish_qkv(l, t, proj, static_cast<int>(r0 / hd), static_cast<int>(r1 / hd));
      };
      const MatmulEpilogue qkv_epilogue = MatmulEpilogue::of(qkv_heads, false, hd);
      run_matmuls(pool_, qkv, 3, lora_for(l, {LoraTarget::Q, LoraTarget::K, LoraTarget::V}, qkv, xb_.data(), n_embd),
                  &qkv_epilogue);
      attention(l);
      in = prepare(att_.data(), q_dim, {K.wo});
      MatmulTask o = task(K.wo, in, tmp_.data(), n_embd);
      run_matmuls(pool_, &o, 1, lora_for(l, {LoraTarget::O}, &o, att_.data(), q_dim), residual_epilogue(L.attn_post_norm));
      add_residual(L.attn_post_norm);

      // Feed-forward block. Each chunk of gate and up rows goes through the activation and,
      // block by block as they complete, is quantized for the down projection in the same job.
      per_token([&](int t) { rmsnorm(xb(t), x(t), f32(L.ffn_norm), n_embd, c_.rms_eps); });
      in = prepare(xb_.data(), n_embd, {K.gate, K.up});
      MatmulTask gate_up[2] = {task(K.gate, in, hb_.data(), c_.n_ff), task(K.up, in, hb2_.data(), c_.n_ff)};
      Input down_in = ffn_activation_input(K.down);
      auto activate = [&](int, int64_t r0, int64_t r1) { activate_rows(down_in, K.down, r0, r1); };
      // Chunks of whole 16-value vectors, so swiglu_ takes each value on the path (vector or
      // scalar tail) it takes over the whole row: the same bits.
      const MatmulEpilogue gate_up_epilogue = MatmulEpilogue::of(activate, true, 16);
      run_matmuls(pool_, gate_up, 2, lora_for(l, {LoraTarget::Gate, LoraTarget::Up}, gate_up, xb_.data(), n_embd),
                  &gate_up_epilogue);
      MatmulTask down = task(K.down, down_in, tmp_.data(), n_embd);
      run_matmuls(pool_, &down, 1, lora_for(l, {LoraTarget::Down}, &down, hb_.data(), c_.n_ff),
                  residual_epilogue(L.ffn_post_norm));
      add_residual(L.ffn_post_norm);
    }
  }

  // Token t's heads [h0, h1) of projection proj (0: Q, 1: K, 2: V) once computed: bias, the
  // per-head norm and RoPE (Q, K), and the KV cache store (K, V).
  void finish_qkv(int l, int t, int proj, int h0, int h1) {
    const LayerWeights& L = model_.weights.layers[static_cast<size_t>(l)];
    const int hd = c_.head_dim, q_dim = c_.n_head * hd, kv_dim = c_.n_head_kv * hd;
    const TensorView* bias[3] = {&L.bq, &L.bk, &L.bv};
    const TensorView* norm[3] = {&L.attn_q_norm, &L.attn_k_norm, nullptr};
    float* rows = proj == 0 ? &q_[static_cast<size_t>(t) * q_dim]
                            : &(proj == 1 ? k_ : v_)[static_cast<size_t>(t) * kv_dim];
    float* first = rows + h0 * hd;
    const int n = (h1 - h0) * hd;
    if (bias[proj]->present()) add_inplace(first, f32(*bias[proj]) + h0 * hd, n);
    if (proj == 2) {
      for (int h = h0; h < h1; h++) store_kv(v_cache(tok_slot_[t], l, h) + kv_at(t), rows + h * hd);
      return;
    }
    if (L.attn_q_norm.present()) {
      for (int h = h0; h < h1; h++) rmsnorm(rows + h * hd, rows + h * hd, f32(*norm[proj]), hd, c_.rms_eps);
    }
    const size_t half = static_cast<size_t>(c_.rope_dim / 2);
    const size_t table = c_.swa_layer(l) ? half : 0;
    const float* cs = &cos_[static_cast<size_t>(t) * n_rope_tables_ * half + table];
    const float* sn = &sin_[static_cast<size_t>(t) * n_rope_tables_ * half + table];
    rope(first, h1 - h0, hd, c_.rope_dim, cs, sn, c_.rope_style == RopeStyle::Neox);
    if (proj == 1) {
      for (int h = h0; h < h1; h++) store_kv(k_cache(tok_slot_[t], l, h) + kv_at(t), rows + h * hd);
    }
  }

  size_t kv_at(int t) const { return static_cast<size_t>(tok_pos_[t]) * kv_row_; }

  // The down projection's input: hb_, and the rows it will be quantized into (ffn_act_) when
  // its kernel reads quantized activations.
  Input ffn_activation_input(const Matrix& down) {
    Input in{hb_.data(), nullptr, nullptr, c_.n_ff};
    if (down.kernel->act == ActFormat::F32) return in;
    const int64_t block = down.kernel->act == ActFormat::Q8K ? QK_K : QK8_0;
    for (int64_t b = 0; b < c_.n_ff / block; b++) ffn_rows_done_[b].store(0, std::memory_order_relaxed);
    (down.kernel->act == ActFormat::Q8K ? in.q8k : in.q8) = ffn_act_.data();
    return in;
  }

  // hb_ rows [r0, r1) of every token = act(gate) * up, then each quantization block of the
  // down projection's input that these rows complete (the thread whose rows complete a block
  // quantizes it, having seen the other threads' rows through the counter).
  void activate_rows(const Input& down_in, const Matrix& down, int64_t r0, int64_t r1) {
    const int64_t n_ff = c_.n_ff;
    for (int t = 0; t < n_tok_; t++) {
      float* gate = &hb_[static_cast<size_t>(t) * n_ff + r0];
      const float* up = &hb2_[static_cast<size_t>(t) * n_ff + r0];
      if (c_.ffn_act == FfnActivation::GeluTanh) {
        geglu(gate, up, r1 - r0);
      } else {
        swiglu_(gate, up, r1 - r0);
      }
    }
    const ActFormat f = down.kernel->act;
    if (f == ActFormat::F32) return;
    const int64_t block = f == ActFormat::Q8K ? QK_K : QK8_0;
    const QuantizeActFn quantize = f == ActFormat::Q8K ? quantize_q8k_ : quantize_;
    const size_t row = act_row_bytes(f, n_ff);
    uint8_t* out = const_cast<uint8_t*>(f == ActFormat::Q8K ? down_in.q8k : down_in.q8);
    for (int64_t b = r0 / block; b * block < r1 && b < n_ff / block; b++) {
      const int64_t mine = std::min(r1, (b + 1) * block) - std::max(r0, b * block);
      if (ffn_rows_done_[b].fetch_add(static_cast<int>(mine), std::memory_order_acq_rel) + mine != block) continue;
      for (int t = 0; t < n_tok_; t++) {
        quantize_act_blocks(quantize, f, &hb_[static_cast<size_t>(t) * n_ff], n_ff, b, b + 1, out + t * row);
      }
    }
  }

  // The epilogue adding a block's output (tmp_) to the residual stream x in its matmul job;
  // null when the layer normalises the output first (then add_residual does it).
  const MatmulEpilogue* residual_epilogue(const TensorView& post_norm) {
    if (post_norm.present()) return nullptr;
    return &residual_epilogue_;
  }

  // The kernel for w, and the weights it reads: a packed kernel's own copy of w when this CPU
  // has one for w's type and shape (the file's pages of w are then given back to the OS: a later
  // read, such as an embedding lookup of a tied output matrix, maps them in again).
  Status kernel_for(const TensorView& w, Matrix* out) {
    out->kernel = select_matmul_kernel(w.type);
    out->w = &w;
    if (!out->kernel) {
      return Status::Error(StatusCode::Unsupported, "no CPU kernel for tensor '" + w.name + "' of type " +
                                                        ggml_type_name(w.type));
    }
    cpu_kernels_[ggml_type_name(w.type)] = cpu_isa_name(out->kernel->isa);
    const MatmulKernel* packed = select_packed_matmul_kernel(w.type, w.n_rows());
    if (!packed) return Status::Ok();
    const size_t bytes = w.row_bytes() * static_cast<size_t>(w.n_rows());
    void* copy = std::aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (!copy) return Status::Error(StatusCode::OutOfMemory, "cannot allocate the repacked tensor '" + w.name + "'");
    packed->pack(w.data, w.row_bytes(), w.n_rows(), w.n_cols(), static_cast<uint8_t*>(copy));
    const uintptr_t page = 4096, begin = reinterpret_cast<uintptr_t>(w.data), end = begin + bytes;
    const uintptr_t first = (begin + page - 1) / page * page, last = end / page * page;
    if (last > first) madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
    TensorView view = w;
    view.data = static_cast<const uint8_t*>(copy);
    packed_.push_back(view);
    out->kernel = packed;
    out->w = &packed_.back();
    return Status::Ok();
  }

  // The low-rank products of each sequence's adapter (if any) for layer l's projections
  // `targets`, computed by `tasks` (in that order) from the input x (token t at x + t * n_in);
  // null when no sequence of the step runs an adapter.
  const std::vector<LoraProduct>* lora_for(int l, std::initializer_list<LoraTarget> targets, const MatmulTask* tasks,
                                           const float* x, int64_t n_in) {
    lora_products_.clear();
    size_t u_size = 0;
    for (const SequenceRun& run : runs_) {
      if (run.adapter < 0) continue;
      const auto& pairs = packed_adapters_[static_cast<size_t>(run.adapter)].layers[static_cast<size_t>(l)];
      int task = 0;
      for (const LoraTarget target : targets) {
        const CpuLoraPair& pair = pairs[static_cast<size_t>(target)];
        const MatmulTask& t = tasks[task];
        if (pair.present()) {
          LoraProduct p;
          p.pair = &pair;
          p.task = task;
          p.x = x + static_cast<int64_t>(run.t0) * n_in;
          p.ldx = n_in;
          p.y = t.y + static_cast<int64_t>(run.t0) * t.ldy;
          p.ldy = t.ldy;
          p.n_tok = run.n_tok;
          lora_products_.push_back(p);
          u_size += static_cast<size_t>(run.n_tok) * pair.rank;
        }
        task++;
      }
    }
    if (lora_products_.empty()) return nullptr;
    if (lora_u_.size() < u_size) lora_u_.resize(u_size);
    float* u = lora_u_.data();
    for (LoraProduct& p : lora_products_) {
      p.u = u;
      u += static_cast<size_t>(p.n_tok) * p.pair->rank;
    }
    return &lora_products_;
  }

  // x += tmp_ normalised, when the layer has a post-norm (gemma3); without one, the matmul
  // job's epilogue (residual_epilogue) has added tmp_ already.
  void add_residual(const TensorView& post_norm) {
    if (!post_norm.present()) return;
    const int n_embd = c_.n_embd;
    per_token([&](int t) {
      float* out = &tmp_[static_cast<size_t>(t) * n_embd];
      rmsnorm(out, out, f32(post_norm), n_embd, c_.rms_eps);
      add_inplace(x(t), out, n_embd);
    });
  }

  void add_residual_rows(int64_t r0, int64_t r1) {
    const int n_embd = c_.n_embd;
    for (int t = 0; t < n_tok_; t++) add_inplace(x(t) + r0, &tmp_[static_cast<size_t>(t) * n_embd + r0], r1 - r0);
  }

  // Validates the step and lays its tokens out: token t belongs to slot tok_slot_[t] at
  // position tok_pos_[t]; out_tok_ lists the tokens that need logits, in output order.
  Status plan(const std::vector<StepSequence>& step, const float* logits) {
    StepLayout layout;
    ARB_RETURN_IF_ERROR(validate_step(step, n_slots_, n_ctx_, c_.n_vocab, static_cast<int>(adapters_.size()), logits,
                                      &layout));
    const int T = static_cast<int>(layout.n_tokens);
    reserve(T);
    n_tok_ = T;
    n_out_ = static_cast<int>(layout.n_logit_rows);
    int t = 0, r = 0;
    runs_.clear();
    for (const StepSequence& s : step) {
      runs_.push_back({t, s.n_tokens, s.adapter});
      for (int i = 0; i < s.n_tokens; i++, t++) {
        tok_id_[t] = s.tokens[i];
        tok_slot_[t] = s.slot;
        tok_pos_[t] = s.n_past + i;
        if (s.all_logits || i == s.n_tokens - 1) out_tok_[r++] = t;
      }
    }
    // Attention work items: (token range of one sequence, KV head), at most 16 tokens each.
    items_.clear();
    t = 0;
    for (const StepSequence& s : step) {
      for (int t0 = t; t0 < t + s.n_tokens; t0 += 16) {
        const int t1 = std::min(t + s.n_tokens, t0 + 16);
        for (int h = 0; h < c_.n_head_kv; h++) items_.push_back({t0, t1, h});
      }
      t += s.n_tokens;
    }
    return Status::Ok();
  }

  void reserve(int T) {
    if (T <= capacity_) return;
    capacity_ = T;
    const size_t n = static_cast<size_t>(T);
    const int q_dim = c_.n_head * c_.head_dim, kv_dim = c_.n_head_kv * c_.head_dim;
    x_.resize(n * c_.n_embd);
    xb_.resize(n * c_.n_embd);
    tmp_.resize(n * c_.n_embd);
    q_.resize(n * q_dim);
    att_.resize(n * q_dim);
    k_.resize(n * kv_dim);
    v_.resize(n * kv_dim);
    hb_.resize(n * c_.n_ff);
    hb2_.resize(n * c_.n_ff);
    const int widest = std::max(std::max(c_.n_embd, c_.n_ff), q_dim);
    q8_.resize(n * q8_act_row_bytes(widest) + 64);
    q8k_.resize(n * q8k_act_row_bytes(widest) + 64);
    ffn_act_.resize(n * std::max(q8_act_row_bytes(c_.n_ff), q8k_act_row_bytes(c_.n_ff)) + 64);
    cos_.resize(n * n_rope_tables_ * (c_.rope_dim / 2));
    sin_.resize(n * n_rope_tables_ * (c_.rope_dim / 2));
    tok_id_.resize(n);
    tok_slot_.resize(n);
    tok_pos_.resize(n);
    out_tok_.resize(n);
    argmax_ = std::make_unique<ArgmaxOfPieces[]>(n);
  }

  // Runs fn(t) for every token of the step, on the pool when there are enough to be worth it.
  template <typename Fn>
  void per_token(Fn&& fn) {
    if (n_tok_ < 8) {
      for (int t = 0; t < n_tok_; t++) fn(t);
      return;
    }
    pool_.parallel_for(n_tok_, 2, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; t++) fn(static_cast<int>(t));
    });
  }

  // Quantizes x once into each format the kernels want (a mixed file may need both).
  Input prepare(const float* x, int64_t n, std::initializer_list<Matrix> matrices) {
    Input in{x, nullptr, nullptr, n};
    for (const Matrix& m : matrices) {
      const MatmulKernel* k = m.kernel;
      if (k->act == ActFormat::Q8 && !in.q8) {
        quantize_activations(pool_, quantize_, x, n_tok_, n, q8_act_row_bytes(n), q8_.data());
        in.q8 = q8_.data();
      } else if (k->act == ActFormat::Q8K && !in.q8k) {
        quantize_activations(pool_, quantize_q8k_, x, n_tok_, n, q8k_act_row_bytes(n), q8k_.data());
        in.q8k = q8k_.data();
      }
    }
    return in;
  }

  MatmulTask task(const Matrix& m, const Input& in, float* y, int64_t ldy) {
    const MatmulKernel* k = m.kernel;
    MatmulTask t;
    t.kernel = k;
    t.w = m.w;
    t.act = k->act == ActFormat::Q8 ? static_cast<const void*>(in.q8)
            : k->act == ActFormat::Q8K ? static_cast<const void*>(in.q8k)
                                       : static_cast<const void*>(in.f32);
    t.act_row_bytes = act_row_bytes(k->act, in.n);
    t.n_tok = n_tok_;
    t.y = y;
    t.ldy = ldy;
    return t;
  }

  // Each item: the query heads of one KV head, for a run of one sequence's tokens.
  void attention(int l) {
    const int hd = c_.head_dim, q_dim = c_.n_head * hd, group = c_.n_head / c_.n_head_kv;
    std::atomic<size_t> next{0};
    pool_.run([&](int ith, int) {
      float* scores = &scores_[static_cast<size_t>(ith) * n_ctx_ * group];
      for (;;) {
        const size_t k = next.fetch_add(1, std::memory_order_relaxed);
        if (k >= items_.size()) return;
        const AttentionItem& it = items_[k];
        for (int t = it.t0; t < it.t1; t++) {
          const size_t at = static_cast<size_t>(t) * q_dim + static_cast<size_t>(it.kv_head) * group * hd;
          AttendArgs a;
          a.q = &q_[at];
          a.q_stride = hd;
          a.group = group;
          // Sliding-window layers see the last n_swa positions only.
          const int first = c_.swa_layer(l) ? std::max(0, tok_pos_[t] + 1 - c_.n_swa) : 0;
          a.k = k_cache(tok_slot_[t], l, it.kv_head) + static_cast<size_t>(first) * kv_row_;
          a.v = v_cache(tok_slot_[t], l, it.kv_head) + static_cast<size_t>(first) * kv_row_;
          a.n_keys = tok_pos_[t] + 1 - first;
          a.head_dim = hd;
          a.scale = c_.attn_scale;
          a.scores = scores;
          a.out = &att_[at];
          a.out_stride = hd;
          a.kv_type = kv_type_;
          attend_(a);
        }
      }
    });
  }

  float* x(int t) { return &x_[static_cast<size_t>(t) * c_.n_embd]; }
  float* xb(int t) { return &xb_[static_cast<size_t>(t) * c_.n_embd]; }
  static const float* f32(const TensorView& t) { return reinterpret_cast<const float*>(t.data); }
  // The KV cache holds binary16 (as the CUDA path's: half the memory and memory traffic of
  // float32, ~3 significant decimal digits per cached key and value) or Q8_0 blocks (about half
  // of that again, a step of max|x|/127 per 32 values), as BackendOptions::kv_type says.
  uint8_t* k_cache(int slot, int l, int h) {
    return kv_ + ((static_cast<size_t>(slot) * c_.n_layer + l) * c_.n_head_kv + h) * n_ctx_ * kv_row_;
  }
  uint8_t* v_cache(int slot, int l, int h) { return k_cache(slot, l, h) + kv_half_; }

  // Rounds one head's head_dim floats into a cache row: binary16 to nearest even, or Q8_0 as
  // ggml's quantize_row_q8_0_ref (llama.cpp's q8_0 cache).
  void store_kv(uint8_t* row, const float* x) {
    if (kv_type_ == GgmlType::Q8_0) {
      quantize_row_ref(GgmlType::Q8_0, x, row, c_.head_dim);
    } else {
      to_fp16_(reinterpret_cast<uint16_t*>(row), x, c_.head_dim);
    }
  }

  struct AttentionItem {
    int t0, t1, kv_head;
  };
  // One sequence's tokens in the step: [t0, t0 + n_tok), run with adapter (-1: none).
  struct SequenceRun {
    int t0, n_tok, adapter;
  };

  const LlamaModel& model_;
  const LlamaConfig c_;
  const int n_ctx_, n_slots_;
  const GgmlType kv_type_;
  const std::vector<const LoraAdapter*> adapters_;
  ThreadPool pool_;
  std::string description_;
  QuantizeActFn quantize_ = nullptr, quantize_q8k_ = nullptr;
  AttendFn attend_ = nullptr;
  SwigluFn swiglu_ = nullptr;
  ToFp16Fn to_fp16_ = nullptr;
  std::vector<LayerKernels> kernels_;
  Matrix output_;
  std::deque<TensorView> packed_;  // repacked copies (data from aligned_alloc), stable addresses
  std::map<std::string, std::string> cpu_kernels_;
  uint8_t* kv_ = nullptr;
  size_t kv_row_ = 0, kv_half_ = 0, kv_bytes_ = 0;  // bytes of one cached row, of all keys, of the cache
  int n_rope_tables_ = 1;
  std::vector<double> inv_freq_;  // [table][rope_dim / 2]: theta_i / pos

  int capacity_ = 0, n_tok_ = 0, n_out_ = 0;
  std::vector<float> x_, xb_, tmp_, q_, att_, k_, v_, hb_, hb2_, cos_, sin_, scores_;
  std::vector<uint8_t> q8_, q8k_;
  std::vector<uint8_t> ffn_act_;  // the down projection's input, quantized by the gate/up job
  std::unique_ptr<std::atomic<int>[]> ffn_rows_done_;  // per block of ffn_act_: rows activated
  MatmulEpilogue residual_epilogue_;  // x += tmp_ on each chunk's rows (add_residual_rows)
  std::vector<int> tok_id_, tok_slot_, tok_pos_, out_tok_;
  std::unique_ptr<ArgmaxOfPieces[]> argmax_;  // per output row, filled by forward_argmax's output job
  std::vector<AttentionItem> items_;
  std::vector<SequenceRun> runs_;
  std::vector<CpuLoraAdapter> packed_adapters_;  // adapters_, laid out for the CPU products
  std::vector<LoraProduct> lora_products_;
  std::vector<float> lora_u_;  // the products' u = A x
};

}  // namespace

Status create_cpu_backend(const LlamaModel& model, const BackendOptions& options, std::unique_ptr<Backend>* out) {
  if (options.n_ctx < 1 || options.n_slots < 1 || options.n_slots > 256 || options.n_threads < 0 ||
      options.n_threads > 1024) {
    return Status::Error(StatusCode::InvalidArgument,
                         "CPU backend: need n_ctx >= 1, 1 <= n_slots <= 256 and 0 <= threads <= 1024");
  }
  const int threads = options.n_threads > 0 ? options.n_threads : cpu_count();
  auto backend = std::make_unique<CpuBackend>(model, options, threads);
  ARB_RETURN_IF_ERROR(backend->init());
  *out = std::move(backend);
  return Status::Ok();
}

}  // namespace arb
