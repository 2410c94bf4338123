// Continuous batching on a dedicated thread. Requests queue up from any thread; at each step
// the scheduler admits waiting requests into free KV slots, lets a request whose prompt shares a
// long prefix with a live sequence copy that sequence's cache (or start from the cache a
// finished sequence left in a free slot) instead of recomputing it, runs one forward pass over
// every live sequence (decode tokens first, then prompt chunks), samples, applies stop rules
// and reports each request's events to its sink.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "backend.h"
#include "constraint.h"
#include "sampler.h"
#include "status.h"
#include "tokenizer.h"

namespace arb {

struct GenerateParams {
  std::vector<int32_t> prompt;  // ids, BOS included by the caller
  SamplingParams sampling;
  int max_tokens = 256;         // clipped so prompt + generated fits the context
  std::vector<std::string> stop;
  bool ignore_eos = false;
  bool evaluate = false;        // return the logits of every prompt position instead of generating
  bool score = false;           // return the score head's value on the last prompt token instead of
                                // generating (a reward model: prompt + response as one sequence)
  std::string grammar;          // a JSON grammar (grammar.h) the output must follow; empty: none
  int adapter = -1;             // the LoRA adapter to run with (BackendOptions::adapters); -1: none
};

enum class FinishReason { Stop, Length, Cancelled };
const char* finish_reason_name(FinishReason r);  // "stop", "length", "cancelled"

struct GenerateResult {
  FinishReason finish_reason = FinishReason::Stop;
  std::vector<int32_t> tokens;  // every sampled id, a final end-of-generation token included
  std::string text;             // what the token events carried, concatenated
  int prompt_tokens = 0;
  int shared_prompt_tokens = 0; // prompt positions reused from another sequence's cache
  double prefill_ms = 0.0, decode_ms = 0.0;
  double constraint_ms = 0.0;   // of decode_ms: choosing tokens under the grammar (masks, budget)
  std::vector<float> logits;    // evaluate: prompt_tokens x n_vocab
  double score = 0.0;           // score: head . final normed hidden state of the last token + bias
};

// A scalar sequence-classification head (LlamaWeights::score_head), dequantized; computed on the
// host, in double, from the hidden state the backend returns. Empty weight: the model has none.
struct ScoreHead {
  std::vector<float> weight;  // n_embd
  float bias = 0.0f;
};

// A request's events, called on the scheduler thread; exactly one of on_finish / on_error
// ends every accepted request (on_error only for failures of the engine itself).
class RequestSink {
 public:
  virtual ~RequestSink() = default;
  // `text` is the UTF-8 that became final with this token: it may be empty while a multi-byte
  // character or a possible stop string is held back; the last token's event carries all that
  // is left.
  virtual void on_token(int32_t id, const std::string& text) = 0;
  virtual void on_finish(GenerateResult result) = 0;
  virtual void on_error(const Status& status) = 0;
};

class Scheduler {
 public:
  // reuse_finished_prefixes: let a request start from the cache a finished request left in a
  // free slot (prompt caching across requests); sharing with live sequences is always on.
  // n_adapters: the backend's LoRA adapters; a cached prefix is shared only between requests
  // that run the same adapter (its keys and values depend on it).
  Scheduler(Backend& backend, const Tokenizer& tokenizer, int n_vocab, bool reuse_finished_prefixes = true,
            int n_adapters = 0, ScoreHead score_head = {});
  ~Scheduler();  // finishes every request as cancelled, then joins the thread
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Validates and queues a request. Errors (empty prompt, bad ids, prompt longer than the
  // context) come back here and the sink is never called.
  Status submit(GenerateParams params, std::shared_ptr<RequestSink> sink, uint64_t* id);
  // Queues several requests at once (the n choices of one API request): they are admitted
  // together when the slots allow (a group larger than the slot count as slots free up), and a
  // member whose prompt equals an earlier member's copies that member's prefill, so sharing
  // does not depend on thread timing. All are validated first; on an error none is queued.
  Status submit_group(std::vector<GenerateParams> params, std::vector<std::shared_ptr<RequestSink>> sinks,
                      std::vector<uint64_t>* ids);
  // Scoring: submit_group with params.score set, one member per response (prompt + response).
  // Members share the longest common prefix with an earlier member however short, so the
  // prompt is prefilled once.
  // Stops a request between tokens (finish reason "cancelled"). Unknown ids are ignored.
  void cancel(uint64_t id);

 private:
  struct Sequence;
  Status validate(GenerateParams& params) const;
  Status constrain(Sequence& s);
  int32_t pick(Sequence& s, const float* logits, int32_t argmax);
  void loop();
  void admit();
  void build_step();
  void run_step(bool hidden);
  void apply_step(const float* logits, const int32_t* argmax);
  void apply_scores(const float* hidden);
  void accept_token(Sequence& s, int32_t id);
  void finish(Sequence& s, FinishReason reason);
  void fail(Sequence& s, const Status& status);
  void release(Sequence& s);
  void resolve_followers(Sequence& leader);

  Backend& backend_;
  const Tokenizer& tokenizer_;
  const int n_vocab_;
  const bool reuse_finished_prefixes_;
  const int n_adapters_;
  const ScoreHead score_head_;
  GrammarCache grammars_;
  std::once_flag token_trie_once_;
  std::unique_ptr<TokenTrie> token_trie_;  // built for the first constrained request

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  uint64_t next_id_ = 1;
  std::deque<std::unique_ptr<Sequence>> inbox_;                 // guarded by mutex_
  std::unordered_map<uint64_t, std::shared_ptr<std::atomic<bool>>> cancel_flags_;  // guarded

  // Scheduler thread only.
  std::deque<std::unique_ptr<Sequence>> waiting_;
  std::vector<std::unique_ptr<Sequence>> active_;
  std::deque<int> free_slots_;                 // longest free first
  std::vector<std::vector<int32_t>> slot_cache_;  // per slot: the tokens whose keys and values it holds
  std::vector<int> slot_adapter_;                 // per slot: the adapter those were computed with
  std::vector<StepSequence> step_;                // sequences that need logits
  std::vector<Sequence*> step_owner_;
  std::vector<float> logits_;
  std::vector<int32_t> argmax_;  // per logits row: the backend's greedy pick, or -1
  bool wants_argmax_ = false;    // a sequence of the step samples greedily from plain logits
  std::vector<StepSequence> hidden_step_;       // scoring sequences: final hidden states
  std::vector<Sequence*> hidden_step_owner_;
  std::vector<float> hidden_;

  std::thread thread_;
};

}  // namespace arb
