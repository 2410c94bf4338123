// Grammar: what the budget guarantee of constraint.h rests on, checked on random walks through
// several grammars. At every state: needed() is 0 exactly when the document may end (or is
// done); some byte lowers it by exactly one; no byte lowers it by more; and no accepted byte
// leads to a state that cannot be completed. The reference is the definition: every one of the
// 256 bytes is tried on a copy of the state.
#include <random>

#include "../grammar.h"
#include "grammar_text.h"
#include "test.h"

namespace arb {
namespace {

using test::hex;

// A verdict with optional and nested parts, a map, enums with a prefix pair, bounded numbers.
std::vector<std::string> grammars() {
  return {
      "object 4 1 1 " + hex("\"winner\"") + " 1 2 " + hex("\"score\"") + " 0 3 " + hex("\"tags\"") + " 0 5 " +
          hex("\"note\"") + "\n" + "literal 3 " + hex("\"A\"") + " " + hex("\"B\"") + " " + hex("\"tie\"") + "\n" +
          "integer -12 130\n" + "array 4 1 3\n" + "string 1 4\n" + "choice 2 6 7\n" + "string 0 5\n" +
          "literal 1 " + hex("null"),
      "map 1 2\nstring 0 3\nnumber -2.5 7 0 1",
      "array 1 0 -1\nliteral 3 " + hex("1") + " " + hex("12") + " " + hex("true"),
      "number 0 1 1 0",
      "integer 1000 1005",
  };
}

void walk(const Grammar& g, std::mt19937& rng, int* states) {
  GrammarState s = g.start();
  for (int step = 0; step < 200 && !s.done(); step++) {
    const int64_t need = g.needed(s);
    CHECK(need == 0 ? g.can_end(s) : !g.can_end(s));
    std::vector<uint8_t> accepted;
    bool lowers_by_one = false;
    for (int b = 0; b < 256; b++) {
      GrammarState next = s;
      if (!g.advance(next, static_cast<uint8_t>(b))) continue;
      accepted.push_back(static_cast<uint8_t>(b));
      const int64_t after = g.needed(next);
      CHECK_MSG(after < (int64_t{1} << 40), "an accepted byte led to a state that cannot be completed");
      CHECK_MSG(after >= need - 1, "a byte lowered needed() by more than one");
      if (after == need - 1) lowers_by_one = true;
    }
    CHECK_MSG(need == 0 || lowers_by_one, "no byte lowers needed() by one");
    (*states)++;
    if (accepted.empty()) return;  // a complete number or literal at the top: only the end is left
    const uint8_t b = accepted[std::uniform_int_distribution<size_t>(0, accepted.size() - 1)(rng)];
    CHECK(g.advance(s, b));
  }
}

TEST(grammar_needed_is_the_shortest_completion_on_random_walks) {
  std::mt19937 rng(7);
  int states = 0;
  for (const std::string& text : grammars()) {
    Grammar g;
    const Status st = Grammar::parse(text, &g);
    CHECK_MSG(st.ok(), st.message);
    if (!st.ok()) continue;
    for (int w = 0; w < 40; w++) walk(g, rng, &states);
  }
  CHECK(states > 1000);
}

TEST(grammar_shortest_documents) {
  const std::vector<std::pair<std::string, int64_t>> cases = {
      {"integer 1000 1005", 4},
      {"integer -12 -3", 2},         // -3
      {"number 0.5 1 0 0", 1},       // 1
      {"string 2 5", 4},             // "ab"
      {"array 1 2 3\ninteger 5 9", 5},  // [5,5]
      {"object 2 0 1 " + hex("\"a\"") + " 1 2 " + hex("\"bc\"") + "\nstring 0 1\nliteral 1 " + hex("true"), 11},
  };
  for (const auto& [text, shortest] : cases) {
    Grammar g;
    CHECK(Grammar::parse(text, &g).ok());
    CHECK_EQ(g.min_len(), shortest);
  }
}

TEST(grammar_refuses_bad_text) {
  Grammar g;
  CHECK(Grammar::parse("frobnicate 1", &g).code == StatusCode::InvalidArgument);
  CHECK(Grammar::parse("array 0 0 1", &g).code == StatusCode::InvalidArgument);         // child before parent
  CHECK(Grammar::parse("integer 5 3", &g).code == StatusCode::InvalidArgument);         // empty range
  CHECK(Grammar::parse("choice 2 1 2\ninteger 0 1\nnumber 0 1 0 0", &g).code == StatusCode::InvalidArgument);
}

TEST(grammar_never_writes_minus_zero_or_leading_zeros) {
  Grammar g;
  CHECK(Grammar::parse("integer -5 5", &g).ok());
  GrammarState s = g.start();
  CHECK(g.advance(s, '-'));
  CHECK(!g.advance(s, '0'));
  s = g.start();
  CHECK(g.advance(s, '0'));
  GrammarState after_zero = s;
  CHECK(!g.advance(after_zero, '1'));
}

}  // namespace
}  // namespace arb
