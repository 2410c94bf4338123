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
};

struct LlamaConfig {
  int n_vocab = 0;
  int n_embd = 0;      // model dimension
  int n_layer = 0;
  int n_head = 0;
  int n_head_kv = 0;   // < n_head means grouped-query attention
  int head_dim = 0;    // n_embd / n_head
  int n_ff = 0;        // SwiGLU hidden size
  int n_ctx_train = 0; // llama.context_length
  float rms_eps = 1e-5f;
  float rope_freq_base = 10000.0f;
  int rope_dim = 0;    // rotated dims per head (llama.rope.dimension_count, default head_dim)
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
};

struct LlamaWeights {
  TensorView tok_embd;     // [n_vocab x n_embd]; rows are looked up, not multiplied
  TensorView output_norm;  // [n_embd] F32
  TensorView output;       // [n_vocab x n_embd]; the same view as tok_embd when tied
  bool tied_output = false;
  std::vector<LayerWeights> layers;
};

struct LlamaModel {
  LlamaConfig config;
  LlamaWeights weights;
};

}  // namespace arb
