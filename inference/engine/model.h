// The llama model as the backends see it: hyper-parameters and views of the weight tensors,
// which point into the mmap'd GGUF file (never copied on the CPU path).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "ggml_types.h"

namespace arb {

// A weight matrix W of n_rows x n_cols is stored row-major as ggml does: ne[0] = n_cols (the
// contiguous dimension), ne[1] = n_rows; each row is ggml_row_size(type, n_cols) bytes.
struct TensorView {
  std::string name;
  GgmlType type = GgmlType::F32;
  int n_dims = 0;
  int64_t ne[4] = {1, 1, 1, 1};
  const uint8_t* data = nullptr;
  size_t n_bytes = 0;

  int64_t n_cols() const { return ne[0]; }
  int64_t n_rows() const { return ne[1] * ne[2] * ne[3]; }
  size_t row_bytes() const { return ggml_row_size(type, ne[0]); }
  bool present() const { return data != nullptr; }  // optional tensors are absent when null
};

// The architectures the loader accepts (general.architecture). They share the llama layer and
// differ in the options below, each read from the file's metadata under llama.cpp's key names.
enum class ModelArch { Llama, Qwen2, Qwen3, Gemma3 };
const char* model_arch_name(ModelArch arch);

// Which dimensions RoPE rotates together: llama's adjacent pairs (2i, 2i+1), or GPT-NeoX's
// halves (i, i + rope_dim/2) as llama.cpp uses for qwen2, qwen3 and gemma3.
enum class RopeStyle { Adjacent, Neox };

// The gated FFN's activation: SiLU (SwiGLU) or GELU with the tanh approximation (GeGLU, gemma).
enum class FfnActivation { Silu, GeluTanh };

struct LlamaConfig {
  int n_vocab = 0;
  int n_embd = 0;      // model dimension
  int n_layer = 0;
  int n_head = 0;
  int n_head_kv = 0;   // < n_head means grouped-query attention
  int head_dim = 0;    // {arch}.attention.key_length, default n_embd / n_head
  int n_ff = 0;        // SwiGLU hidden size
  int n_ctx_train = 0; // llama.context_length
  float rms_eps = 1e-5f;
  float rope_freq_base = 10000.0f;
  int rope_dim = 0;    // rotated dims per head (llama.rope.dimension_count, default head_dim)

  ModelArch arch = ModelArch::Llama;
  RopeStyle rope_style = RopeStyle::Adjacent;
  // theta_i = pos * rope_freq_scale * rope_freq_base^(-2i/rope_dim) / rope_freq_factors[i]:
  // rope_freq_scale is 1 / the linear scaling factor (rope.scaling.type = linear); the factors
  // are rope_freqs.weight (Llama 3.1+), empty when the file has none.
  float rope_freq_scale = 1.0f;
  std::vector<float> rope_freq_factors;
  // Sliding-window layers (gemma3's local layers): a query at position p sees keys at positions
  // above p - n_swa, and RoPE uses rope_freq_base_swa, unscaled. n_swa 0: no such layers.
  int n_swa = 0;
  std::vector<uint8_t> layer_is_swa;  // n_layer entries when n_swa > 0
  float rope_freq_base_swa = 10000.0f;
  float attn_scale = 0.0f;  // multiplies q . k (the loader sets it: 1/sqrt(head_dim) but gemma3)
  float embd_scale = 1.0f;  // multiplies the looked-up embedding (gemma: sqrt(n_embd))
  FfnActivation ffn_act = FfnActivation::Silu;

  bool swa_layer(int l) const { return n_swa > 0 && layer_is_swa[static_cast<size_t>(l)] != 0; }
};

struct LayerWeights {
  TensorView attn_norm;  // [n_embd] F32
  TensorView wq;         // [n_head*head_dim x n_embd]
  TensorView wk;         // [n_head_kv*head_dim x n_embd]
  TensorView wv;         // [n_head_kv*head_dim x n_embd]
  TensorView wo;         // [n_embd x n_head*head_dim]
  TensorView ffn_norm;   // [n_embd] F32
  TensorView w_gate;     // ffn_gate [n_ff x n_embd]
  TensorView w_up;       // ffn_up   [n_ff x n_embd]
  TensorView w_down;     // ffn_down [n_embd x n_ff]
  // Optional, per architecture (absent: data null).
  TensorView bq, bk, bv;            // qwen2: attn_{q,k,v}.bias, F32, added after the products
  TensorView attn_q_norm;           // qwen3, gemma3: per-head RMSNorm of q and k [head_dim] F32,
  TensorView attn_k_norm;           //   before RoPE
  TensorView attn_post_norm;        // gemma3: RMSNorm of the attention output before the residual
  TensorView ffn_post_norm;         // gemma3: RMSNorm of the FFN output before the residual
};

struct LlamaWeights {
  TensorView tok_embd;     // [n_vocab x n_embd]; rows are looked up, not multiplied
  TensorView output_norm;  // [n_embd] F32
  TensorView output;       // [n_vocab x n_embd]; the same view as tok_embd when tied
  bool tied_output = false;
  // Optional sequence-classification head (a reward model): score = score_head . the final
  // normed hidden state of the last token + score_bias. cls.output.weight [n_embd x 1] and
  // cls.output.bias [1] F32; absent: data null.
  TensorView score_head;
  TensorView score_bias;
  std::vector<LayerWeights> layers;
};

struct LlamaModel {
  LlamaConfig config;
  LlamaWeights weights;
};

}  // namespace arb
