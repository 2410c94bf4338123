// Reads a model of one of the supported architectures (llama, qwen2, qwen3, gemma3) out of a parsed
// GGUF file, with llama.cpp's key and tensor names. Errors name the key or tensor at fault.
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

// One architecture's options (everything else is the llama layer).
struct ArchTraits {
  ModelArch arch;
  const char* name;
  RopeStyle rope_style;
  bool qkv_bias;      // attn_{q,k,v}.bias required
  bool qk_norm;       // attn_{q,k}_norm required
  bool post_norms;    // post_attention_norm and post_ffw_norm required
  bool swa;           // attention.sliding_window required; local/global layer pattern
};

constexpr ArchTraits kArchs[] = {
    {ModelArch::Llama, "llama", RopeStyle::Adjacent, false, false, false, false},
    {ModelArch::Qwen2, "qwen2", RopeStyle::Neox, true, false, false, false},
    {ModelArch::Qwen3, "qwen3", RopeStyle::Neox, false, true, false, false},
    {ModelArch::Gemma3, "gemma3", RopeStyle::Neox, false, true, true, true},
};

// Architectures llama.cpp knows that this engine refuses with a reason.
Status unsupported_architecture(const std::string& arch) {
  std::string why;
  if (arch.find("moe") != std::string::npos || arch == "mixtral" || arch == "dbrx" ||
      arch == "deepseek2" || arch == "arctic" || arch == "grok") {
    why = "it is a mixture-of-experts model, which this engine does not run";
  } else if (arch == "clip" || arch == "mllama" || arch.find("vl") != std::string::npos) {
    why = "it is a vision model (or a vision projector file), which this engine does not run";
  } else {
    why = "supported: llama, qwen2, qwen3, gemma3";
  }
  return Status::Error(StatusCode::Unsupported, "model architecture '" + arch + "' is not supported: " + why);
}

Status optional_tensor(const GgufFile& file, const std::string& name, int64_t ne0, TensorView* out) {
  if (!file.find_tensor(name)) return Status::Ok();
  return check_tensor(file, name, ne0, 0, false, out);
}

// A sequence-classification head as llama.cpp's converter writes it: cls.output.weight
// [n_embd, n_cls_out] (+ cls.output.bias [n_cls_out]) applied to the last token, with
// {arch}.pooling_type LAST (3) or RANK (4). Only a scalar head (a reward model) is supported.
Status load_score_head(const GgufFile& file, const std::string& k, int n_embd, LlamaWeights* w) {
  const GgufTensorInfo* t = file.find_tensor("cls.output.weight");
  if (!t) return Status::Ok();
  if (t->ne[1] != 1 || t->ne[2] != 1 || t->ne[3] != 1) {
    return Status::Error(StatusCode::Unsupported,
                         "cls.output.weight has " + std::to_string(t->ne[1] * t->ne[2] * t->ne[3]) +
                             " outputs; only a scalar score head (n_cls_out = 1, a reward model) is supported");
  }
  constexpr int64_t kPoolingLast = 3, kPoolingRank = 4;
  const GgufValue* pooling = file.find(k + "pooling_type");
  if (!pooling || !pooling->is_integer() || (pooling->i != kPoolingLast && pooling->i != kPoolingRank)) {
    return Status::Error(StatusCode::Unsupported,
                         "the score head needs " + k + "pooling_type LAST (3) or RANK (4), the last token; the file has " +
                             (pooling && pooling->is_integer() ? std::to_string(pooling->i) : std::string("none")));
  }
  ARB_RETURN_IF_ERROR(check_tensor(file, "cls.output.weight", n_embd, 1, true, &w->score_head));
  return optional_tensor(file, "cls.output.bias", 1, &w->score_bias);
}

}  // namespace

const char* model_arch_name(ModelArch arch) {
  for (const ArchTraits& a : kArchs) {
    if (a.arch == arch) return a.name;
  }
  return "?";
}

Status load_llama_model(const GgufFile& file, LlamaModel* model, ModelMetadata* metadata) {
  std::string arch;
  ARB_RETURN_IF_ERROR(file.get_string("general.architecture", &arch));
  const ArchTraits* traits = nullptr;
  for (const ArchTraits& a : kArchs) {
    if (arch == a.name) traits = &a;
  }
  if (!traits) return unsupported_architecture(arch);
  ARB_RETURN_IF_ERROR(file.get_string("general.name", &metadata->name, ""));
  const std::string k = arch + ".";  // llama.cpp's keys are "{arch}.name"

  LlamaConfig& c = model->config;
  c.arch = traits->arch;
  c.rope_style = traits->rope_style;
  c.ffn_act = traits->arch == ModelArch::Gemma3 ? FfnActivation::GeluTanh : FfnActivation::Silu;
  if (const GgufValue* v = file.find(k + "expert_count"); v && v->is_integer() && v->i > 0) {
    return Status::Error(StatusCode::Unsupported,
                         "mixture-of-experts models are not supported (" + k + "expert_count = " +
                             std::to_string(v->i) + ")");
  }
  for (const GgufTensorInfo& t : file.tensors()) {
    if (t.name.rfind("v.", 0) == 0 || t.name.rfind("mm.", 0) == 0) {
      return Status::Error(StatusCode::Unsupported,
                           "vision towers are not supported (tensor '" + t.name + "')");
    }
  }
  ARB_RETURN_IF_ERROR(get_int(file, k + "embedding_length", 1, 1 << 20, &c.n_embd));
  ARB_RETURN_IF_ERROR(get_int(file, k + "block_count", 1, 4096, &c.n_layer));
  ARB_RETURN_IF_ERROR(get_int(file, k + "attention.head_count", 1, 4096, &c.n_head));
  const int64_t head_count = c.n_head;
  ARB_RETURN_IF_ERROR(
      get_int(file, k + "attention.head_count_kv", 1, 4096, &c.n_head_kv, &head_count));
  ARB_RETURN_IF_ERROR(get_int(file, k + "feed_forward_length", 1, 1 << 22, &c.n_ff));
  ARB_RETURN_IF_ERROR(get_int(file, k + "context_length", 1, 1 << 24, &c.n_ctx_train));
  double eps = 0.0;
  ARB_RETURN_IF_ERROR(file.get_float(k + "attention.layer_norm_rms_epsilon", &eps));
  if (!(eps > 0.0 && eps < 1.0)) {
    return Status::Error(StatusCode::InvalidModel,
                         k + "attention.layer_norm_rms_epsilon = " + std::to_string(eps) +
                             " is not in (0, 1)");
  }
  c.rms_eps = static_cast<float>(eps);
  const double default_base = 10000.0;
  double base = 0.0;
  ARB_RETURN_IF_ERROR(file.get_float(k + "rope.freq_base", &base, &default_base));
  if (!(base > 1.0 && std::isfinite(base))) {
    return Status::Error(StatusCode::InvalidModel,
                         k + "rope.freq_base = " + std::to_string(base) + " is not above 1");
  }
  c.rope_freq_base = static_cast<float>(base);

  if (c.n_head % c.n_head_kv != 0) {
    return Status::Error(StatusCode::InvalidModel,
                         "head count " + std::to_string(c.n_head) +
                             " is not a multiple of the KV head count " + std::to_string(c.n_head_kv));
  }
  // The head size is attention.key_length when the file has it (qwen3 and gemma3 heads are
  // wider than n_embd / n_head), else n_embd / n_head.
  if (file.find(k + "attention.key_length")) {
    ARB_RETURN_IF_ERROR(get_int(file, k + "attention.key_length", 2, 1024, &c.head_dim));
    const int64_t key_length = c.head_dim;
    int value_length = 0;
    ARB_RETURN_IF_ERROR(get_int(file, k + "attention.value_length", 1, 1024, &value_length, &key_length));
    if (value_length != c.head_dim) {
      return Status::Error(StatusCode::Unsupported,
                           k + "attention.value_length " + std::to_string(value_length) +
                               " differs from the key length " + std::to_string(c.head_dim) +
                               ", which is not supported");
    }
  } else {
    if (c.n_embd % c.n_head != 0) {
      return Status::Error(StatusCode::InvalidModel,
                           "embedding length " + std::to_string(c.n_embd) +
                               " is not a multiple of the head count " + std::to_string(c.n_head));
    }
    c.head_dim = c.n_embd / c.n_head;
  }
  const int64_t head_dim = c.head_dim;
  ARB_RETURN_IF_ERROR(get_int(file, k + "rope.dimension_count", 2, head_dim, &c.rope_dim, &head_dim));
  if (c.rope_dim % 2 != 0) {
    return Status::Error(StatusCode::InvalidModel,
                         k + "rope.dimension_count = " + std::to_string(c.rope_dim) + " is odd");
  }

  std::string scaling;
  ARB_RETURN_IF_ERROR(file.get_string(k + "rope.scaling.type", &scaling, "none"));
  if (scaling == "linear") {
    // llama.cpp: rope.scaling.factor, or the older rope.scale_linear; freq_scale = 1 / factor.
    double factor = 0.0;
    const double none = 0.0;
    ARB_RETURN_IF_ERROR(file.get_float(k + "rope.scaling.factor", &factor, &none));
    if (factor == 0.0) ARB_RETURN_IF_ERROR(file.get_float(k + "rope.scale_linear", &factor, &none));
    if (factor == 0.0) factor = 1.0;
    if (!(factor > 0.0 && std::isfinite(factor))) {
      return Status::Error(StatusCode::InvalidModel,
                           k + "rope.scaling.factor = " + std::to_string(factor) + " is not positive");
    }
    c.rope_freq_scale = static_cast<float>(1.0 / factor);
  } else if (scaling != "none") {
    return Status::Error(StatusCode::Unsupported,
                         "RoPE scaling '" + scaling + "' is not supported (none and linear are)");
  }
  if (const GgufTensorInfo* t = file.find_tensor("rope_freqs.weight")) {
    TensorView factors;
    ARB_RETURN_IF_ERROR(check_tensor(file, "rope_freqs.weight", c.rope_dim / 2, 0, false, &factors));
    const float* f = reinterpret_cast<const float*>(t->data);
    c.rope_freq_factors.assign(f, f + c.rope_dim / 2);
    for (float v : c.rope_freq_factors) {
      if (!(v > 0.0f && std::isfinite(v))) {
        return Status::Error(StatusCode::InvalidModel, "rope_freqs.weight holds a factor that is not positive");
      }
    }
  }

  c.attn_scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
  if (traits->swa) {
    // gemma3 as llama.cpp reads it: every sixth layer global, the five before it local with a
    // window of attention.sliding_window and RoPE base 10000 without scaling; embeddings times
    // sqrt(n_embd); q scaled by 1/sqrt(query_pre_attn_scalar), which the converter does not store
    // and llama.cpp derives: n_embd / n_head for the 27B (62 layers), the head size otherwise.
    ARB_RETURN_IF_ERROR(get_int(file, k + "attention.sliding_window", 1, 1 << 24, &c.n_swa));
    c.layer_is_swa.resize(static_cast<size_t>(c.n_layer));
    for (int l = 0; l < c.n_layer; l++) c.layer_is_swa[static_cast<size_t>(l)] = l % 6 < 5;
    c.rope_freq_base_swa = 10000.0f;
    c.embd_scale = std::sqrt(static_cast<float>(c.n_embd));
    const int scalar = c.n_layer == 62 ? c.n_embd / c.n_head : c.head_dim;
    c.attn_scale = 1.0f / std::sqrt(static_cast<float>(scalar));
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
  if (const GgufValue* v = file.find(k + "vocab_size")) {
    if (!v->is_integer() || v->i != c.n_vocab) {
      return Status::Error(StatusCode::InvalidModel,
                           k + "vocab_size does not match token_embd.weight's " +
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
  ARB_RETURN_IF_ERROR(load_score_head(file, k, c.n_embd, &w));
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
    if (traits->qkv_bias) {
      ARB_RETURN_IF_ERROR(check_tensor(file, p + "attn_q.bias", q_dim, 0, false, &L.bq));
      ARB_RETURN_IF_ERROR(check_tensor(file, p + "attn_k.bias", kv_dim, 0, false, &L.bk));
      ARB_RETURN_IF_ERROR(check_tensor(file, p + "attn_v.bias", kv_dim, 0, false, &L.bv));
    } else {
      // llama.cpp's llama graph takes the biases when a file has them (some fine-tunes do).
      ARB_RETURN_IF_ERROR(optional_tensor(file, p + "attn_q.bias", q_dim, &L.bq));
      ARB_RETURN_IF_ERROR(optional_tensor(file, p + "attn_k.bias", kv_dim, &L.bk));
      ARB_RETURN_IF_ERROR(optional_tensor(file, p + "attn_v.bias", kv_dim, &L.bv));
    }
    if (traits->qk_norm) {
      ARB_RETURN_IF_ERROR(check_tensor(file, p + "attn_q_norm.weight", c.head_dim, 0, false, &L.attn_q_norm));
      ARB_RETURN_IF_ERROR(check_tensor(file, p + "attn_k_norm.weight", c.head_dim, 0, false, &L.attn_k_norm));
    }
    if (traits->post_norms) {
      ARB_RETURN_IF_ERROR(check_tensor(file, p + "post_attention_norm.weight", c.n_embd, 0, false, &L.attn_post_norm));
      ARB_RETURN_IF_ERROR(check_tensor(file, p + "post_ffw_norm.weight", c.n_embd, 0, false, &L.ffn_post_norm));
    }
  }

  metadata->parameter_count = 0;
  for (const GgufTensorInfo& t : file.tensors()) {
    metadata->parameter_count += t.ne[0] * t.ne[1] * t.ne[2] * t.ne[3];
  }
  return Status::Ok();
}

}  // namespace arb
