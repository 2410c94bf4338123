// Constraint: the cached trie-walk masks (the fast path) against the definition, every token's
// piece fed byte by byte to the grammar (the reference), at every state of random walks through
// several grammars, on a SentencePiece-style vocabulary of the 256 byte tokens and JSON-ish
// pieces. The pieces are short, so the clipped counters of the cache keys are exercised near
// every bound. Then documents drawn with random logits under tight budgets must be complete.
#include <random>

#include "../constraint.h"
#include "../tokenizer.h"
#include "grammar_text.h"
#include "test.h"

namespace arb {
namespace {

std::unique_ptr<Tokenizer> json_vocabulary() {
  Vocab v;
  v.model = "llama";
  auto add = [&](const std::string& text, TokenType type) {
    v.tokens.push_back(text);
    v.scores.push_back(0.0f);
    v.types.push_back(type);
    v.token_to_id[text] = static_cast<int32_t>(v.tokens.size() - 1);
  };
  add("<unk>", TokenType::Unknown);
  add("<s>", TokenType::Control);
  add("</s>", TokenType::Control);
  v.unk = 0;
  v.bos = 1;
  v.eos = 2;
  v.eog = {2};
  char name[8];
  for (int b = 0; b < 256; b++) {
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    add(name, TokenType::Byte);
  }
  for (const char* piece : {"{\"", "\"}", "\":", "\",", "\", \"", "12", "-1", ".5", "true", "null", "\"\"", "\\\"",
                            "ab", "\xc3\xa9", "\"\xe2\x96\x81", "\xe2\x96\x81\xe2\x96\x81", "\n", "\"a\":", "]}",
                            "[{", "},{", "0.", "99", "\"A\"", "winner", "\"score\":", "e\"", ",\n", "\xf0\x9f\x98\x80",
                            "abc", "abcd", "\",\"", "\"]", "xy\""}) {
    add(piece, TokenType::Normal);
  }
  return make_spm_tokenizer(std::move(v));
}

using test::hex;

std::vector<std::string> grammars() {
  return {
      "object 3 1 1 " + hex("\"a\"") + " 0 2 " + hex("\"score\"") + " 1 3 " + hex("\"winner\"") + "\n" +
          "string 1 3\nnumber -1 99 0 0\nliteral 2 " + hex("\"A\"") + " " + hex("\"B\""),
      "array 1 2 4\nmap 2 3\nstring 0 2\ninteger -1 12",
      "array 1 0 3\nchoice 2 2 3\nstring 2 2\nliteral 2 " + hex("true") + " " + hex("null"),
      "string 3 -1",
      "array 1 1 5\nstring 0 4",
  };
}

std::vector<uint64_t> reference_mask(const Grammar& g, const GrammarState& s, const Tokenizer& t) {
  std::vector<uint64_t> bits((static_cast<size_t>(t.vocab().n_tokens()) + 63) / 64, 0);
  for (int32_t id = 0; id < t.vocab().n_tokens(); id++) {
    const std::string& piece = t.piece(id);
    if (piece.empty()) continue;
    GrammarState next = s;
    bool ok = true;
    for (const char ch : piece) ok = ok && g.advance(next, static_cast<uint8_t>(ch));
    if (ok) bits[static_cast<size_t>(id) / 64] |= uint64_t{1} << (id % 64);
  }
  return bits;
}

TEST(constraint_masks_equal_the_per_token_reference) {
  const std::unique_ptr<Tokenizer> tokenizer = json_vocabulary();
  const TokenTrie trie(*tokenizer);
  CHECK_EQ(trie.missing_byte(), -1);
  std::mt19937 rng(3);
  GrammarCache cache;
  int compared = 0;
  for (const std::string& text : grammars()) {
    std::shared_ptr<GrammarMasks> masks;
    CHECK(cache.get(text, &masks).ok());
    for (int walk = 0; walk < 30; walk++) {
      Constraint c(masks, trie, *tokenizer, true);
      GrammarState s = masks->grammar.start();
      for (int step = 0; step < 60 && !c.done(); step++) {
        const std::vector<uint64_t>& mask = c.grammar_mask();
        CHECK(mask == reference_mask(masks->grammar, s, *tokenizer));
        compared++;
        std::vector<int32_t> allowed;
        for (int32_t id = 0; id < tokenizer->vocab().n_tokens(); id++) {
          if ((mask[static_cast<size_t>(id) / 64] >> (id % 64)) & 1) allowed.push_back(id);
        }
        if (allowed.empty()) break;  // a complete top-level number: only the end is left
        const int32_t id = allowed[std::uniform_int_distribution<size_t>(0, allowed.size() - 1)(rng)];
        c.accept(id);
        for (const char ch : tokenizer->piece(id)) CHECK(masks->grammar.advance(s, static_cast<uint8_t>(ch)));
      }
    }
  }
  CHECK(compared > 500);
}

TEST(constraint_finishes_every_document_within_the_budget) {
  const std::unique_ptr<Tokenizer> tokenizer = json_vocabulary();
  const TokenTrie trie(*tokenizer);
  GrammarCache cache;
  std::mt19937 rng(4);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  std::vector<float> logits(static_cast<size_t>(tokenizer->vocab().n_tokens()));
  for (const std::string& text : grammars()) {
    std::shared_ptr<GrammarMasks> masks;
    CHECK(cache.get(text, &masks).ok());
    const int64_t shortest = masks->grammar.min_len();
    for (int64_t budget = shortest; budget < shortest + 6; budget++) {
      for (int run = 0; run < 10; run++) {
        Constraint c(masks, trie, *tokenizer, true);
        SamplingParams p;
        p.seed = static_cast<uint64_t>(run);
        p.temperature = 1.5f;
        Sampler sampler(p, tokenizer->vocab().n_tokens());
        GrammarState s = masks->grammar.start();
        int64_t used = 0;
        bool ended = false;
        while (used < budget && !c.done()) {
          for (float& l : logits) l = normal(rng);
          const int32_t id = c.choose(sampler, logits.data(), {}, budget - used);
          CHECK(id >= 0);
          if (id < 0) break;
          used++;
          if (tokenizer->vocab().is_eog(id)) {
            ended = true;
            break;
          }
          c.accept(id);
          for (const char ch : tokenizer->piece(id)) masks->grammar.advance(s, static_cast<uint8_t>(ch));
        }
        CHECK_MSG(c.done() || masks->grammar.can_end(s), "budget " + std::to_string(budget) + ": unfinished");
        CHECK(used <= budget);
        (void)ended;
      }
    }
  }
}

}  // namespace
}  // namespace arb
