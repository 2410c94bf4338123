// Picks the next token of one sequence from its logits. Temperature 0 is greedy (argmax, the
// lowest id on ties). Otherwise, in order: repetition penalty over the recent tokens, top-k,
// softmax with temperature, top-p, then a draw from the sequence's own random generator, so the
// same seed and the same logits give the same token on every platform.
#pragma once
#include <atomic>
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

// Greedy's pick: the first largest of n logits (a NaN at id 0 wins, a NaN elsewhere never does).
int32_t first_argmax(const float* logits, int32_t n);

// first_argmax of a row computed in pieces, in any order and on any threads (the CPU backend's
// output projection, chunk by chunk): each piece's own pick is folded into one atomic key that
// orders by logit, then by lower id, so the result never depends on the order.
class ArgmaxOfPieces {
 public:
  void reset() { key_.store(0, std::memory_order_relaxed); }
  // Folds in row[begin, end) (row: the whole row's logits, final in that range).
  void add(const float* row, int32_t begin, int32_t end);
  // After every piece of the row is in (and visible to this thread).
  int32_t result(const float* row) const;

 private:
  std::atomic<uint64_t> key_{0};  // 0: no candidate yet
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
  // Whether sample() without a mask is first_argmax of the logits as given (greedy, no
  // repetition penalty), so a pick the backend has made already can stand in for it.
  bool is_plain_greedy() const { return params_.temperature <= 0.0f && params_.repetition_penalty == 1.0f; }

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
