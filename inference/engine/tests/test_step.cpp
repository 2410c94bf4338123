// The step contract every backend shares (step.h, backend.h), on the CPU backend: the inputs
// validate_step refuses, with their codes, leave the cache as it was; copy_prefix within one
// slot is a no-op; a copied prefix continues exactly as the original. The CUDA tests check the
// same contract on a GPU (engine/cuda/tests/test_backend.cu).
#include <cstring>
#include <memory>
#include <vector>

#include "../backend.h"
#include "../gguf.h"
#include "../model_loader.h"
#include "../sampler.h"
#include "../step.h"
#include "gguf_builder.h"
#include "test.h"

namespace arb {
namespace {

struct TinyBackend {
  std::vector<uint8_t> bytes;
  std::unique_ptr<GgufFile> file;
  LlamaModel model;
  std::unique_ptr<Backend> backend;
  int n_vocab = 0;
};

void make_backend(TinyBackend* out, int threads = 1) {
  test::TinyLlama c;
  c.n_embd = 32;
  c.n_layer = 2;
  c.n_head = 2;
  c.n_head_kv = 1;
  c.n_ff = 64;
  c.type = GgmlType::Q8_0;
  out->bytes = test::make_tiny_llama(c);
  CHECK_OK(GgufFile::parse(out->bytes.data(), out->bytes.size(), &out->file));
  ModelMetadata meta;
  CHECK_OK(load_llama_model(*out->file, &out->model, &meta));
  BackendOptions bo;
  bo.n_threads = threads;
  bo.n_ctx = 16;
  bo.n_slots = 3;
  CHECK_OK(create_cpu_backend(out->model, bo, &out->backend));
  out->n_vocab = out->model.config.n_vocab;
}

// Logits of `n` tokens (one row each) appended to slot `slot` after `n_past` cached positions.
std::vector<float> run(Backend& be, int slot, int n_past, const std::vector<int32_t>& tokens, int n_vocab) {
  std::vector<float> logits(tokens.size() * static_cast<size_t>(n_vocab));
  CHECK_OK(be.forward({StepSequence{slot, n_past, tokens.data(), static_cast<int>(tokens.size()), true}}, logits.data()));
  return logits;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST(step_validation_refuses_bad_steps_with_codes) {
  const int32_t ok_tokens[3] = {1, 5, 9};
  const int32_t bad_token[1] = {100000};
  float logits[1] = {0.0f};
  StepLayout layout;
  auto code = [&](const std::vector<StepSequence>& step, const float* out) {
    return validate_step(step, 2, 8, 256, 1, out, &layout).code;
  };
  CHECK(code({}, logits) == StatusCode::InvalidArgument);
  CHECK(code({{2, 0, ok_tokens, 1, false}}, logits) == StatusCode::InvalidArgument);
  CHECK(code({{-1, 0, ok_tokens, 1, false}}, logits) == StatusCode::InvalidArgument);
  CHECK(code({{0, 0, ok_tokens, 1, false}, {0, 1, ok_tokens, 1, false}}, logits) == StatusCode::InvalidArgument);
  CHECK(code({{0, 0, ok_tokens, 0, false}}, logits) == StatusCode::InvalidArgument);
  CHECK(code({{0, 0, nullptr, 1, false}}, logits) == StatusCode::InvalidArgument);
  CHECK(code({{0, -1, ok_tokens, 1, false}}, logits) == StatusCode::InvalidArgument);
  CHECK(code({{0, 6, ok_tokens, 3, false}}, logits) == StatusCode::ContextOverflow);
  CHECK(code({{0, 0, bad_token, 1, false}}, logits) == StatusCode::InvalidArgument);
  CHECK(code({{0, 0, ok_tokens, 1, false}}, nullptr) == StatusCode::InvalidArgument);
  CHECK(code({{0, 0, ok_tokens, 1, false, 1}}, logits) == StatusCode::InvalidArgument);
  CHECK(code({{0, 0, ok_tokens, 1, false, -2}}, logits) == StatusCode::InvalidArgument);
  CHECK(code({{0, 0, ok_tokens, 1, false, 0}}, logits) == StatusCode::Ok);

  CHECK_OK(validate_step({{1, 2, ok_tokens, 3, true}, {0, 5, ok_tokens, 2, false}}, 2, 8, 256, 0, logits, &layout));
  CHECK_EQ(layout.n_tokens, 5);
  CHECK_EQ(layout.n_logit_rows, 4);
  CHECK(layout.first_logit == std::vector<int64_t>({0, 3}));
}

TEST(step_validation_refuses_bad_prefix_copies) {
  CHECK(validate_copy_prefix(0, 3, 1, 3, 16).code == StatusCode::InvalidArgument);
  CHECK(validate_copy_prefix(-1, 0, 1, 3, 16).code == StatusCode::InvalidArgument);
  CHECK(validate_copy_prefix(0, 1, -1, 3, 16).code == StatusCode::InvalidArgument);
  CHECK(validate_copy_prefix(0, 1, 17, 3, 16).code == StatusCode::InvalidArgument);
  CHECK_OK(validate_copy_prefix(0, 1, 16, 3, 16));
  CHECK_OK(validate_copy_prefix(2, 2, 0, 3, 16));
}

TEST(cpu_backend_refused_step_leaves_the_cache_unchanged) {
  TinyBackend t;
  make_backend(&t);
  Backend& be = *t.backend;
  const std::vector<int32_t> prompt = {1, 7, 11, 13}, next = {17};
  run(be, 0, 0, prompt, t.n_vocab);
  const std::vector<float> want = run(be, 0, 4, next, t.n_vocab);
  // Slot 0 again from the same prompt, then a step that is refused because its second
  // sequence overflows the context: the first sequence's tokens must not reach the cache.
  run(be, 0, 0, prompt, t.n_vocab);
  const int32_t poison[2] = {3, 5};
  std::vector<float> logits(static_cast<size_t>(4) * t.n_vocab);
  const Status st = be.forward({StepSequence{0, 4, poison, 2, false}, StepSequence{1, 15, poison, 2, false}}, logits.data());
  CHECK(st.code == StatusCode::ContextOverflow);
  CHECK(same_bits(run(be, 0, 4, next, t.n_vocab), want));
}

TEST(cpu_backend_copy_prefix_contract) {
  TinyBackend t;
  make_backend(&t);
  Backend& be = *t.backend;
  const std::vector<int32_t> prompt = {1, 7, 11, 13, 19}, next = {23, 29};
  run(be, 0, 0, prompt, t.n_vocab);
  const std::vector<float> want = run(be, 0, 5, next, t.n_vocab);

  // A copied prefix continues exactly as the original slot does.
  CHECK_OK(be.copy_prefix(0, 1, 5));
  CHECK(same_bits(run(be, 1, 5, next, t.n_vocab), want));

  // Within one slot: a no-op that succeeds.
  CHECK_OK(be.copy_prefix(0, 0, 5));
  CHECK(same_bits(run(be, 0, 5, next, t.n_vocab), want));

  // Out of range: refused with InvalidArgument, nothing copied.
  CHECK(be.copy_prefix(0, 3, 5).code == StatusCode::InvalidArgument);
  CHECK(be.copy_prefix(0, 1, 17).code == StatusCode::InvalidArgument);
  CHECK(be.copy_prefix(-1, 1, 5).code == StatusCode::InvalidArgument);
}

// forward_argmax: the same logits as forward, and each row's greedy pick found chunk by chunk
// in the output projection's job (2 threads, rows of several sequences) equal to first_argmax
// over the whole row.
TEST(cpu_backend_argmax_is_the_greedy_pick_of_its_logits) {
  TinyBackend plain, picking;
  make_backend(&plain, 2);
  make_backend(&picking, 2);
  const int32_t a[3] = {1, 7, 3}, b[2] = {4, 9}, c[1] = {2};
  for (int n_past = 0; n_past < 6; n_past += 3) {
    const std::vector<StepSequence> step = {{0, n_past, a, 3, true}, {1, n_past, b, 2, false}, {2, n_past, c, 1, false}};
    const size_t rows = 5, nv = static_cast<size_t>(plain.n_vocab);
    std::vector<float> expected(rows * nv), logits(rows * nv);
    std::vector<int32_t> argmax(rows, -2);
    CHECK_OK(plain.backend->forward(step, expected.data()));
    CHECK_OK(picking.backend->forward_argmax(step, logits.data(), argmax.data()));
    CHECK(same_bits(expected, logits));
    for (size_t r = 0; r < rows; r++) CHECK_EQ(argmax[r], first_argmax(&logits[r * nv], plain.n_vocab));
  }
}

}  // namespace
}  // namespace arb
