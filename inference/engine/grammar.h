// A JSON grammar as a byte-level pushdown matcher: the nodes a JSON schema compiles to
// (inference/src/json-schema-grammar.ts writes them as text, one node per line), a state that
// is a stack of frames, advance(state, byte), and needed(state): the fewest bytes that complete
// a valid document from the state. The constraint (constraint.h) turns these into token masks
// and uses needed() to finish every document within its token budget.
//
// The text format, node 0 being the document:
//   object N (REQUIRED VALUE KEYHEX){N}   properties in order; KEYHEX: the key as JSON ("name")
//   map KEY VALUE                         any keys (KEY: a string node), VALUE for every value
//   array ITEM MIN MAX                    MAX -1: unbounded
//   string MIN MAX                        lengths in code points; MAX -1: unbounded
//   integer LO HI                         the integers LO..HI
//   number LO HI LO_EXCLUSIVE HI_EXCLUSIVE   decimal numbers in the interval, no exponent
//   literal N HEX{N}                      one of these exact byte strings (enum, const, true, ...)
//   choice N NODE{N}                      one of these nodes; their first bytes must not overlap
// What the matcher writes: objects' properties in the declared order (optional ones may be
// left out), no \u escapes, at most kMaxWhitespaceRun whitespace bytes at each place JSON allows
// them inside containers, integer parts of at most kMaxIntDigits digits and fractions of at most
// kMaxFracDigits, and only valid UTF-8 (so lengths in bytes bound lengths in code points).
#pragma once
#include <cstdint>
#include <climits>
#include <string>
#include <vector>

#include "status.h"

namespace arb {

constexpr int kMaxWhitespaceRun = 8;
constexpr int kMaxIntDigits = 15;  // 10^15 < 2^53: every integer written is exact in a double
constexpr int kMaxFracDigits = 6;

// Alternatives (literal values, object keys) as a byte trie.
struct ByteTrie {
  struct Node {
    std::vector<std::pair<uint8_t, int32_t>> edges;
    int32_t terminal = -1;            // index of the alternative ending here
    int32_t depth = 0;
    int32_t min_to_end = 0;           // fewest bytes to a terminal below (or here)
    std::vector<int32_t> below;       // alternatives ending here or below, ascending
  };
  std::vector<Node> nodes;            // nodes[0]: the root
  std::vector<int32_t> lengths;       // bytes of each alternative

  void build(const std::vector<std::string>& alternatives);
  int32_t child(int32_t node, uint8_t byte) const;  // -1 when none
};

struct GrammarNode {
  enum class Kind { Object, Map, Array, String, Integer, Number, Literal, Choice };
  struct Property {
    int32_t value;
    bool required;
  };
  Kind kind = Kind::Literal;
  std::vector<Property> properties;   // Object (keys in `trie`)
  ByteTrie trie;                      // Object: the keys; Literal: the values
  int32_t key = -1, item = -1;        // Map: key and value nodes; Array: item node
  int64_t min_count = 0, max_count = INT64_MAX;  // Array items; String code points
  int64_t ilo = 0, ihi = 0;           // Integer, Number: the integers allowed
  double lo = 0.0, hi = 0.0;          // Number: the interval (a fraction is written only when
  bool lo_exclusive = false, hi_exclusive = false;  //  every value it could take is inside)
  std::vector<int32_t> options;       // Choice
  bool first_bytes[256] = {};         // bytes a value of this node can start with
  int64_t min_len = 0;                // bytes of its shortest value
  std::vector<int64_t> required_cost; // Object: suffix sums over required properties from i of
  std::vector<int32_t> required_count;//   key + ':' + shortest value, and their count
};

// One open value. Fields by kind (see grammar.cpp): `count` items/code points/digits,
// `value` a number's magnitude or a property index, `aux` a trie node, a sign or pending UTF-8.
struct Frame {
  int32_t node = 0;
  int32_t phase = 0;
  int64_t count = 0;
  int64_t value = 0;
  int32_t aux = 0;
  int32_t extra = 0;
  int32_t ws = 0;                     // whitespace bytes in the current run
};

struct GrammarState {
  std::vector<Frame> frames;          // empty: the document is complete
  bool done() const { return frames.empty(); }
};

class Grammar {
 public:
  static Status parse(const std::string& text, Grammar* out);

  GrammarState start() const;
  // Consumes one byte; false (state unspecified) when the grammar does not allow it.
  bool advance(GrammarState& state, uint8_t byte) const;
  // Whether the document may end here (a number or a literal that could also go on).
  bool can_end(const GrammarState& state) const;
  // Fewest bytes that complete a valid document from here (0 when it may end).
  int64_t needed(const GrammarState& state) const;
  // The parts of the state the set of allowed next tokens depends on, as a cache key: counters
  // that only matter near a bound are clipped at `clip` (the longest token's bytes + 1), and
  // the code points a string still lacks at `quote_clip` (1 + the furthest a quote byte is into
  // any token: a token closes a string after at most that many code points).
  void mask_key(const GrammarState& state, int64_t clip, int64_t quote_clip, std::string* key) const;

  int64_t min_len() const { return nodes_[0].min_len; }

 private:
  enum class Step { Consumed, Closed, NotMine, Push, Reject };
  Step step(Frame& f, uint8_t c, int32_t* push) const;
  Step step_object(Frame& f, const GrammarNode& n, uint8_t c, int32_t* push) const;
  Step step_map(Frame& f, const GrammarNode& n, uint8_t c, int32_t* push) const;
  Step step_array(Frame& f, const GrammarNode& n, uint8_t c, int32_t* push) const;
  Step step_string(Frame& f, const GrammarNode& n, uint8_t c) const;
  Step step_number(Frame& f, const GrammarNode& n, uint8_t c) const;
  Step step_literal(Frame& f, const GrammarNode& n, uint8_t c) const;
  // The phases objects, maps and arrays share (grammar.cpp): the opening byte and whitespace,
  // and the separator after an item.
  static bool open_or_whitespace(Frame& f, uint8_t c, uint8_t open, bool in_token, Step* step);
  static Step separator(Frame& f, uint8_t c, uint8_t close, bool may_close, bool may_continue, int32_t next_phase);
  bool accepting(const Frame& f) const;
  int64_t cost(const Frame& f) const;
  int64_t object_rest(const GrammarNode& n, int64_t from, bool comma) const;
  int64_t key_cost(const GrammarNode& n, int32_t trie_node, int64_t from) const;
  Status finish_nodes();

  std::vector<GrammarNode> nodes_;
};

}  // namespace arb
