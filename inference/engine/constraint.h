// Constrained decoding: the tokens a grammar (grammar.h) allows next, as a bit mask over the
// vocabulary, and the choice of the next token among them so that every document finishes
// within its token budget.
//
// Masks: the vocabulary's pieces form a byte trie, walked once from a grammar state (a branch
// is cut at the first byte the grammar rejects), and the mask is cached under the state's
// mask_key, shared by every request with the same grammar. A cache hit costs a copy of
// n_vocab / 64 words; the walk runs only for a state not seen before.
//
// The budget: with R tokens left (this one included), a token is taken only if the bytes that
// still complete the document afterwards, needed(), are at most R - 1. Every byte that can
// appear on a shortest completion has a one-byte token (checked when a constraint is set up),
// and the first byte of a shortest completion lowers needed() by exactly one, so a token that
// fits always exists while needed() <= R. The request is refused when the shortest document is
// longer than max_tokens; from there on the invariant holds, and the document is complete when
// the tokens run out, whatever the model's logits. Sampling draws from the grammar's mask; a
// draw that does not fit the budget (a long token, or one that opens an optional property near
// the end) is struck off and drawn again, and after kMaxBudgetRedraws the draw is among the
// one-byte tokens that fit.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "grammar.h"
#include "sampler.h"
#include "status.h"
#include "tokenizer.h"

namespace arb {

// The vocabulary's pieces as a byte trie (control tokens and empty pieces left out).
class TokenTrie {
 public:
  struct Node {
    std::vector<std::pair<uint8_t, int32_t>> edges;
    std::vector<int32_t> tokens;  // tokens whose piece ends here
  };
  explicit TokenTrie(const Tokenizer& tokenizer);

  const std::vector<Node>& nodes() const { return nodes_; }
  int32_t byte_token(uint8_t b) const { return byte_token_[b]; }  // piece == that byte; -1 none
  int max_piece_bytes() const { return max_piece_bytes_; }
  int max_quote_offset() const { return max_quote_offset_; }  // of the last '"' in a piece; -1: none
  // A byte a JSON document may need (printable ASCII, tab, newline, UTF-8 lead and continuation
  // bytes) that no single token spells; -1 when every one has its token.
  int missing_byte() const;

 private:
  std::vector<Node> nodes_;
  int32_t byte_token_[256];
  int max_piece_bytes_ = 0;
  int max_quote_offset_ = -1;
};

// A grammar and the masks computed for it (the masks are touched by the scheduler thread only).
struct GrammarMasks {
  Grammar grammar;
  std::unordered_map<std::string, std::vector<uint64_t>> masks;
};

// Parsed grammars by their text, so that requests with the same schema share masks.
class GrammarCache {
 public:
  Status get(const std::string& text, std::shared_ptr<GrammarMasks>* out);

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<GrammarMasks>> grammars_;
};

// One sequence's constraint.
class Constraint {
 public:
  Constraint(std::shared_ptr<GrammarMasks> masks, const TokenTrie& trie, const Tokenizer& tokenizer, bool allow_eog);

  // The next token: drawn by `sampler` among those the grammar allows and the budget of
  // `remaining` tokens (this one included) leaves room for. -1 only if the invariant above was
  // broken (no token fits).
  int32_t choose(Sampler& sampler, const float* logits, const std::vector<int32_t>& recent, int64_t remaining);
  // Advances over a token choose() returned.
  void accept(int32_t id);
  // The document is complete and nothing may follow it.
  bool done() const { return state_.done(); }
  // The tokens the grammar allows from here, budget and end-of-generation aside (a bit per id;
  // from the cache, else walked and cached).
  const std::vector<uint64_t>& grammar_mask();

 private:
  void walk(int32_t node, size_t depth, std::vector<uint64_t>& mask);
  bool fits(int32_t id, int64_t remaining);
  void allow_eog_if_complete();

  std::shared_ptr<GrammarMasks> masks_;
  const Grammar& grammar_;
  const TokenTrie& trie_;
  const Tokenizer& tokenizer_;
  const Vocab& vocab_;
  const bool allow_eog_;
  GrammarState state_;
  std::string key_;
  std::vector<GrammarState> walk_states_;  // one per trie depth
  std::vector<uint64_t> allowed_;          // this step's candidates
  GrammarState scratch_;
};

}  // namespace arb
