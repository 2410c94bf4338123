// The GGUF reader and model loader on valid, truncated, mutated and hand-broken files: every
// bad file is an error that names the problem, never a crash or an out-of-bounds read (run the
// binary under ASan/valgrind to see the latter).
#include <random>

#include "../backend.h"
#include "../gguf.h"
#include "../model_loader.h"
#include "../tokenizer.h"
#include "gguf_builder.h"
#include "test.h"

namespace arb {
namespace {

using test::GgufBuilder;

// Parses, loads the model and tokenizer, and when all that passes runs one forward step: the
// whole path a hostile file can reach.
Status load_all(const std::vector<uint8_t>& bytes) {
  std::unique_ptr<GgufFile> file;
  ARB_RETURN_IF_ERROR(GgufFile::parse(bytes.data(), bytes.size(), &file));
  LlamaModel model;
  ModelMetadata meta;
  ARB_RETURN_IF_ERROR(load_llama_model(*file, &model, &meta));
  std::unique_ptr<Tokenizer> tok;
  ARB_RETURN_IF_ERROR(load_tokenizer(*file, model.config.n_vocab, &tok));
  tok->encode("Hello world", true);
  BackendOptions bo;
  bo.n_threads = 1;
  bo.n_ctx = 8;
  bo.n_slots = 1;
  std::unique_ptr<Backend> backend;
  ARB_RETURN_IF_ERROR(create_cpu_backend(model, bo, &backend));
  const int32_t tokens[2] = {1, 3};
  std::vector<float> logits(static_cast<size_t>(model.config.n_vocab));
  return backend->forward({{0, 0, tokens, 2, false}}, logits.data());
}

std::vector<uint8_t> small_model() {
  test::TinyLlama c;
  c.n_embd = 32;
  c.n_layer = 1;
  c.n_head = 2;
  c.n_head_kv = 1;
  c.n_ff = 32;
  c.type = GgmlType::Q8_0;
  return test::make_tiny_llama(c);
}

bool message_has(const Status& st, const std::string& part) {
  const bool found = st.message.find(part) != std::string::npos;
  if (!found) std::fprintf(stderr, "  message was: %s\n", st.message.c_str());
  return found;
}

TEST(gguf_valid_model_loads) { CHECK_OK(load_all(small_model())); }

TEST(gguf_every_truncation_is_rejected) {
  const std::vector<uint8_t> full = small_model();
  int accepted = 0;
  for (size_t n = 0; n < full.size(); n += (n < 4096 ? 1 : 97)) {
    std::vector<uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    const Status st = load_all(cut);
    if (st.ok()) accepted++;
    else CHECK(st.code == StatusCode::InvalidModel || st.code == StatusCode::Unsupported);
  }
  CHECK_EQ(accepted, 0);
}

TEST(gguf_random_mutations_never_crash) {
  const std::vector<uint8_t> full = small_model();
  std::mt19937 rng(2024);
  int rejected = 0;
  for (int round = 0; round < 3000; round++) {
    std::vector<uint8_t> bad = full;
    const int flips = 1 + static_cast<int>(rng() % 4);
    // Most mutations hit the header and metadata, where the structure lives.
    const size_t span = round % 2 ? bad.size() : std::min<size_t>(bad.size(), 6000);
    for (int f = 0; f < flips; f++) {
      const size_t at = rng() % span;
      switch (rng() % 3) {
        case 0: bad[at] ^= static_cast<uint8_t>(1u << (rng() % 8)); break;
        case 1: bad[at] = static_cast<uint8_t>(rng()); break;
        default: bad[at] = 0xff; break;
      }
    }
    rejected += !load_all(bad).ok();
  }
  CHECK(rejected > 100);  // most header mutations break something; none may crash
}

TEST(gguf_errors_name_the_problem) {
  std::vector<uint8_t> bytes = small_model();
  std::unique_ptr<GgufFile> f;

  std::vector<uint8_t> magic = bytes;
  magic[0] = 'X';
  Status st = GgufFile::parse(magic.data(), magic.size(), &f);
  CHECK(st.code == StatusCode::InvalidModel && message_has(st, "not a GGUF file"));

  std::vector<uint8_t> version = bytes;
  version[4] = 2;
  st = GgufFile::parse(version.data(), version.size(), &f);
  CHECK(st.code == StatusCode::Unsupported && message_has(st, "version 2"));

  std::vector<uint8_t> counts = bytes;
  std::memset(&counts[8], 0x7f, 8);  // n_tensors
  st = GgufFile::parse(counts.data(), counts.size(), &f);
  CHECK(st.code == StatusCode::InvalidModel && message_has(st, "tensors"));

  std::vector<uint8_t> key_len = bytes;
  std::memset(&key_len[24], 0x7f, 8);  // first key's length
  st = GgufFile::parse(key_len.data(), key_len.size(), &f);
  CHECK(st.code == StatusCode::InvalidModel && message_has(st, "length"));

  {
    GgufBuilder b;
    b.kv_u32("general.alignment", 3);
    const std::vector<uint8_t> v = b.build();
    st = GgufFile::parse(v.data(), v.size(), &f);
    CHECK(st.code == StatusCode::InvalidModel && message_has(st, "alignment"));
  }
  {
    GgufBuilder b;
    b.kv_u32("a", 1);
    b.kv_u32("a", 2);
    const std::vector<uint8_t> v = b.build();
    st = GgufFile::parse(v.data(), v.size(), &f);
    CHECK(message_has(st, "appears twice"));
  }
  {
    GgufBuilder b;
    b.tensor("t", GgmlType::Q8_0, {33}, std::vector<uint8_t>(34));
    const std::vector<uint8_t> v = b.build();
    st = GgufFile::parse(v.data(), v.size(), &f);
    CHECK(message_has(st, "block size"));
  }
  {
    GgufBuilder b;
    b.tensor("t", static_cast<GgmlType>(3), {32}, std::vector<uint8_t>(20));
    const std::vector<uint8_t> v = b.build();
    st = GgufFile::parse(v.data(), v.size(), &f);
    CHECK(st.code == StatusCode::Unsupported && message_has(st, "Q4_1"));
  }
  {
    GgufBuilder b;
    b.tensor("t", GgmlType::F32, {64}, std::vector<uint8_t>(64));  // 256 bytes promised
    const std::vector<uint8_t> v = b.build();
    st = GgufFile::parse(v.data(), v.size(), &f);
    CHECK(message_has(st, "runs past the end"));
  }
  {
    GgufBuilder b;
    b.tensor("t", GgmlType::F32, {2, 0}, {});
    const std::vector<uint8_t> v = b.build();
    st = GgufFile::parse(v.data(), v.size(), &f);
    CHECK(message_has(st, "dimension"));
  }
}

TEST(loader_checks_architecture_keys_and_tensor_shapes) {
  auto build = [](const std::string& arch, bool drop_q, bool bad_shape) {
    GgufBuilder b;
    b.kv_string("general.architecture", arch);
    b.kv_u32("llama.context_length", 64);
    b.kv_u32("llama.embedding_length", 32);
    b.kv_u32("llama.block_count", 1);
    b.kv_u32("llama.feed_forward_length", 32);
    b.kv_u32("llama.attention.head_count", 2);
    b.kv_f32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
    std::vector<uint8_t> mat(32 * 32 * 4), vec(32 * 4), emb(32 * 8 * 4);
    b.tensor("token_embd.weight", GgmlType::F32, {32, 8}, emb);
    b.tensor("output_norm.weight", GgmlType::F32, {32}, vec);
    b.tensor("blk.0.attn_norm.weight", GgmlType::F32, {32}, vec);
    if (!drop_q) b.tensor("blk.0.attn_q.weight", GgmlType::F32, {32, 32}, mat);
    b.tensor("blk.0.attn_k.weight", GgmlType::F32, {32, bad_shape ? 16 : 32}, mat);
    b.tensor("blk.0.attn_v.weight", GgmlType::F32, {32, 32}, mat);
    b.tensor("blk.0.attn_output.weight", GgmlType::F32, {32, 32}, mat);
    b.tensor("blk.0.ffn_norm.weight", GgmlType::F32, {32}, vec);
    b.tensor("blk.0.ffn_gate.weight", GgmlType::F32, {32, 32}, mat);
    b.tensor("blk.0.ffn_up.weight", GgmlType::F32, {32, 32}, mat);
    b.tensor("blk.0.ffn_down.weight", GgmlType::F32, {32, 32}, mat);
    return b.build();
  };
  auto load = [](const std::vector<uint8_t>& v) {
    std::unique_ptr<GgufFile> f;
    ARB_RETURN_IF_ERROR(GgufFile::parse(v.data(), v.size(), &f));
    LlamaModel m;
    ModelMetadata meta;
    return load_llama_model(*f, &m, &meta);
  };
  CHECK_OK(load(build("llama", false, false)));
  Status st = load(build("gpt2", false, false));
  CHECK(st.code == StatusCode::Unsupported && message_has(st, "gpt2"));
  st = load(build("llama", true, false));
  CHECK(st.code == StatusCode::InvalidModel && message_has(st, "blk.0.attn_q.weight"));
  st = load(build("llama", false, true));
  CHECK(st.code == StatusCode::InvalidModel && message_has(st, "blk.0.attn_k.weight"));
}

}  // namespace
}  // namespace arb
