// Scheduler; see scheduler.h. One thread owns the backend: requests arrive through a locked
// inbox, everything else is touched by that thread only.
#include "scheduler.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <random>

namespace arb {

namespace {

constexpr int kStepTokens = 512;       // tokens per forward step: decode tokens + prompt chunks
constexpr int kEvaluateChunk = 64;     // prompt tokens per step when every position needs logits
constexpr int kMinSharedPrefix = 32;   // shorter common prefixes are recomputed (unless the whole prompt)

using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

}  // namespace

const char* finish_reason_name(FinishReason r) {
  switch (r) {
    case FinishReason::Stop: return "stop";
    case FinishReason::Length: return "length";
    case FinishReason::Cancelled: return "cancelled";
  }
  return "stop";
}

struct Scheduler::Sequence {
  enum class State { Waiting, Following, Prefilling, Decoding, Done };

  uint64_t id = 0;
  uint64_t group = 0;            // submit_group: the id of the group's first member; else 0
  GenerateParams p;
  std::shared_ptr<RequestSink> sink;
  std::shared_ptr<std::atomic<bool>> cancelled;
  State state = State::Waiting;
  int slot = -1;
  int n_past = 0;                // positions in this slot's cache
  Sequence* leader = nullptr;    // Following: whose cache to copy
  int share_len = 0;
  std::vector<int32_t> history;  // prompt, then sampled tokens
  int32_t pending_token = -1;    // sampled, enters the cache at the next step
  Sampler sampler;
  std::unique_ptr<Constraint> constraint;  // when the output must follow a grammar
  Utf8Stream utf8;
  std::string held;              // final UTF-8 not yet emitted: it may start a stop string
  GenerateResult result;
  Clock::time_point t_start, t_first;

  Sequence(GenerateParams params, int n_vocab) : p(std::move(params)), sampler(p.sampling, n_vocab) {}
};

Scheduler::Scheduler(Backend& backend, const Tokenizer& tokenizer, int n_vocab, bool reuse_finished_prefixes,
                     int n_adapters, ScoreHead score_head)
    : backend_(backend),
      tokenizer_(tokenizer),
      n_vocab_(n_vocab),
      reuse_finished_prefixes_(reuse_finished_prefixes),
      n_adapters_(n_adapters),
      score_head_(std::move(score_head)) {
  for (int s = 0; s < backend_.n_slots(); s++) free_slots_.push_back(s);
  slot_cache_.resize(static_cast<size_t>(backend_.n_slots()));
  slot_adapter_.assign(static_cast<size_t>(backend_.n_slots()), -1);
  thread_ = std::thread([this] { loop(); });
}

Scheduler::~Scheduler() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

Status Scheduler::validate(GenerateParams& params) const {
  const int n_ctx = backend_.n_ctx();
  const int n_prompt = static_cast<int>(params.prompt.size());
  if (n_prompt == 0) return Status::Error(StatusCode::InvalidArgument, "the prompt is empty");
  if (params.adapter < -1 || params.adapter >= n_adapters_) {
    return Status::Error(StatusCode::InvalidArgument, "adapter " + std::to_string(params.adapter) +
                                                          " is not loaded (the model has " +
                                                          std::to_string(n_adapters_) + " adapters)");
  }
  for (int32_t t : params.prompt) {
    if (t < 0 || t >= n_vocab_) {
      return Status::Error(StatusCode::InvalidArgument, "token id " + std::to_string(t) +
                                                            " is outside the vocabulary of " +
                                                            std::to_string(n_vocab_));
    }
  }
  if (params.score && score_head_.weight.empty()) {
    return Status::Error(StatusCode::Unsupported,
                         "this model has no score head (cls.output.weight): it is not a reward model and cannot score");
  }
  if (params.evaluate && params.score) {
    return Status::Error(StatusCode::InvalidArgument, "a request either evaluates or scores, not both");
  }
  const bool prefill_only = params.evaluate || params.score;
  if (prefill_only ? n_prompt > n_ctx : n_prompt >= n_ctx) {
    return Status::Error(StatusCode::ContextOverflow,
                         "the prompt has " + std::to_string(n_prompt) + " tokens but the context holds " +
                             std::to_string(n_ctx) +
                             (prefill_only ? "" : " and must leave room for at least one generated token"));
  }
  const SamplingParams& sp = params.sampling;
  if (!(sp.temperature >= 0.0f) || sp.top_k < 0 || !(sp.top_p > 0.0f && sp.top_p <= 1.0f) ||
      !(sp.repetition_penalty > 0.0f) || params.max_tokens < 0) {
    return Status::Error(StatusCode::InvalidArgument,
                         "sampling options out of range: need temperature >= 0, topK >= 0, 0 < topP <= 1, "
                         "repetitionPenalty > 0 and maxTokens >= 0");
  }
  params.max_tokens = std::min(params.max_tokens, n_ctx - n_prompt);
  params.stop.erase(std::remove(params.stop.begin(), params.stop.end(), std::string()), params.stop.end());
  return Status::Ok();
}

Status Scheduler::submit(GenerateParams params, std::shared_ptr<RequestSink> sink, uint64_t* id) {
  std::vector<GenerateParams> one;
  one.push_back(std::move(params));
  std::vector<uint64_t> ids;
  ARB_RETURN_IF_ERROR(submit_group(std::move(one), {std::move(sink)}, &ids));
  *id = ids[0];
  return Status::Ok();
}

Status Scheduler::submit_group(std::vector<GenerateParams> params, std::vector<std::shared_ptr<RequestSink>> sinks,
                               std::vector<uint64_t>* ids) {
  if (params.empty() || params.size() != sinks.size()) {
    return Status::Error(StatusCode::InvalidArgument, "submit_group: one sink per request, at least one request");
  }
  for (GenerateParams& p : params) ARB_RETURN_IF_ERROR(validate(p));
  std::vector<std::unique_ptr<Sequence>> seqs;
  for (size_t i = 0; i < params.size(); i++) {
    auto s = std::make_unique<Sequence>(std::move(params[i]), n_vocab_);
    ARB_RETURN_IF_ERROR(constrain(*s));
    s->sink = std::move(sinks[i]);
    s->cancelled = std::make_shared<std::atomic<bool>>(false);
    s->history = s->p.prompt;
    s->result.prompt_tokens = static_cast<int>(s->p.prompt.size());
    seqs.push_back(std::move(s));
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return Status::Error(StatusCode::Cancelled, "the model is being disposed");
    const uint64_t group = seqs.size() > 1 ? next_id_ : 0;
    ids->clear();
    for (auto& s : seqs) {
      s->id = next_id_++;
      s->group = group;
      ids->push_back(s->id);
      cancel_flags_[s->id] = s->cancelled;
      inbox_.push_back(std::move(s));
    }
  }
  wake_.notify_all();
  return Status::Ok();
}

// Sets up the sequence's grammar constraint, if it has a grammar: the grammar must parse, the
// vocabulary must spell every byte a document may need as a single token, and max_tokens must
// hold the shortest document (the budget guarantee in constraint.h starts from there).
Status Scheduler::constrain(Sequence& s) {
  if (s.p.grammar.empty() || s.p.evaluate) return Status::Ok();
  std::shared_ptr<GrammarMasks> masks;
  ARB_RETURN_IF_ERROR(grammars_.get(s.p.grammar, &masks));
  std::call_once(token_trie_once_, [&] { token_trie_ = std::make_unique<TokenTrie>(tokenizer_); });
  const int missing = token_trie_->missing_byte();
  if (missing >= 0) {
    return Status::Error(StatusCode::Unsupported, "constrained output needs a token for every byte; this vocabulary has none for byte " +
                                                      std::to_string(missing));
  }
  const int64_t shortest = masks->grammar.min_len();
  if (shortest > s.p.max_tokens) {
    return Status::Error(StatusCode::InvalidArgument,
                         "max_tokens is " + std::to_string(s.p.max_tokens) + " (after fitting the context) but the " +
                             "shortest output the schema allows takes " + std::to_string(shortest) + " tokens");
  }
  s.constraint = std::make_unique<Constraint>(std::move(masks), *token_trie_, tokenizer_, !s.p.ignore_eos);
  return Status::Ok();
}

void Scheduler::cancel(uint64_t id) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = cancel_flags_.find(id);
    if (it == cancel_flags_.end()) return;
    it->second->store(true);
  }
  wake_.notify_all();
}

void Scheduler::loop() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !inbox_.empty() || !active_.empty() || !waiting_.empty(); });
      if (stopping_) break;
      for (auto& s : inbox_) waiting_.push_back(std::move(s));
      inbox_.clear();
    }
    for (auto it = waiting_.begin(); it != waiting_.end();) {
      if ((*it)->cancelled->load()) {
        finish(**it, FinishReason::Cancelled);
        it = waiting_.erase(it);
      } else {
        ++it;
      }
    }
    for (auto& s : active_) {
      if (s->state != Sequence::State::Done && s->cancelled->load()) finish(*s, FinishReason::Cancelled);
    }
    admit();
    build_step();
    run_step(false);
    run_step(true);
    active_.erase(std::remove_if(active_.begin(), active_.end(),
                                 [](const std::unique_ptr<Sequence>& s) { return s->state == Sequence::State::Done; }),
                  active_.end());
  }
  // Disposal: every request still known ends as cancelled.
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& s : inbox_) waiting_.push_back(std::move(s));
    inbox_.clear();
  }
  for (auto& s : active_) {
    if (s->state != Sequence::State::Done) finish(*s, FinishReason::Cancelled);
  }
  for (auto& s : waiting_) finish(*s, FinishReason::Cancelled);
  active_.clear();
  waiting_.clear();
}

namespace {

// Length of the common prefix of a and b.
size_t common_prefix(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  const size_t limit = std::min(a.size(), b.size());
  size_t n = 0;
  while (n < limit && a[n] == b[n]) n++;
  return n;
}

}  // namespace

void Scheduler::admit() {
  while (!waiting_.empty() && !free_slots_.empty()) {
    // A group waits (in order) until all its waiting members fit, unless it could never fit.
    const uint64_t group = waiting_.front()->group;
    if (group != 0) {
      size_t members = 0;
      while (members < waiting_.size() && waiting_[members]->group == group) members++;
      if (members > free_slots_.size() && members <= static_cast<size_t>(backend_.n_slots())) break;
    }
    std::unique_ptr<Sequence> s = std::move(waiting_.front());
    waiting_.pop_front();
    s->t_start = Clock::now();
    if (s->p.max_tokens == 0 && !s->p.evaluate && !s->p.score) {
      s->t_first = s->t_start;
      finish(*s, FinishReason::Length);
      continue;
    }
    // Reuse the longest prefix already computed: in a live sequence's cache (copied once it is
    // there), or left in a free slot by a finished sequence (that slot is taken as it is). Only
    // the same prompt, or a common prefix of at least kMinSharedPrefix tokens, is worth it. The
    // last prompt token is always computed here, since its logits give the first sample;
    // evaluate requests compute everything (they return every position's logits).
    const std::vector<int32_t>& prompt = s->p.prompt;
    const size_t max_usable = prompt.size() - 1;
    auto worth_it = [&](size_t common) {
      const size_t usable = std::min(common, max_usable);
      return usable >= 1 && (common == prompt.size() || usable >= static_cast<size_t>(kMinSharedPrefix)) ? usable : 0;
    };
    Sequence* leader = nullptr;
    size_t leader_len = 0;
    int cached_slot = -1;
    size_t cached_len = 0;
    // An earlier member of the same group with the same prompt: always follow it (it may itself
    // be following another sequence; it copies first, being earlier in active_).
    // A scoring member follows the earlier member it shares the longest prefix with, however
    // short: the group is one prompt with several responses.
    for (auto& a : active_) {
      if (s->group == 0 || s->p.evaluate) break;
      if (a->group != s->group || a->state == Sequence::State::Done || a->p.adapter != s->p.adapter) continue;
      if (a->p.prompt == prompt) {
        leader_len = worth_it(prompt.size());
        leader = leader_len > 0 ? a.get() : nullptr;
        break;
      }
      const size_t usable = s->p.score ? std::min(common_prefix(a->p.prompt, prompt), max_usable) : 0;
      if (usable > leader_len) {
        leader_len = usable;
        leader = a.get();
      }
    }
    if (!s->p.evaluate && !leader) {
      for (auto& a : active_) {
        if (a->state == Sequence::State::Done || a->state == Sequence::State::Following ||
            a->p.adapter != s->p.adapter) {
          continue;
        }
        const size_t usable = worth_it(common_prefix(a->history, prompt));
        if (usable > leader_len) {
          leader_len = usable;
          leader = a.get();
        }
      }
      for (int slot : free_slots_) {
        if (!reuse_finished_prefixes_) break;
        if (slot_adapter_[static_cast<size_t>(slot)] != s->p.adapter) continue;
        const size_t usable = worth_it(common_prefix(slot_cache_[static_cast<size_t>(slot)], prompt));
        if (usable > cached_len) {
          cached_len = usable;
          cached_slot = slot;
        }
      }
    }
    // A slot: the one holding the reusable prefix, else the one freed longest ago.
    const int slot = cached_slot >= 0 && cached_len >= leader_len ? cached_slot : free_slots_.front();
    free_slots_.erase(std::find(free_slots_.begin(), free_slots_.end(), slot));
    s->slot = slot;
    if (slot == cached_slot) {
      s->n_past = static_cast<int>(cached_len);
      s->result.shared_prompt_tokens = s->n_past;
      s->state = Sequence::State::Prefilling;
    } else if (leader) {
      s->state = Sequence::State::Following;
      s->leader = leader;
      s->share_len = static_cast<int>(leader_len);
    } else {
      s->state = Sequence::State::Prefilling;
    }
    slot_cache_[static_cast<size_t>(slot)].clear();
    slot_adapter_[static_cast<size_t>(slot)] = s->p.adapter;
    active_.push_back(std::move(s));
  }
}

void Scheduler::build_step() {
  step_.clear();
  step_owner_.clear();
  hidden_step_.clear();
  hidden_step_owner_.clear();
  for (auto& s : active_) {
    if (s->state == Sequence::State::Following && s->leader->n_past >= s->share_len) {
      const Status st = backend_.copy_prefix(s->leader->slot, s->slot, s->share_len);
      if (!st.ok()) {
        fail(*s, st);
        continue;
      }
      s->n_past = s->share_len;
      s->result.shared_prompt_tokens = s->share_len;
      s->leader = nullptr;
      s->state = Sequence::State::Prefilling;
    }
  }
  int budget = kStepTokens;
  int rows = 0;
  wants_argmax_ = false;
  for (auto& s : active_) {
    if (s->state != Sequence::State::Decoding) continue;
    step_.push_back({s->slot, s->n_past, &s->pending_token, 1, false, s->p.adapter});
    step_owner_.push_back(s.get());
    wants_argmax_ = wants_argmax_ || (!s->constraint && s->sampler.is_plain_greedy());
    budget--;
    rows++;
  }
  for (auto& s : active_) {
    if (s->state != Sequence::State::Prefilling || budget <= 0) continue;
    const int remaining = static_cast<int>(s->p.prompt.size()) - s->n_past;
    const int chunk = std::min({remaining, budget, s->p.evaluate ? kEvaluateChunk : INT_MAX});
    const StepSequence seq{s->slot, s->n_past, s->p.prompt.data() + s->n_past, chunk, s->p.evaluate, s->p.adapter};
    if (s->p.score) {
      hidden_step_.push_back(seq);
      hidden_step_owner_.push_back(s.get());
    } else {
      step_.push_back(seq);
      step_owner_.push_back(s.get());
      rows += s->p.evaluate ? chunk : 1;
    }
    budget -= chunk;
  }
  logits_.resize(static_cast<size_t>(rows) * n_vocab_);
  argmax_.assign(static_cast<size_t>(rows), -1);
  hidden_.resize(hidden_step_.size() * score_head_.weight.size());
}

// Runs the logits step or the scoring step (final hidden states), if it has sequences.
void Scheduler::run_step(bool hidden) {
  const std::vector<StepSequence>& step = hidden ? hidden_step_ : step_;
  if (step.empty()) return;
  const Status st = hidden          ? backend_.forward_hidden(step, hidden_.data())
                    : wants_argmax_ ? backend_.forward_argmax(step, logits_.data(), argmax_.data())
                                    : backend_.forward(step, logits_.data());
  if (!st.ok()) {
    for (Sequence* s : hidden ? hidden_step_owner_ : step_owner_) fail(*s, st);
  } else if (hidden) {
    apply_scores(hidden_.data());
  } else {
    apply_step(logits_.data(), argmax_.data());
  }
}

// A scoring sequence is done when its last prompt token is in: score = head . hidden + bias.
void Scheduler::apply_scores(const float* hidden) {
  const size_t n_embd = score_head_.weight.size();
  for (size_t k = 0; k < hidden_step_.size(); k++) {
    Sequence& s = *hidden_step_owner_[k];
    s.n_past += hidden_step_[k].n_tokens;
    if (s.n_past < static_cast<int>(s.p.prompt.size())) continue;
    const float* h = hidden + k * n_embd;
    double score = score_head_.bias;
    for (size_t i = 0; i < n_embd; i++) score += static_cast<double>(score_head_.weight[i]) * h[i];
    s.result.score = score;
    s.t_first = Clock::now();
    s.result.prefill_ms = ms_between(s.t_start, s.t_first);
    finish(s, FinishReason::Stop);
  }
}

void Scheduler::apply_step(const float* logits, const int32_t* argmax) {
  const float* row = logits;
  const size_t nv = static_cast<size_t>(n_vocab_);
  for (size_t k = 0; k < step_.size(); k++) {
    Sequence& s = *step_owner_[k];
    const int n = step_[k].n_tokens;
    s.n_past += n;
    if (s.state == Sequence::State::Decoding) {
      accept_token(s, pick(s, row, argmax[(row - logits) / nv]));
      row += nv;
      continue;
    }
    // Prefilling.
    if (s.p.evaluate) {
      s.result.logits.insert(s.result.logits.end(), row, row + static_cast<size_t>(n) * nv);
      row += static_cast<size_t>(n) * nv;
      if (s.n_past == static_cast<int>(s.p.prompt.size())) {
        s.t_first = Clock::now();
        s.result.prefill_ms = ms_between(s.t_start, s.t_first);
        finish(s, FinishReason::Stop);
      }
      continue;
    }
    if (s.n_past == static_cast<int>(s.p.prompt.size())) {
      s.t_first = Clock::now();
      s.result.prefill_ms = ms_between(s.t_start, s.t_first);
      s.state = Sequence::State::Decoding;
      accept_token(s, pick(s, row, argmax[(row - logits) / nv]));
    }
    row += nv;
  }
}

// argmax: the backend's greedy pick of these logits, or -1.
int32_t Scheduler::pick(Sequence& s, const float* logits, int32_t argmax) {
  if (!s.constraint && argmax >= 0 && s.sampler.is_plain_greedy()) return argmax;
  if (!s.constraint) return s.sampler.sample(logits, s.history);
  const int64_t remaining = s.p.max_tokens - static_cast<int64_t>(s.result.tokens.size());
  const Clock::time_point start = Clock::now();
  const int32_t id = s.constraint->choose(s.sampler, logits, s.history, remaining);
  s.result.constraint_ms += ms_between(start, Clock::now());
  return id;
}

void Scheduler::accept_token(Sequence& s, int32_t id) {
  if (id < 0) {
    fail(s, Status::Error(StatusCode::Internal, "no token can continue the constrained output"));
    return;
  }
  s.result.tokens.push_back(id);
  s.history.push_back(id);
  s.pending_token = id;
  if (s.constraint) s.constraint->accept(id);
  // A complete document ends the output as an end-of-generation token would.
  const bool eog = (!s.p.ignore_eos && tokenizer_.vocab().is_eog(id)) || (s.constraint && s.constraint->done());
  const bool last = eog || static_cast<int>(s.result.tokens.size()) >= s.p.max_tokens;
  s.held += s.utf8.push(tokenizer_.piece(id));
  if (last) s.held += s.utf8.finish();

  auto emit = [&](size_t n) {
    const std::string text = s.held.substr(0, n);
    s.held.erase(0, n);
    s.result.text += text;
    s.sink->on_token(id, text);
  };

  size_t cut = std::string::npos;
  for (const std::string& stop : s.p.stop) cut = std::min(cut, s.held.find(stop));
  if (cut != std::string::npos) {
    emit(cut);
    s.held.clear();
    finish(s, FinishReason::Stop);
    return;
  }
  if (last) {
    emit(s.held.size());
    finish(s, eog ? FinishReason::Stop : FinishReason::Length);
    return;
  }
  // Hold back the longest tail that could be the start of a stop string.
  size_t keep = 0;
  for (const std::string& stop : s.p.stop) {
    for (size_t k = std::min(stop.size() - 1, s.held.size()); k > keep; k--) {
      if (s.held.compare(s.held.size() - k, k, stop, 0, k) == 0) {
        keep = k;
        break;
      }
    }
  }
  emit(s.held.size() - keep);
}

void Scheduler::resolve_followers(Sequence& leader) {
  for (auto& f : active_) {
    if (f->state != Sequence::State::Following || f->leader != &leader) continue;
    f->leader = nullptr;
    if (leader.n_past >= f->share_len && leader.slot >= 0 &&
        backend_.copy_prefix(leader.slot, f->slot, f->share_len).ok()) {
      f->n_past = f->share_len;
      f->result.shared_prompt_tokens = f->share_len;
    } else {
      f->n_past = 0;
    }
    f->state = Sequence::State::Prefilling;
  }
}

void Scheduler::release(Sequence& s) {
  resolve_followers(s);
  if (s.slot >= 0) {
    // The slot keeps the cache of what was computed: a later request may start from it.
    slot_cache_[static_cast<size_t>(s.slot)].assign(s.history.begin(), s.history.begin() + std::min<size_t>(s.history.size(), static_cast<size_t>(s.n_past)));
    free_slots_.push_back(s.slot);
  }
  s.slot = -1;
  s.state = Sequence::State::Done;
  std::lock_guard<std::mutex> lock(mutex_);
  cancel_flags_.erase(s.id);
}

void Scheduler::finish(Sequence& s, FinishReason reason) {
  if (s.state == Sequence::State::Done) return;
  const Clock::time_point now = Clock::now();
  if (s.t_first != Clock::time_point()) s.result.decode_ms = ms_between(s.t_first, now);
  s.result.finish_reason = reason;
  release(s);
  s.sink->on_finish(std::move(s.result));
}

void Scheduler::fail(Sequence& s, const Status& status) {
  if (s.state == Sequence::State::Done) return;
  release(s);
  s.sink->on_error(status);
}

}  // namespace arb
