// Reads a llama model out of a parsed GGUF file. Errors name the key or tensor at fault.
#include "model_loader.h"

#include <cmath>

namespace arb {

namespace {

Status check_tensor(const GgufFile& file, const std::string& name, int64_t ne0, int64_t ne1,
                    bool matrix, TensorView* out) {
  const GgufTensorInfo* t = file.find_tensor(name);
  if (!t) {
    return Status::Error(StatusCode::InvalidModel, "required tensor '" + name + "' is missing");
  }
  const int64_t want_dims = ne1 > 0 ? 2 : 1;
  int real_dims = t->n_dims;
  while (real_dims > 1 && t->ne[real_dims - 1] == 1) real_dims--;  // trailing 1s are padding
  if (real_dims > want_dims || t->ne[0] != ne0 || (ne1 > 0 && t->ne[1] != ne1) ||
      (ne1 <= 0 && real_dims != 1)) {
    std::string got, want = std::to_string(ne0) + (ne1 > 0 ? " x " + std::to_string(ne1) : "");
    for (int d = 0; d < t->n_dims; d++) got += (d ? " x " : "") + std::to_string(t->ne[d]);
    return Status::Error(StatusCode::InvalidModel,
                         "tensor '" + name + "' has shape [" + got + "], expected [" + want + "]");
  }
  if (matrix ? !ggml_type_is_weight(t->type) : t->type != GgmlType::F32) {
    return Status::Error(StatusCode::Unsupported,
                         "tensor '" + name + "' has type " + ggml_type_name(t->type) +
                             (matrix ? ", which this engine cannot multiply (F32, F16, BF16, Q8_0, "
                                       "Q4_0, Q5_0, Q4_K and Q6_K are supported)"
                                     : "; norm weights must be F32"));
  }
  out->name = t->name;
  out->type = t->type;
  out->n_dims = static_cast<int>(want_dims);
  for (int d = 0; d < 4; d++) out->ne[d] = t->ne[d];
  out->data = t->data;
  out->n_bytes = t->n_bytes;
  return Status::Ok();
}

Status get_int(const GgufFile& f, const std::string& key, int64_t min, int64_t max, int* out,
               const int64_t* fallback = nullptr) {
  int64_t v = 0;
  ARB_RETURN_IF_ERROR(f.get_int(key, min, max, &v, fallback));
  *out = static_cast<int>(v);
  return Status::Ok();
}

}  // namespace

Status load_llama_model(const GgufFile& file, LlamaModel* model, ModelMetadata* metadata) {
  std::string arch;
  ARB_RETURN_IF_ERROR(file.get_string("general.architecture", &arch));
  if (arch != "llama") {
    return Status::Error(StatusCode::Unsupported,
                         "model architecture '" + arch + "' is not supported (only 'llama')");
  }
  ARB_RETURN_IF_ERROR(file.get_string("general.name", &metadata->name, ""));

  LlamaConfig& c = model->config;
  ARB_RETURN_IF_ERROR(get_int(file, "llama.embedding_length", 1, 1 << 20, &c.n_embd));
  ARB_RETURN_IF_ERROR(get_int(file, "llama.block_count", 1, 4096, &c.n_layer));
  ARB_RETURN_IF_ERROR(get_int(file, "llama.attention.head_count", 1, 4096, &c.n_head));
  const int64_t head_count = c.n_head;
  ARB_RETURN_IF_ERROR(
      get_int(file, "llama.attention.head_count_kv", 1, 4096, &c.n_head_kv, &head_count));
  ARB_RETURN_IF_ERROR(get_int(file, "llama.feed_forward_length", 1, 1 << 22, &c.n_ff));
  ARB_RETURN_IF_ERROR(get_int(file, "llama.context_length", 1, 1 << 24, &c.n_ctx_train));
  double eps = 0.0;
  ARB_RETURN_IF_ERROR(file.get_float("llama.attention.layer_norm_rms_epsilon", &eps));
  if (!(eps > 0.0 && eps < 1.0)) {
    return Status::Error(StatusCode::InvalidModel,
                         "llama.attention.layer_norm_rms_epsilon = " + std::to_string(eps) +
                             " is not in (0, 1)");
  }
  c.rms_eps = static_cast<float>(eps);
  const double default_base = 10000.0;
  double base = 0.0;
  ARB_RETURN_IF_ERROR(file.get_float("llama.rope.freq_base", &base, &default_base));
  if (!(base > 1.0 && std::isfinite(base))) {
    return Status::Error(StatusCode::InvalidModel,
                         "llama.rope.freq_base = " + std::to_string(base) + " is not above 1");
  }
  c.rope_freq_base = static_cast<float>(base);

  if (c.n_embd % c.n_head != 0) {
    return Status::Error(StatusCode::InvalidModel,
                         "embedding length " + std::to_string(c.n_embd) +
                             " is not a multiple of the head count " + std::to_string(c.n_head));
  }
  if (c.n_head % c.n_head_kv != 0) {
    return Status::Error(StatusCode::InvalidModel,
                         "head count " + std::to_string(c.n_head) +
                             " is not a multiple of the KV head count " + std::to_string(c.n_head_kv));
  }
  c.head_dim = c.n_embd / c.n_head;
  const int64_t head_dim = c.head_dim;
  ARB_RETURN_IF_ERROR(get_int(file, "llama.rope.dimension_count", 2, head_dim, &c.rope_dim, &head_dim));
  if (c.rope_dim % 2 != 0) {
    return Status::Error(StatusCode::InvalidModel,
                         "llama.rope.dimension_count = " + std::to_string(c.rope_dim) + " is odd");
  }
  std::string scaling;
  ARB_RETURN_IF_ERROR(file.get_string("llama.rope.scaling.type", &scaling, "none"));
  if (scaling != "none") {
    return Status::Error(StatusCode::Unsupported,
                         "RoPE scaling '" + scaling + "' is not supported");
  }
  if (file.find("llama.expert_count")) {
    const GgufValue* v = file.find("llama.expert_count");
    if (v->is_integer() && v->i > 0) {
      return Status::Error(StatusCode::Unsupported, "mixture-of-experts llama models are not supported");
    }
  }
  if (file.find_tensor("rope_freqs.weight")) {
    return Status::Error(StatusCode::Unsupported,
                         "per-dimension RoPE frequencies (rope_freqs.weight) are not supported");
  }

  LlamaWeights& w = model->weights;
  const GgufTensorInfo* embd = file.find_tensor("token_embd.weight");
  if (!embd) {
    return Status::Error(StatusCode::InvalidModel, "required tensor 'token_embd.weight' is missing");
  }
  if (embd->n_dims < 2 || embd->ne[1] > (1 << 24)) {
    return Status::Error(StatusCode::InvalidModel,
                         "tensor 'token_embd.weight' must be [n_embd x n_vocab] with n_vocab <= 2^24");
  }
  c.n_vocab = static_cast<int>(embd->ne[1]);
  if (const GgufValue* v = file.find("llama.vocab_size")) {
    if (!v->is_integer() || v->i != c.n_vocab) {
      return Status::Error(StatusCode::InvalidModel,
                           "llama.vocab_size does not match token_embd.weight's " +
                               std::to_string(c.n_vocab) + " rows");
    }
  }
  const int q_dim = c.n_head * c.head_dim;
  const int kv_dim = c.n_head_kv * c.head_dim;
  ARB_RETURN_IF_ERROR(check_tensor(file, "token_embd.weight", c.n_embd, c.n_vocab, true, &w.tok_embd));
  ARB_RETURN_IF_ERROR(check_tensor(file, "output_norm.weight", c.n_embd, 0, false, &w.output_norm));
  if (file.find_tensor("output.weight")) {
    ARB_RETURN_IF_ERROR(check_tensor(file, "output.weight", c.n_embd, c.n_vocab, true, &w.output));
    w.tied_output = false;
  } else {
    w.output = w.tok_embd;
    w.tied_output = true;
  }
  w.layers.resize(static_cast<size_t>(c.n_layer));
  for (int l = 0; l < c.n_layer; l++) {
    const std::string p = "blk." + std::to_string(l) + ".";
    LayerWeights& L = w.layers[static_cast<size_t>(l)];
    ARB_RETURN_IF_ERROR(check_tensor(file, p + "attn_norm.weight", c.n_embd, 0, false, &L.attn_norm));
    ARB_RETURN_IF_ERROR(check_tensor(file, p + "attn_q.weight", c.n_embd, q_dim, true, &L.wq));
    ARB_RETURN_IF_ERROR(check_tensor(file, p + "attn_k.weight", c.n_embd, kv_dim, true, &L.wk));
    ARB_RETURN_IF_ERROR(check_tensor(file, p + "attn_v.weight", c.n_embd, kv_dim, true, &L.wv));
    ARB_RETURN_IF_ERROR(check_tensor(file, p + "attn_output.weight", q_dim, c.n_embd, true, &L.wo));
    ARB_RETURN_IF_ERROR(check_tensor(file, p + "ffn_norm.weight", c.n_embd, 0, false, &L.ffn_norm));
    ARB_RETURN_IF_ERROR(check_tensor(file, p + "ffn_gate.weight", c.n_embd, c.n_ff, true, &L.w_gate));
    ARB_RETURN_IF_ERROR(check_tensor(file, p + "ffn_up.weight", c.n_embd, c.n_ff, true, &L.w_up));
    ARB_RETURN_IF_ERROR(check_tensor(file, p + "ffn_down.weight", c.n_ff, c.n_embd, true, &L.w_down));
  }

  metadata->parameter_count = 0;
  for (const GgufTensorInfo& t : file.tensors()) {
    metadata->parameter_count += t.ne[0] * t.ne[1] * t.ne[2] * t.ne[3];
  }
  return Status::Ok();
}

}  // namespace arb
