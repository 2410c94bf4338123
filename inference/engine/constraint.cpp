// Constraint; see constraint.h.
#include "constraint.h"

#include <algorithm>

namespace arb {

namespace {

constexpr int kMaxBudgetRedraws = 8;
// Memory: a mask is n_vocab / 8 bytes (16 KB for Llama 3's 128256 ids), so at most 8 x 1024
// masks, 128 MB, for the largest vocabularies.
constexpr size_t kMaxGrammars = 8;           // parsed grammars kept for reuse
constexpr size_t kMaxMasksPerGrammar = 1024; // then that grammar's cache starts over

bool has_bit(const std::vector<uint64_t>& bits, int32_t id) { return (bits[static_cast<size_t>(id) >> 6] >> (id & 63)) & 1; }
void set_bit(std::vector<uint64_t>& bits, int32_t id) { bits[static_cast<size_t>(id) >> 6] |= uint64_t{1} << (id & 63); }
void clear_bit(std::vector<uint64_t>& bits, int32_t id) { bits[static_cast<size_t>(id) >> 6] &= ~(uint64_t{1} << (id & 63)); }

}  // namespace

TokenTrie::TokenTrie(const Tokenizer& tokenizer) {
  std::fill(std::begin(byte_token_), std::end(byte_token_), -1);
  nodes_.emplace_back();
  const Vocab& vocab = tokenizer.vocab();
  for (int32_t id = 0; id < vocab.n_tokens(); id++) {
    const std::string& piece = tokenizer.piece(id);
    if (piece.empty() || vocab.types[static_cast<size_t>(id)] == TokenType::Control) continue;
    int32_t at = 0;
    for (const char ch : piece) {
      const uint8_t b = static_cast<uint8_t>(ch);
      int32_t next = -1;
      for (const auto& [edge, child] : nodes_[static_cast<size_t>(at)].edges) {
        if (edge == b) next = child;
      }
      if (next < 0) {
        next = static_cast<int32_t>(nodes_.size());
        nodes_[static_cast<size_t>(at)].edges.emplace_back(b, next);
        nodes_.emplace_back();
      }
      at = next;
    }
    nodes_[static_cast<size_t>(at)].tokens.push_back(id);
    if (piece.size() == 1 && byte_token_[static_cast<uint8_t>(piece[0])] < 0) byte_token_[static_cast<uint8_t>(piece[0])] = id;
    max_piece_bytes_ = std::max(max_piece_bytes_, static_cast<int>(piece.size()));
    const size_t quote = piece.rfind('"');
    if (quote != std::string::npos) max_quote_offset_ = std::max(max_quote_offset_, static_cast<int>(quote));
  }
}

int TokenTrie::missing_byte() const {
  for (int b = 0; b < 256; b++) {
    const bool needed = b == '\t' || b == '\n' || (b >= 0x20 && b < 0x7F) || (b >= 0x80 && b <= 0xF4 && b != 0xC0 && b != 0xC1);
    if (needed && byte_token_[b] < 0) return b;
  }
  return -1;
}

Status GrammarCache::get(const std::string& text, std::shared_ptr<GrammarMasks>* out) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = grammars_.find(text);
  if (it != grammars_.end()) {
    *out = it->second;
    return Status::Ok();
  }
  auto masks = std::make_shared<GrammarMasks>();
  ARB_RETURN_IF_ERROR(Grammar::parse(text, &masks->grammar));
  if (grammars_.size() >= kMaxGrammars) grammars_.clear();  // requests in flight keep theirs
  grammars_.emplace(text, masks);
  *out = std::move(masks);
  return Status::Ok();
}

Constraint::Constraint(std::shared_ptr<GrammarMasks> masks, const TokenTrie& trie, const Tokenizer& tokenizer,
                       bool allow_eog)
    : masks_(std::move(masks)),
      grammar_(masks_->grammar),
      trie_(trie),
      tokenizer_(tokenizer),
      vocab_(tokenizer.vocab()),
      allow_eog_(allow_eog),
      state_(grammar_.start()) {}

const std::vector<uint64_t>& Constraint::grammar_mask() {
  grammar_.mask_key(state_, trie_.max_piece_bytes() + 1, trie_.max_quote_offset() + 2, &key_);
  auto it = masks_->masks.find(key_);
  if (it != masks_->masks.end()) return it->second;
  if (masks_->masks.size() >= kMaxMasksPerGrammar) masks_->masks.clear();
  std::vector<uint64_t> mask((static_cast<size_t>(vocab_.n_tokens()) + 63) / 64, 0);
  walk_states_.resize(static_cast<size_t>(trie_.max_piece_bytes()) + 1);
  walk_states_[0] = state_;
  walk(0, 0, mask);
  return masks_->masks.emplace(key_, std::move(mask)).first->second;
}

// Every token below trie `node` whose bytes the grammar accepts from walk_states_[depth].
void Constraint::walk(int32_t node, size_t depth, std::vector<uint64_t>& mask) {
  for (const auto& [byte, child] : trie_.nodes()[static_cast<size_t>(node)].edges) {
    GrammarState& next = walk_states_[depth + 1];
    next.frames = walk_states_[depth].frames;
    if (!grammar_.advance(next, byte)) continue;
    for (int32_t id : trie_.nodes()[static_cast<size_t>(child)].tokens) set_bit(mask, id);
    if (!next.done()) walk(child, depth + 1, mask);
  }
}

bool Constraint::fits(int32_t id, int64_t remaining) {
  if (vocab_.is_eog(id)) return allow_eog_ && grammar_.can_end(state_);
  scratch_.frames = state_.frames;
  for (const char ch : tokenizer_.piece(id)) {
    if (!grammar_.advance(scratch_, static_cast<uint8_t>(ch))) return false;
  }
  return grammar_.needed(scratch_) <= remaining - 1;
}

void Constraint::allow_eog_if_complete() {
  if (!allow_eog_ || !grammar_.can_end(state_)) return;
  for (int32_t id : vocab_.eog) set_bit(allowed_, id);
}

int32_t Constraint::choose(Sampler& sampler, const float* logits, const std::vector<int32_t>& recent, int64_t remaining) {
  allowed_ = grammar_mask();
  allow_eog_if_complete();
  for (int attempt = 0; attempt < kMaxBudgetRedraws; attempt++) {
    const int32_t id = sampler.sample(logits, recent, allowed_.data());
    if (!has_bit(allowed_, id)) break;  // nothing left to draw from
    if (fits(id, remaining)) return id;
    clear_bit(allowed_, id);
  }
  std::fill(allowed_.begin(), allowed_.end(), 0);
  bool any = false;
  for (int b = 0; b < 256; b++) {
    const int32_t id = trie_.byte_token(static_cast<uint8_t>(b));
    if (id >= 0 && fits(id, remaining)) {
      set_bit(allowed_, id);
      any = true;
    }
  }
  allow_eog_if_complete();
  if (!any && !(allow_eog_ && grammar_.can_end(state_))) return -1;
  const int32_t id = sampler.sample(logits, recent, allowed_.data());
  return has_bit(allowed_, id) ? id : -1;
}

void Constraint::accept(int32_t id) {
  if (vocab_.is_eog(id)) return;
  for (const char ch : tokenizer_.piece(id)) grammar_.advance(state_, static_cast<uint8_t>(ch));
}

}  // namespace arb
