// Picks the next token of one sequence from its logits. Temperature 0 is greedy (argmax, the
// lowest id on ties). Otherwise, in order: repetition penalty over the recent tokens, top-k,
// softmax with temperature, top-p, then a draw from the sequence's own random generator, so the
// same seed and the same logits give the same token on every platform.
#pragma once
#include <cstdint>
#include <vector>

namespace arb {

struct SamplingParams {
  float temperature = 0.8f;
  int top_k = 40;                  // 0 = off
  float top_p = 0.95f;             // 1 = off
  float repetition_penalty = 1.0f; // 1 = off; llama.cpp style: positive logits / p, negative * p
  int repetition_window = 64;      // how many recent tokens the penalty looks at
  uint64_t seed = 0;
};

// splitmix64: tiny, fast, and its output depends only on the seed.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next();
  double uniform();  // [0, 1) with 53 random bits
 private:
  uint64_t state_;
};

class Sampler {
 public:
  Sampler(const SamplingParams& params, int n_vocab);
  // `recent` is the sequence so far (prompt and generated); its last repetition_window tokens
  // are penalised. `logits` is not modified. `allowed` (a bit per id, n_vocab bits; null: all)
  // restricts the draw to those ids, as if the others' logits were -infinity, before top-k and
  // top-p; with none allowed the result is 0.
  int32_t sample(const float* logits, const std::vector<int32_t>& recent, const uint64_t* allowed = nullptr);

 private:
  struct Candidate {
    int32_t id;
    float logit;
  };
  SamplingParams params_;
  int n_vocab_;
  Rng rng_;
  std::vector<Candidate> candidates_;
  std::vector<float> penalised_;
};

}  // namespace arb
