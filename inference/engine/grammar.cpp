// Grammar; see grammar.h. Each frame kind has a step function (what the next byte may be) and a
// cost (the fewest bytes that finish it once the frame above it, if any, has finished). A
// parent that pushes a child moves to the phase it will be in after the child, so needed() is
// the sum of the frames' costs. Every step accepts a byte only if the document can still be
// completed afterwards: that is what lets the constraint promise a complete document.
#include "grammar.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <sstream>

namespace arb {

namespace {

constexpr int64_t kInfinite = INT64_MAX / 4;
constexpr int64_t kMaxInteger = 999999999999999;  // kMaxIntDigits nines

// Phases. Containers: 0 before the opening byte, then as named.
enum ObjectPhase { kObjOpen, kObjFirstKey, kObjKey, kObjColon, kObjValueStart, kObjNext, kObjKeyRequired };
enum ArrayPhase { kArrOpen, kArrFirstItem, kArrNext, kArrItemRequired };
// Grammar::open_or_whitespace serves all containers: phase 0 expects the opening byte, phase 1 follows it.
static_assert(kObjOpen == 0 && kArrOpen == 0 && kObjFirstKey == 1 && kArrFirstItem == 1, "container phases");
enum StringPhase { kStrOpen, kStrBody, kStrEscape };
enum NumberPhase { kNumStart, kNumMinus, kNumInt, kNumDot, kNumFrac };

bool is_whitespace(uint8_t c) { return c == ' ' || c == '\n' || c == '\t'; }
bool is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

int64_t add(int64_t a, int64_t b) { return std::min(kInfinite, a + b); }
int64_t mul(int64_t a, int64_t b) { return a == 0 || b == 0 ? 0 : (a >= kInfinite / b ? kInfinite : a * b); }

bool parse_hex(const std::string& hex, std::string* out) {
  if (hex.size() % 2 != 0) return false;
  out->clear();
  for (size_t i = 0; i < hex.size(); i += 2) {
    int v = 0;
    for (size_t k = i; k < i + 2; k++) {
      const char c = hex[k];
      const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (d < 0) return false;
      v = v * 16 + d;
    }
    out->push_back(static_cast<char>(v));
  }
  return true;
}

// Magnitudes a number of this sign may take (the integers ilo..ihi, without -0).
bool magnitudes(const GrammarNode& n, bool negative, int64_t* lo, int64_t* hi) {
  if (!negative) {
    *lo = std::max<int64_t>(0, n.ilo);
    *hi = n.ihi;
  } else {
    *lo = std::max<int64_t>(1, -n.ihi);
    *hi = -n.ilo;
  }
  return *lo <= *hi;
}

// Fewest digits to append to the k-digit magnitude prefix v so that it ends in [lo, hi]; -1
// when no completion (within kMaxIntDigits digits) gets there.
int extra_digits(int64_t v, int k, int64_t lo, int64_t hi) {
  if (k == 1 && v == 0) return lo <= 0 && 0 <= hi ? 0 : -1;  // "0" takes no more digits
  int64_t scale = 1;
  for (int j = 0; k + j <= kMaxIntDigits; j++, scale *= 10) {
    if (v * scale <= hi && (v + 1) * scale - 1 >= lo) return j;
  }
  return -1;
}

}  // namespace

// ---- tries -------------------------------------------------------------------------------------

void ByteTrie::build(const std::vector<std::string>& alternatives) {
  nodes.assign(1, Node{});
  lengths.clear();
  for (size_t a = 0; a < alternatives.size(); a++) {
    int32_t at = 0;
    nodes[0].below.push_back(static_cast<int32_t>(a));
    for (const char ch : alternatives[a]) {
      int32_t next = child(at, static_cast<uint8_t>(ch));
      if (next < 0) {
        next = static_cast<int32_t>(nodes.size());
        Node fresh;
        fresh.depth = nodes[static_cast<size_t>(at)].depth + 1;
        nodes.push_back(fresh);
        nodes[static_cast<size_t>(at)].edges.emplace_back(static_cast<uint8_t>(ch), next);
      }
      at = next;
      nodes[static_cast<size_t>(at)].below.push_back(static_cast<int32_t>(a));
    }
    if (nodes[static_cast<size_t>(at)].terminal < 0) nodes[static_cast<size_t>(at)].terminal = static_cast<int32_t>(a);
    lengths.push_back(static_cast<int32_t>(alternatives[a].size()));
  }
  for (Node& n : nodes) {
    n.min_to_end = INT32_MAX;
    for (int32_t a : n.below) n.min_to_end = std::min(n.min_to_end, lengths[static_cast<size_t>(a)] - n.depth);
  }
}

int32_t ByteTrie::child(int32_t node, uint8_t byte) const {
  for (const auto& [b, next] : nodes[static_cast<size_t>(node)].edges) {
    if (b == byte) return next;
  }
  return -1;
}

// ---- parsing -----------------------------------------------------------------------------------

Status Grammar::parse(const std::string& text, Grammar* out) {
  auto bad = [](size_t line, const std::string& why) {
    return Status::Error(StatusCode::InvalidArgument, "grammar line " + std::to_string(line + 1) + ": " + why);
  };
  std::vector<std::string> lines;
  std::istringstream all(text);
  for (std::string line; std::getline(all, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  if (lines.empty()) return Status::Error(StatusCode::InvalidArgument, "the grammar is empty");
  const int32_t count = static_cast<int32_t>(lines.size());
  out->nodes_.assign(lines.size(), GrammarNode{});
  for (size_t i = 0; i < lines.size(); i++) {
    std::istringstream in(lines[i]);
    GrammarNode& n = out->nodes_[i];
    std::string kind;
    in >> kind;
    // Children come after their parent: no cycles, and costs can be computed backwards.
    auto child = [&](int32_t id) { return id > static_cast<int32_t>(i) && id < count; };
    if (kind == "object") {
      n.kind = GrammarNode::Kind::Object;
      size_t props = 0;
      in >> props;
      std::vector<std::string> keys(props);
      for (size_t p = 0; p < props && in; p++) {
        int required = 0;
        GrammarNode::Property prop{};
        std::string hex;
        in >> required >> prop.value >> hex;
        prop.required = required != 0;
        if (!child(prop.value) || !parse_hex(hex, &keys[p]) || keys[p].size() < 2) return bad(i, "bad property");
        n.properties.push_back(prop);
      }
      n.trie.build(keys);
    } else if (kind == "map") {
      n.kind = GrammarNode::Kind::Map;
      in >> n.key >> n.item;
      if (!child(n.key) || !child(n.item)) return bad(i, "bad key or value node");
    } else if (kind == "array") {
      n.kind = GrammarNode::Kind::Array;
      in >> n.item >> n.min_count >> n.max_count;
      if (!child(n.item)) return bad(i, "bad item node");
    } else if (kind == "string") {
      n.kind = GrammarNode::Kind::String;
      in >> n.min_count >> n.max_count;
    } else if (kind == "integer") {
      n.kind = GrammarNode::Kind::Integer;
      in >> n.ilo >> n.ihi;
    } else if (kind == "number") {
      n.kind = GrammarNode::Kind::Number;
      std::string lo, hi;
      int lo_exclusive = 0, hi_exclusive = 0;
      in >> lo >> hi >> lo_exclusive >> hi_exclusive;
      n.lo = std::strtod(lo.c_str(), nullptr);
      n.hi = std::strtod(hi.c_str(), nullptr);
      n.lo_exclusive = lo_exclusive != 0;
      n.hi_exclusive = hi_exclusive != 0;
      const double ilo = n.lo_exclusive ? std::floor(n.lo) + 1 : std::ceil(n.lo);
      const double ihi = n.hi_exclusive ? std::ceil(n.hi) - 1 : std::floor(n.hi);
      n.ilo = static_cast<int64_t>(std::clamp<double>(ilo, -kMaxInteger - 1.0, kMaxInteger + 1.0));
      n.ihi = static_cast<int64_t>(std::clamp<double>(ihi, -kMaxInteger - 1.0, kMaxInteger + 1.0));
    } else if (kind == "literal") {
      n.kind = GrammarNode::Kind::Literal;
      size_t alternatives = 0;
      in >> alternatives;
      std::vector<std::string> values(alternatives);
      for (size_t a = 0; a < alternatives; a++) {
        std::string hex;
        in >> hex;
        if (!parse_hex(hex, &values[a]) || values[a].empty()) return bad(i, "bad literal");
      }
      if (values.empty()) return bad(i, "a literal needs at least one value");
      n.trie.build(values);
    } else if (kind == "choice") {
      n.kind = GrammarNode::Kind::Choice;
      size_t options = 0;
      in >> options;
      n.options.resize(options);
      for (int32_t& o : n.options) {
        in >> o;
        if (!child(o)) return bad(i, "bad option node");
      }
      if (n.options.empty()) return bad(i, "a choice needs at least one option");
    } else {
      return bad(i, "unknown node kind \"" + kind + "\"");
    }
    if (in.fail()) return bad(i, "malformed");
    if (n.max_count < 0) n.max_count = INT64_MAX;
    n.ilo = std::max(n.ilo, -kMaxInteger);
    n.ihi = std::min(n.ihi, kMaxInteger);
  }
  return out->finish_nodes();
}

// First bytes and shortest lengths, children before parents.
Status Grammar::finish_nodes() {
  for (size_t i = nodes_.size(); i-- > 0;) {
    GrammarNode& n = nodes_[i];
    auto ml = [&](int32_t id) { return nodes_[static_cast<size_t>(id)].min_len; };
    switch (n.kind) {
      case GrammarNode::Kind::Object: {
        const size_t props = n.properties.size();
        n.required_cost.assign(props + 1, 0);
        n.required_count.assign(props + 1, 0);
        for (size_t p = props; p-- > 0;) {
          const bool req = n.properties[p].required;
          const int64_t prop_cost = add(n.trie.lengths[p] + 1, ml(n.properties[p].value));
          n.required_cost[p] = add(n.required_cost[p + 1], req ? prop_cost : 0);
          n.required_count[p] = n.required_count[p + 1] + (req ? 1 : 0);
        }
        n.first_bytes['{'] = true;
        n.min_len = add(1, object_rest(n, 0, false));
        break;
      }
      case GrammarNode::Kind::Map:
        n.first_bytes['{'] = true;
        n.min_len = 2;
        break;
      case GrammarNode::Kind::Array:
        n.first_bytes['['] = true;
        if (n.min_count > n.max_count) n.min_len = kInfinite;
        else n.min_len = n.min_count == 0 ? 2 : add(1, mul(n.min_count, add(ml(n.item), 1)));
        break;
      case GrammarNode::Kind::String:
        n.first_bytes['"'] = true;
        n.min_len = n.min_count > n.max_count ? kInfinite : add(2, n.min_count);
        break;
      case GrammarNode::Kind::Integer:
      case GrammarNode::Kind::Number: {
        n.first_bytes['-'] = true;
        for (int d = '0'; d <= '9'; d++) n.first_bytes[d] = true;
        Frame start;
        start.node = static_cast<int32_t>(i);
        start.phase = kNumMinus;
        start.aux = 1;
        const int64_t negative = cost(start);
        start.aux = 0;
        const int64_t positive = cost(start);  // kNumMinus with aux 0 costs the unsigned digits
        n.min_len = std::min(positive, add(1, negative));
        break;
      }
      case GrammarNode::Kind::Literal:
        for (const auto& [b, next] : n.trie.nodes[0].edges) n.first_bytes[b] = true;
        n.min_len = n.trie.nodes[0].min_to_end;
        break;
      case GrammarNode::Kind::Choice:
        n.min_len = kInfinite;
        for (int32_t o : n.options) {
          const GrammarNode& option = nodes_[static_cast<size_t>(o)];
          for (int b = 0; b < 256; b++) {
            if (!option.first_bytes[b]) continue;
            if (n.first_bytes[b]) {
              return Status::Error(StatusCode::InvalidArgument,
                                   "grammar node " + std::to_string(i) + ": two options can start with the same byte");
            }
            n.first_bytes[b] = true;
          }
          n.min_len = std::min(n.min_len, option.min_len);
        }
        break;
    }
    if (n.min_len >= kInfinite) {
      return Status::Error(StatusCode::InvalidArgument,
                           "grammar node " + std::to_string(i) + " has no valid value (an empty range or length)");
    }
  }
  return Status::Ok();
}

// ---- matching ----------------------------------------------------------------------------------

GrammarState Grammar::start() const {
  GrammarState s;
  s.frames.push_back(Frame{});
  return s;
}

bool Grammar::advance(GrammarState& state, uint8_t byte) const {
  while (!state.frames.empty()) {
    int32_t push = -1;
    switch (step(state.frames.back(), byte, &push)) {
      case Step::Consumed: return true;
      case Step::Closed: state.frames.pop_back(); return true;
      case Step::NotMine: state.frames.pop_back(); continue;  // the parent reads the byte
      case Step::Push: {
        Frame child;
        child.node = push;
        state.frames.push_back(child);
        continue;  // the child reads the byte
      }
      case Step::Reject: return false;
    }
  }
  return false;
}

Grammar::Step Grammar::step(Frame& f, uint8_t c, int32_t* push) const {
  const GrammarNode& n = nodes_[static_cast<size_t>(f.node)];
  switch (n.kind) {
    case GrammarNode::Kind::Object: return step_object(f, n, c, push);
    case GrammarNode::Kind::Map: return step_map(f, n, c, push);
    case GrammarNode::Kind::Array: return step_array(f, n, c, push);
    case GrammarNode::Kind::String: return step_string(f, n, c);
    case GrammarNode::Kind::Integer:
    case GrammarNode::Kind::Number: return step_number(f, n, c);
    case GrammarNode::Kind::Literal: return step_literal(f, n, c);
    case GrammarNode::Kind::Choice:
      for (int32_t o : n.options) {
        if (!nodes_[static_cast<size_t>(o)].first_bytes[c]) continue;
        f = Frame{};
        f.node = o;  // the choice becomes the option that starts with this byte
        return step(f, c, push);
      }
      return Step::Reject;
  }
  return Step::Reject;
}

namespace {

// Whitespace between tokens of a container: at most kMaxWhitespaceRun bytes in a row.
bool take_whitespace(Frame& f, uint8_t c) {
  if (!is_whitespace(c) || f.ws >= kMaxWhitespaceRun) return false;
  f.ws++;
  return true;
}

// The properties a key may name from index `from`: optional ones up to the first required.
int64_t last_candidate(const GrammarNode& n, int64_t from) {
  const int64_t props = static_cast<int64_t>(n.properties.size());
  for (int64_t p = from; p < props; p++) {
    if (n.properties[static_cast<size_t>(p)].required) return p;
  }
  return props - 1;
}

bool has_candidate(const GrammarNode& n, int32_t trie_node, int64_t from) {
  const std::vector<int32_t>& below = n.trie.nodes[static_cast<size_t>(trie_node)].below;
  auto it = std::lower_bound(below.begin(), below.end(), from);
  return it != below.end() && *it <= last_candidate(n, from);
}

}  // namespace

// Phase 0: the opening byte leads to phase 1. Later phases take whitespace between tokens (not
// `in_token`, inside an object's key). True, with *step, when the byte was one of these.
bool Grammar::open_or_whitespace(Frame& f, uint8_t c, uint8_t open, bool in_token, Step* step) {
  if (f.phase != 0 && !in_token && take_whitespace(f, c)) {
    *step = Step::Consumed;
    return true;
  }
  f.ws = 0;
  if (f.phase != 0) return false;
  *step = c == open ? Step::Consumed : Step::Reject;
  if (c == open) f.phase = 1;
  return true;
}

// After an item: the closing byte where the container may end, or a comma leading to
// `next_phase` where another item may follow.
Grammar::Step Grammar::separator(Frame& f, uint8_t c, uint8_t close, bool may_close, bool may_continue,
                                 int32_t next_phase) {
  if (c == close && may_close) return Step::Closed;
  if (c != ',' || !may_continue) return Step::Reject;
  f.phase = next_phase;
  return Step::Consumed;
}

Grammar::Step Grammar::step_object(Frame& f, const GrammarNode& n, uint8_t c, int32_t* push) const {
  Step opened;
  if (open_or_whitespace(f, c, '{', f.phase == kObjKey, &opened)) return opened;
  switch (f.phase) {
    case kObjFirstKey:
      if (c == '}' && n.required_count[static_cast<size_t>(f.count)] == 0) return Step::Closed;
      [[fallthrough]];
    case kObjKeyRequired:
      f.phase = kObjKey;
      f.aux = 0;
      [[fallthrough]];
    case kObjKey: {
      const int32_t next = n.trie.child(f.aux, c);
      if (next < 0 || !has_candidate(n, next, f.count)) return Step::Reject;
      f.aux = next;
      const int32_t key = n.trie.nodes[static_cast<size_t>(next)].terminal;
      if (key >= 0) {  // keys end with their closing quote: nothing else goes on from here
        f.phase = kObjColon;
        f.value = key;
      }
      return Step::Consumed;
    }
    case kObjColon:
      if (c != ':') return Step::Reject;
      f.phase = kObjValueStart;
      return Step::Consumed;
    case kObjValueStart: {
      const int32_t value = n.properties[static_cast<size_t>(f.value)].value;
      if (!nodes_[static_cast<size_t>(value)].first_bytes[c]) return Step::Reject;
      f.count = f.value + 1;
      f.phase = kObjNext;
      *push = value;
      return Step::Push;
    }
    case kObjNext:
      return separator(f, c, '}', n.required_count[static_cast<size_t>(f.count)] == 0,
                       f.count < static_cast<int64_t>(n.properties.size()), kObjKeyRequired);
  }
  return Step::Reject;
}

Grammar::Step Grammar::step_map(Frame& f, const GrammarNode& n, uint8_t c, int32_t* push) const {
  Step opened;
  if (open_or_whitespace(f, c, '{', false, &opened)) return opened;
  switch (f.phase) {
    case kObjFirstKey:
      if (c == '}') return Step::Closed;
      [[fallthrough]];
    case kObjKeyRequired:
      if (!nodes_[static_cast<size_t>(n.key)].first_bytes[c]) return Step::Reject;
      f.phase = kObjColon;
      *push = n.key;
      return Step::Push;
    case kObjColon:
      if (c != ':') return Step::Reject;
      f.phase = kObjValueStart;
      return Step::Consumed;
    case kObjValueStart:
      if (!nodes_[static_cast<size_t>(n.item)].first_bytes[c]) return Step::Reject;
      f.count++;
      f.phase = kObjNext;
      *push = n.item;
      return Step::Push;
    case kObjNext: return separator(f, c, '}', true, true, kObjKeyRequired);
  }
  return Step::Reject;
}

Grammar::Step Grammar::step_array(Frame& f, const GrammarNode& n, uint8_t c, int32_t* push) const {
  Step opened;
  if (open_or_whitespace(f, c, '[', false, &opened)) return opened;
  switch (f.phase) {
    case kArrFirstItem:
      if (c == ']' && n.min_count == 0) return Step::Closed;
      if (n.max_count == 0) return Step::Reject;
      [[fallthrough]];
    case kArrItemRequired:
      if (!nodes_[static_cast<size_t>(n.item)].first_bytes[c]) return Step::Reject;
      f.count++;
      f.phase = kArrNext;
      *push = n.item;
      return Step::Push;
    case kArrNext: return separator(f, c, ']', f.count >= n.min_count, f.count < n.max_count, kArrItemRequired);
  }
  return Step::Reject;
}

// Strings: `count` code points, `aux` continuation bytes still due, `extra` the range the next
// one must be in (0: 80-BF; 1-4: the narrower ranges that rule out overlong forms, surrogates
// and code points past U+10FFFF).
Grammar::Step Grammar::step_string(Frame& f, const GrammarNode& n, uint8_t c) const {
  static constexpr uint8_t kLow[] = {0x80, 0xA0, 0x80, 0x90, 0x80};
  static constexpr uint8_t kHigh[] = {0xBF, 0xBF, 0x9F, 0xBF, 0x8F};
  switch (f.phase) {
    case kStrOpen:
      if (c != '"') return Step::Reject;
      f.phase = kStrBody;
      return Step::Consumed;
    case kStrEscape:
      if (c != '"' && c != '\\' && c != '/' && c != 'b' && c != 'f' && c != 'n' && c != 'r' && c != 't') {
        return Step::Reject;
      }
      f.phase = kStrBody;
      return Step::Consumed;
  }
  if (f.aux > 0) {
    if (c < kLow[f.extra] || c > kHigh[f.extra]) return Step::Reject;
    f.aux--;
    f.extra = 0;
    return Step::Consumed;
  }
  if (c == '"') return f.count >= n.min_count ? Step::Closed : Step::Reject;
  if (c < 0x20 || f.count >= n.max_count) return Step::Reject;
  int continuation = 0, range = 0;
  if (c == '\\') {
    f.phase = kStrEscape;
  } else if (c < 0x80) {
  } else if (c >= 0xC2 && c <= 0xDF) {
    continuation = 1;
  } else if (c >= 0xE0 && c <= 0xEF) {
    continuation = 2;
    range = c == 0xE0 ? 1 : c == 0xED ? 2 : 0;
  } else if (c >= 0xF0 && c <= 0xF4) {
    continuation = 3;
    range = c == 0xF0 ? 3 : c == 0xF4 ? 4 : 0;
  } else {
    return Step::Reject;
  }
  f.count++;
  f.aux = continuation;
  f.extra = range;
  return Step::Consumed;
}

// Numbers: `aux` 1 when negative, `count` integer digits, `value` their magnitude, `extra`
// fraction digits. A byte that cannot go on ends an acceptable number (NotMine: the parent
// reads it).
Grammar::Step Grammar::step_number(Frame& f, const GrammarNode& n, uint8_t c) const {
  int64_t lo = 0, hi = -1;
  const bool negative = f.aux != 0;
  const bool has_range = magnitudes(n, negative, &lo, &hi);
  switch (f.phase) {
    case kNumStart:
      if (c == '-') {
        if (!magnitudes(n, true, &lo, &hi)) return Step::Reject;
        f.aux = 1;
        f.phase = kNumMinus;
        return Step::Consumed;
      }
      [[fallthrough]];
    case kNumMinus:
      if (!is_digit(c) || (negative && c == '0') || !has_range || extra_digits(c - '0', 1, lo, hi) < 0) {
        return Step::Reject;
      }
      f.phase = kNumInt;
      f.count = 1;
      f.value = c - '0';
      return Step::Consumed;
    case kNumInt: {
      if (is_digit(c) && !(f.count == 1 && f.value == 0) && f.count < kMaxIntDigits &&
          extra_digits(f.value * 10 + (c - '0'), static_cast<int>(f.count) + 1, lo, hi) >= 0) {
        f.value = f.value * 10 + (c - '0');
        f.count++;
        return Step::Consumed;
      }
      const bool whole = extra_digits(f.value, static_cast<int>(f.count), lo, hi) == 0;
      if (c == '.' && whole && n.kind == GrammarNode::Kind::Number) {
        // Every value the fraction could give, [v, v + 1] in magnitude, must be in the interval.
        const double v = static_cast<double>(f.value);
        const double low = negative ? -(v + 1) : v, high = negative ? -v : v + 1;
        if ((n.lo_exclusive ? n.lo < low : n.lo <= low) && (n.hi_exclusive ? high < n.hi : high <= n.hi)) {
          f.phase = kNumDot;
          return Step::Consumed;
        }
      }
      return whole ? Step::NotMine : Step::Reject;
    }
    case kNumDot:
      if (!is_digit(c)) return Step::Reject;
      f.phase = kNumFrac;
      f.extra = 1;
      return Step::Consumed;
    case kNumFrac:
      if (is_digit(c) && f.extra < kMaxFracDigits) {
        f.extra++;
        return Step::Consumed;
      }
      return Step::NotMine;
  }
  return Step::Reject;
}

Grammar::Step Grammar::step_literal(Frame& f, const GrammarNode& n, uint8_t c) const {
  const int32_t next = n.trie.child(f.aux, c);
  if (next < 0) return n.trie.nodes[static_cast<size_t>(f.aux)].terminal >= 0 ? Step::NotMine : Step::Reject;
  f.aux = next;
  const ByteTrie::Node& at = n.trie.nodes[static_cast<size_t>(next)];
  return at.terminal >= 0 && at.edges.empty() ? Step::Closed : Step::Consumed;
}

bool Grammar::accepting(const Frame& f) const {
  const GrammarNode& n = nodes_[static_cast<size_t>(f.node)];
  switch (n.kind) {
    case GrammarNode::Kind::Integer:
    case GrammarNode::Kind::Number:
      return f.phase == kNumFrac || (f.phase == kNumInt && cost(f) == 0);
    case GrammarNode::Kind::Literal:
      return f.aux != 0 && n.trie.nodes[static_cast<size_t>(f.aux)].terminal >= 0;
    default:
      return false;  // containers and strings close with a byte and leave the stack then
  }
}

bool Grammar::can_end(const GrammarState& state) const {
  return state.frames.empty() || (state.frames.size() == 1 && accepting(state.frames[0]));
}

// ---- costs -------------------------------------------------------------------------------------

// From property `from` on: the required properties (with their commas) and the closing brace.
int64_t Grammar::object_rest(const GrammarNode& n, int64_t from, bool comma) const {
  const size_t i = static_cast<size_t>(from);
  const int64_t k = n.required_count[i];
  return add(n.required_cost[i], (comma ? k : std::max<int64_t>(0, k - 1)) + 1);
}

// Finishing a key that has reached `trie_node`, then its value and the rest of the object.
int64_t Grammar::key_cost(const GrammarNode& n, int32_t trie_node, int64_t from) const {
  const ByteTrie::Node& at = n.trie.nodes[static_cast<size_t>(trie_node)];
  const int64_t last = last_candidate(n, from);
  int64_t best = kInfinite;
  for (int32_t p : at.below) {
    if (p < from || p > last) continue;
    const int64_t value = nodes_[static_cast<size_t>(n.properties[static_cast<size_t>(p)].value)].min_len;
    best = std::min(best, add(add(n.trie.lengths[static_cast<size_t>(p)] - at.depth + 1, value), object_rest(n, p + 1, true)));
  }
  return best;
}

int64_t Grammar::cost(const Frame& f) const {
  const GrammarNode& n = nodes_[static_cast<size_t>(f.node)];
  auto ml = [&](int32_t id) { return nodes_[static_cast<size_t>(id)].min_len; };
  switch (n.kind) {
    case GrammarNode::Kind::Object: {
      const int64_t value = f.phase == kObjColon || f.phase == kObjValueStart
                                ? add(ml(n.properties[static_cast<size_t>(f.value)].value), object_rest(n, f.value + 1, true))
                                : 0;
      switch (f.phase) {
        case kObjOpen: return n.min_len;
        case kObjFirstKey: return object_rest(n, f.count, false);
        case kObjKey: return key_cost(n, f.aux, f.count);
        case kObjColon: return add(1, value);
        case kObjValueStart: return value;
        case kObjNext: return object_rest(n, f.count, true);
        case kObjKeyRequired: return key_cost(n, 0, f.count);
      }
      return kInfinite;
    }
    case GrammarNode::Kind::Map:
      switch (f.phase) {
        case kObjOpen: return 2;
        case kObjFirstKey: return 1;
        case kObjColon: return add(ml(n.item), 2);
        case kObjValueStart: return add(ml(n.item), 1);
        case kObjNext: return 1;
        case kObjKeyRequired: return add(add(ml(n.key), ml(n.item)), 2);
      }
      return kInfinite;
    case GrammarNode::Kind::Array: {
      const int64_t item = add(ml(n.item), 1);  // an item and its separator
      switch (f.phase) {
        case kArrOpen: return n.min_len;
        case kArrFirstItem: return n.min_count == 0 ? 1 : mul(n.min_count, item);
        case kArrNext: return add(mul(std::max<int64_t>(0, n.min_count - f.count), item), 1);
        case kArrItemRequired:
          return add(ml(n.item), add(mul(std::max<int64_t>(0, n.min_count - f.count - 1), item), 1));
      }
      return kInfinite;
    }
    case GrammarNode::Kind::String: {
      const int64_t short_by = std::max<int64_t>(0, n.min_count - f.count);
      switch (f.phase) {
        case kStrOpen: return n.min_len;
        case kStrBody: return add(short_by, f.aux + 1);
        case kStrEscape: return add(short_by, 2);
      }
      return kInfinite;
    }
    case GrammarNode::Kind::Integer:
    case GrammarNode::Kind::Number: {
      int64_t lo = 0, hi = -1;
      const bool negative = f.aux != 0;
      if (f.phase == kNumStart) return n.min_len;
      if (f.phase == kNumDot) return 1;
      if (f.phase == kNumFrac) return 0;
      if (!magnitudes(n, negative, &lo, &hi)) return kInfinite;
      if (f.phase == kNumInt) {
        const int extra = extra_digits(f.value, static_cast<int>(f.count), lo, hi);
        return extra < 0 ? kInfinite : extra;
      }
      int64_t best = kInfinite;  // kNumMinus (or, with aux 0, before the first digit)
      for (int d = negative ? 1 : 0; d <= 9; d++) {
        const int extra = extra_digits(d, 1, lo, hi);
        if (extra >= 0) best = std::min<int64_t>(best, 1 + extra);
      }
      return best;
    }
    case GrammarNode::Kind::Literal: return n.trie.nodes[static_cast<size_t>(f.aux)].min_to_end;
    case GrammarNode::Kind::Choice: return n.min_len;
  }
  return kInfinite;
}

int64_t Grammar::needed(const GrammarState& state) const {
  int64_t total = 0;
  for (const Frame& f : state.frames) total = add(total, cost(f));
  return total;
}

void Grammar::mask_key(const GrammarState& state, int64_t clip, int64_t quote_clip, std::string* key) const {
  key->clear();
  auto put = [&](int64_t v) { key->append(reinterpret_cast<const char*>(&v), sizeof v); };
  auto clipped = [&](int64_t v, int64_t at) { put(std::clamp<int64_t>(v, 0, at)); };
  for (const Frame& f : state.frames) {
    const GrammarNode& n = nodes_[static_cast<size_t>(f.node)];
    put(f.node);
    put(f.phase);
    put(f.ws);
    switch (n.kind) {
      case GrammarNode::Kind::Object:
        put(f.count);
        put(f.value);
        put(f.aux);
        break;
      case GrammarNode::Kind::Array:
        // A token of at most clip - 1 bytes adds fewer than clip items.
        clipped(n.max_count - f.count, clip);
        clipped(n.min_count - f.count, clip);
        break;
      case GrammarNode::Kind::String:
        clipped(n.max_count - f.count, clip);
        clipped(n.min_count - f.count, quote_clip);
        put(f.aux);
        put(f.extra);
        break;
      case GrammarNode::Kind::Integer:
      case GrammarNode::Kind::Number:
        put(f.count);
        put(f.value);
        put(f.aux);
        put(f.extra);
        break;
      case GrammarNode::Kind::Literal:
        put(f.aux);
        break;
      case GrammarNode::Kind::Map:
      case GrammarNode::Kind::Choice:
        break;
    }
  }
}

}  // namespace arb
