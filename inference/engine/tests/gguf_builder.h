// Builds GGUF files in memory for the C++ tests: metadata, tensors, and a tiny random llama
// model with a small SentencePiece vocabulary.
#pragma once
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "../ggml_types.h"
#include "../quants_ref.h"

namespace arb::test {

class GgufBuilder {
 public:
  void kv_string(const std::string& key, const std::string& v) { key_(key, 8); str_(v); n_kv_++; }
  void kv_u32(const std::string& key, uint32_t v) { key_(key, 4); raw_(&v, 4); n_kv_++; }
  void kv_f32(const std::string& key, float v) { key_(key, 6); raw_(&v, 4); n_kv_++; }
  void kv_bool(const std::string& key, bool v) { key_(key, 7); uint8_t b = v; raw_(&b, 1); n_kv_++; }
  void kv_strings(const std::string& key, const std::vector<std::string>& v) {
    key_(key, 9); u32_(8); u64_(v.size());
    for (const std::string& s : v) str_(s);
    n_kv_++;
  }
  void kv_f32s(const std::string& key, const std::vector<float>& v) {
    key_(key, 9); u32_(6); u64_(v.size()); raw_(v.data(), v.size() * 4); n_kv_++;
  }
  void kv_i32s(const std::string& key, const std::vector<int32_t>& v) {
    key_(key, 9); u32_(5); u64_(v.size()); raw_(v.data(), v.size() * 4); n_kv_++;
  }
  void tensor(const std::string& name, GgmlType type, std::vector<int64_t> ne, std::vector<uint8_t> data) {
    tensors_.push_back({name, type, std::move(ne), std::move(data)});
  }

  std::vector<uint8_t> build(uint32_t alignment = 32) const {
    std::vector<uint8_t> out;
    auto put = [&](const void* p, size_t n) {
      out.insert(out.end(), static_cast<const uint8_t*>(p), static_cast<const uint8_t*>(p) + n);
    };
    put("GGUF", 4);
    const uint32_t version = 3;
    put(&version, 4);
    const uint64_t nt = tensors_.size(), nkv = n_kv_;
    put(&nt, 8);
    put(&nkv, 8);
    put(kv_.data(), kv_.size());
    uint64_t offset = 0;
    std::vector<uint64_t> offsets;
    for (const Tensor& t : tensors_) {
      const uint64_t len = t.name.size();
      put(&len, 8);
      put(t.name.data(), t.name.size());
      const uint32_t nd = static_cast<uint32_t>(t.ne.size());
      put(&nd, 4);
      for (int64_t d : t.ne) put(&d, 8);
      const uint32_t type = static_cast<uint32_t>(t.type);
      put(&type, 4);
      put(&offset, 8);
      offsets.push_back(offset);
      offset += (t.data.size() + alignment - 1) / alignment * alignment;
    }
    out.resize((out.size() + alignment - 1) / alignment * alignment, 0);
    const size_t base = out.size();
    for (size_t i = 0; i < tensors_.size(); i++) {
      out.resize(base + offsets[i], 0);
      put(tensors_[i].data.data(), tensors_[i].data.size());
    }
    return out;
  }

 private:
  struct Tensor {
    std::string name;
    GgmlType type;
    std::vector<int64_t> ne;
    std::vector<uint8_t> data;
  };
  void raw_(const void* p, size_t n) {
    kv_.insert(kv_.end(), static_cast<const uint8_t*>(p), static_cast<const uint8_t*>(p) + n);
  }
  void u32_(uint32_t v) { raw_(&v, 4); }
  void u64_(uint64_t v) { raw_(&v, 8); }
  void str_(const std::string& s) { u64_(s.size()); raw_(s.data(), s.size()); }
  void key_(const std::string& k, uint32_t type) { str_(k); u32_(type); }

  std::vector<uint8_t> kv_;
  uint64_t n_kv_ = 0;
  std::vector<Tensor> tensors_;
};

struct TinyLlama {
  int n_embd = 64, n_layer = 2, n_head = 4, n_head_kv = 2, n_ff = 96, n_ctx = 256;
  GgmlType type = GgmlType::F32;
  bool tied = false;
  bool score_head = false;  // a reward model: cls.output.weight [n_embd, 1] + bias, pooling RANK
  uint32_t seed = 1;
  // Per-tensor weight types for mixed files (a tensor name -> its type); `type` when empty.
  std::function<GgmlType(const std::string& name)> type_of;
};

// <unk>, <s>, </s>, the 256 byte tokens, then a few merges. Scores favour longer tokens.
inline void tiny_vocab(std::vector<std::string>* tokens, std::vector<float>* scores, std::vector<int32_t>* types) {
  *tokens = {"<unk>", "<s>", "</s>"};
  *types = {2, 3, 3};
  for (int b = 0; b < 256; b++) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    tokens->push_back(name);
    types->push_back(6);
  }
  const char* words[] = {"\xe2\x96\x81", "e", "t", "a", "o", "l", "H", "d", "r", "w", "\xe2\x96\x81t", "he",
                         "\xe2\x96\x81the", "\xe2\x96\x81" "a", "ll", "llo", "Hello", "\xe2\x96\x81Hello", "or",
                         "orld", "wor", "world", "He", "ld", "\xe2\x96\x81world", "\xc3\xa9", "\xe2\x96\x81w"};
  for (const char* w : words) {
    tokens->push_back(w);
    types->push_back(1);
  }
  scores->assign(tokens->size(), 0.0f);
  for (size_t i = 259; i < tokens->size(); i++) (*scores)[i] = static_cast<float>((*tokens)[i].size());
}

inline std::vector<uint8_t> random_tensor(GgmlType type, int64_t cols, int64_t rows, float scale, float mean,
                                          std::mt19937& rng) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> row(static_cast<size_t>(cols));
  std::vector<uint8_t> out(ggml_row_size(type, cols) * static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; r++) {
    for (float& v : row) v = mean + scale * normal(rng);
    quantize_row_ref(type, row.data(), out.data() + ggml_row_size(type, cols) * static_cast<size_t>(r), cols);
  }
  return out;
}

inline std::vector<uint8_t> make_tiny_llama(const TinyLlama& c) {
  std::vector<std::string> tokens;
  std::vector<float> scores;
  std::vector<int32_t> types;
  tiny_vocab(&tokens, &scores, &types);
  const int64_t n_vocab = static_cast<int64_t>(tokens.size());
  GgufBuilder b;
  b.kv_string("general.architecture", "llama");
  b.kv_string("general.name", "tiny test llama");
  b.kv_u32("llama.context_length", static_cast<uint32_t>(c.n_ctx));
  b.kv_u32("llama.embedding_length", static_cast<uint32_t>(c.n_embd));
  b.kv_u32("llama.block_count", static_cast<uint32_t>(c.n_layer));
  b.kv_u32("llama.feed_forward_length", static_cast<uint32_t>(c.n_ff));
  b.kv_u32("llama.attention.head_count", static_cast<uint32_t>(c.n_head));
  b.kv_u32("llama.attention.head_count_kv", static_cast<uint32_t>(c.n_head_kv));
  b.kv_f32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
  b.kv_f32("llama.rope.freq_base", 10000.0f);
  b.kv_string("tokenizer.ggml.model", "llama");
  b.kv_strings("tokenizer.ggml.tokens", tokens);
  b.kv_f32s("tokenizer.ggml.scores", scores);
  b.kv_i32s("tokenizer.ggml.token_type", types);
  b.kv_u32("tokenizer.ggml.bos_token_id", 1);
  b.kv_u32("tokenizer.ggml.eos_token_id", 2);
  std::mt19937 rng(c.seed);
  const int64_t hd = c.n_embd / c.n_head;
  const float s_embd = 1.0f / std::sqrt(static_cast<float>(c.n_embd));
  const float s_ff = 1.0f / std::sqrt(static_cast<float>(c.n_ff));
  auto weight = [&](const std::string& name, int64_t cols, int64_t rows, float scale) {
    const GgmlType t = c.type_of ? c.type_of(name) : c.type;
    b.tensor(name, t, {cols, rows}, random_tensor(t, cols, rows, scale, 0, rng));
  };
  weight("token_embd.weight", c.n_embd, n_vocab, 1.0f);
  b.tensor("output_norm.weight", GgmlType::F32, {c.n_embd}, random_tensor(GgmlType::F32, c.n_embd, 1, 0.1f, 1, rng));
  if (!c.tied) weight("output.weight", c.n_embd, n_vocab, s_embd);
  for (int l = 0; l < c.n_layer; l++) {
    const std::string p = "blk." + std::to_string(l) + ".";
    b.tensor(p + "attn_norm.weight", GgmlType::F32, {c.n_embd}, random_tensor(GgmlType::F32, c.n_embd, 1, 0.1f, 1, rng));
    weight(p + "attn_q.weight", c.n_embd, c.n_head * hd, s_embd);
    weight(p + "attn_k.weight", c.n_embd, c.n_head_kv * hd, s_embd);
    weight(p + "attn_v.weight", c.n_embd, c.n_head_kv * hd, s_embd);
    weight(p + "attn_output.weight", c.n_head * hd, c.n_embd, s_embd);
    b.tensor(p + "ffn_norm.weight", GgmlType::F32, {c.n_embd}, random_tensor(GgmlType::F32, c.n_embd, 1, 0.1f, 1, rng));
    weight(p + "ffn_gate.weight", c.n_embd, c.n_ff, s_embd);
    weight(p + "ffn_up.weight", c.n_embd, c.n_ff, s_embd);
    weight(p + "ffn_down.weight", c.n_ff, c.n_embd, s_ff);
  }
  if (c.score_head) {
    b.kv_u32("llama.pooling_type", 4);
    b.tensor("cls.output.weight", GgmlType::F32, {c.n_embd, 1}, random_tensor(GgmlType::F32, c.n_embd, 1, s_embd, 0, rng));
    b.tensor("cls.output.bias", GgmlType::F32, {1}, random_tensor(GgmlType::F32, 1, 1, 0.5f, 0, rng));
  }
  return b.build();
}

// Writes bytes to a fresh file under /tmp and returns its path.
inline std::string write_temp(const std::vector<uint8_t>& bytes) {
  char path[] = "/tmp/arbiter-engine-test-XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) return {};
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return path;
}

}  // namespace arb::test
