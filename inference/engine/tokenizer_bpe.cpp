// Byte-level BPE ("gpt2" vocabularies), matching llama.cpp's llm_tokenizer_bpe for the Llama 3
// ("llama-bpe") and Qwen2 ("qwen2", Qwen2.5 and Qwen3) pre-tokenizers: the text is split into
// words by the family's regex, each byte of a word is spelled with its GPT-2 character
// (bytes_to_unicode), and each word is merged pair by pair, the pair listed earliest in
// tokenizer.ggml.merges first (ties: the leftmost pair). Llama 3 takes a word that is itself a
// token whole (ignore_merges); Qwen2 always merges.
#include <algorithm>
#include <iterator>
#include <string>
#include <unordered_map>
#include <vector>

#include "tokenizer.h"
#include "unicode.h"

namespace arb {

namespace {

// The pre-tokenizers supported and the tokenizer.ggml.pre names llama.cpp maps to each.
struct PreTokenizerFamily {
  std::vector<const char*> names;
  size_t max_digits;   // \p{N}{1,3} (Llama 3) or \p{N} (Qwen2)
  bool ignore_merges;  // a word that is a token is taken whole
  bool add_bos;        // llama.cpp's default when tokenizer.ggml.add_bos_token is absent
};
const PreTokenizerFamily kLlama3 = {{"llama-bpe", "llama3", "llama-v3", "falcon3"}, 3, true, true};
const PreTokenizerFamily kQwen2 = {{"qwen2", "deepseek-r1-qwen", "megrez"}, 1, false, false};

const PreTokenizerFamily* find_pre_tokenizer(const std::string& pre) {
  for (const PreTokenizerFamily* family : {&kLlama3, &kQwen2}) {
    for (const char* name : family->names) {
      if (pre == name) return family;
    }
  }
  return nullptr;
}

// GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves, the other 68 bytes
// (controls, space, DEL, NBSP, soft hyphen) take U+0100.. in byte order, so every byte is a
// visible character and a word never contains a space.
constexpr uint32_t kGpt2CodepointEnd = 0x100 + 68;  // one past the last character the map uses

uint32_t gpt2_byte_to_codepoint(int b) {
  const auto printable = [](int c) {
    return (c >= 0x21 && c <= 0x7E) || (c >= 0xA1 && c <= 0xAC) || (c >= 0xAE);
  };
  if (printable(b)) return static_cast<uint32_t>(b);
  int n = 0;
  for (int c = 0; c < b; c++) n += printable(c) ? 0 : 1;
  return 0x100u + static_cast<uint32_t>(n);
}

void append_utf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (cp >> 18));
    *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// What the pre-tokenizer regex needs to know of a character.
struct Char {
  uint32_t cp;
  uint32_t offset;  // byte offset in the text
  bool letter, number, space;
};

bool is_line_break(uint32_t cp) { return cp == '\r' || cp == '\n'; }

uint32_t ascii_lower(uint32_t cp) { return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp; }

// Splits text into the words of Llama 3's pre-tokenizer regex
//   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|
//   \s*[\r\n]+|\s+(?!\S)|\s+
// or Qwen2's, the same with \p{N} for \p{N}{1,3} (max_digits 1), trying the alternatives in order at each position, as a backtracking regex engine does. Every
// character matches some alternative, so the words cover the text. The contraction letters are
// compared case-insensitively in ASCII only, like llama.cpp (Oniguruma would also fold U+017F).
// Words are appended to *words as [begin, end) byte offsets.
void split_words(std::string_view text, size_t max_digits, std::vector<Char>* chars,
                  std::vector<std::pair<uint32_t, uint32_t>>* words) {
  chars->clear();
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  for (size_t at = 0; at < text.size();) {
    uint32_t cp;
    const size_t len = utf8_decode(bytes + at, text.size() - at, &cp);
    Char c{cp, static_cast<uint32_t>(at), false, false, false};
    if (cp < 0x80) {
      c.letter = (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
      c.number = cp >= '0' && cp <= '9';
      c.space = cp == ' ' || (cp >= 0x09 && cp <= 0x0D);
    } else {
      const UnicodeCategory category = unicode_category(cp);
      c.letter = category == UnicodeCategory::Letter;
      c.number = category == UnicodeCategory::Number;
      c.space = unicode_is_white_space(cp);
    }
    chars->push_back(c);
    at += len;
  }

  const std::vector<Char>& cs = *chars;
  const size_t n = cs.size();
  const auto letter = [&](size_t k) { return k < n && cs[k].letter; };
  const auto other = [&](size_t k) {
    return k < n && !cs[k].letter && !cs[k].number && !cs[k].space;
  };
  const auto emit = [&](size_t begin, size_t end) {
    const uint32_t b = cs[begin].offset;
    const uint32_t e = end < n ? cs[end].offset : static_cast<uint32_t>(text.size());
    words->emplace_back(b, e);
  };

  for (size_t i = 0; i < n;) {
    const Char& c = cs[i];
    size_t end = i;

    // (?i:'s|'t|'re|'ve|'m|'ll|'d)
    if (c.cp == '\'' && i + 1 < n) {
      const uint32_t c1 = ascii_lower(cs[i + 1].cp);
      if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') {
        end = i + 2;
      } else if (i + 2 < n) {
        const uint32_t c2 = ascii_lower(cs[i + 2].cp);
        if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) {
          end = i + 3;
        }
      }
    }
    // [^\r\n\p{L}\p{N}]?\p{L}+
    if (end == i && !is_line_break(c.cp) && !c.number && (c.letter || letter(i + 1))) {
      end = i + 1;
      while (letter(end)) end++;
    }
    // \p{N}{1,3} or \p{N}
    if (end == i && c.number) {
      while (end < n && end - i < max_digits && cs[end].number) end++;
    }
    //  ?[^\s\p{L}\p{N}]+[\r\n]*
    if (end == i) {
      const size_t run = c.cp == ' ' ? i + 1 : i;
      if (other(run)) {
        end = run;
        while (other(end)) end++;
        while (end < n && is_line_break(cs[end].cp)) end++;
      }
    }
    // \s*[\r\n]+ | \s+(?!\S) | \s+ over the run of white space starting here
    if (end == i && c.space) {
      size_t run_end = i, after_last_break = i;
      for (; run_end < n && cs[run_end].space; run_end++) {
        if (is_line_break(cs[run_end].cp)) after_last_break = run_end + 1;
      }
      if (after_last_break > i) {
        end = after_last_break;  // \s*[\r\n]+ ends with the run's last line break
      } else if (run_end - i > 1 && run_end < n) {
        end = run_end - 1;  // \s+(?!\S) leaves the last space to the word that follows
      } else {
        end = run_end;
      }
    }
    if (end == i) end = i + 1;  // unreachable for this regex; guarantees progress
    emit(i, end);
    i = end;
  }
}

class BpeTokenizer final : public Tokenizer {
 public:
  BpeTokenizer(Vocab vocab, const PreTokenizerFamily& pre) : Tokenizer(std::move(vocab)), pre_(pre) {
    std::fill(std::begin(codepoint_to_byte_), std::end(codepoint_to_byte_), -1);
    for (int b = 0; b < 256; b++) {
      const uint32_t cp = gpt2_byte_to_codepoint(b);
      append_utf8(cp, &byte_chars_[b]);
      codepoint_to_byte_[cp] = static_cast<int16_t>(b);
      auto it = vocab_.token_to_id.find(byte_chars_[b]);
      byte_token_[b] = it != vocab_.token_to_id.end() ? it->second : vocab_.unk;
    }
    build_merge_table();
    init_pieces();
  }

 protected:
  void encode_text(std::string_view text, bool /*after_special*/,
                   std::vector<int32_t>* out) const override {
    Session s;
    split_words(text, pre_.max_digits, &s.chars, &s.words);
    for (const auto& [begin, end] : s.words) encode_word(text.substr(begin, end - begin), &s, out);
  }

  // Normal tokens spell bytes with GPT-2 characters; user-defined and unknown tokens are their
  // text; control and other tokens are not part of the text (llama.cpp's token_to_piece).
  std::string make_piece(int32_t id) const override {
    const std::string& text = vocab_.tokens[static_cast<size_t>(id)];
    switch (vocab_.types[static_cast<size_t>(id)]) {
      case TokenType::Normal: {
        std::string out;
        const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
        for (size_t at = 0; at < text.size();) {
          uint32_t cp;
          const size_t len = utf8_decode(bytes + at, text.size() - at, &cp);
          if (cp < kGpt2CodepointEnd && codepoint_to_byte_[cp] >= 0) {
            out += static_cast<char>(codepoint_to_byte_[cp]);
          } else {
            out.append(text, at, len);  // not a GPT-2 byte character: keep it as written
          }
          at += len;
        }
        return out;
      }
      case TokenType::UserDefined:
      case TokenType::Unknown:
        return text;
      default:
        return {};
    }
  }

 private:
  struct Merge {
    int32_t rank;
    int32_t result;  // id of the merged token
  };
  struct Symbol {
    int32_t id;  // -1 once merged into its left neighbour
    int32_t prev, next;
  };
  struct Candidate {
    int32_t rank;
    int32_t left, right;        // symbol indices
    int32_t left_id, right_id;  // the ids they had when queued (stale once either changes)
    int32_t result;
  };
  struct Session {
    std::vector<Char> chars;
    std::vector<std::pair<uint32_t, uint32_t>> words;
    std::string spelled;
    std::vector<Symbol> symbols;
    std::vector<Candidate> heap;
  };

  static uint64_t pair_key(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
           static_cast<uint32_t>(right);
  }

  // tokenizer.ggml.merges lists "left right" pairs, highest priority first. A pair whose halves
  // or result are not tokens can never apply to symbols that are tokens, so it is left out.
  void build_merge_table() {
    merges_.reserve(vocab_.merges.size());
    for (size_t rank = 0; rank < vocab_.merges.size(); rank++) {
      const std::string& merge = vocab_.merges[rank];
      const size_t space = merge.find(' ', 1);
      const auto left = vocab_.token_to_id.find(merge.substr(0, space));
      const auto right = vocab_.token_to_id.find(merge.substr(space + 1));
      std::string merged = merge;
      merged.erase(space, 1);
      const auto result = vocab_.token_to_id.find(merged);
      if (left == vocab_.token_to_id.end() || right == vocab_.token_to_id.end() ||
          result == vocab_.token_to_id.end()) {
        continue;
      }
      merges_.emplace(pair_key(left->second, right->second),
                      Merge{static_cast<int32_t>(rank), result->second});
    }
    // The rank table holds everything the merge list said; the strings are not needed again.
    vocab_.merges.clear();
    vocab_.merges.shrink_to_fit();
  }

  void encode_word(std::string_view word, Session* s, std::vector<int32_t>* out) const {
    s->spelled.clear();
    for (char b : word) s->spelled += byte_chars_[static_cast<uint8_t>(b)];
    if (pre_.ignore_merges) {
      auto whole = vocab_.token_to_id.find(s->spelled);
      if (whole != vocab_.token_to_id.end()) {
        out->push_back(whole->second);
        return;
      }
    }

    std::vector<Symbol>& symbols = s->symbols;
    symbols.clear();
    const int32_t n = static_cast<int32_t>(word.size());
    for (int32_t k = 0; k < n; k++) {
      symbols.push_back({byte_token_[static_cast<uint8_t>(word[static_cast<size_t>(k)])], k - 1,
                         k + 1 < n ? k + 1 : -1});
    }
    // A min-heap on (rank, left position): the earliest listed merge first, leftmost on ties.
    const auto later = [](const Candidate& a, const Candidate& b) {
      return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
    };
    std::vector<Candidate>& heap = s->heap;
    heap.clear();
    const auto consider = [&](int32_t left, int32_t right) {
      if (left < 0 || right < 0) return;
      const int32_t l = symbols[static_cast<size_t>(left)].id,
                    r = symbols[static_cast<size_t>(right)].id;
      if (l < 0 || r < 0) return;
      auto it = merges_.find(pair_key(l, r));
      if (it == merges_.end()) return;
      heap.push_back({it->second.rank, left, right, l, r, it->second.result});
      std::push_heap(heap.begin(), heap.end(), later);
    };
    for (int32_t k = 1; k < n; k++) consider(k - 1, k);

    while (!heap.empty()) {
      std::pop_heap(heap.begin(), heap.end(), later);
      const Candidate c = heap.back();
      heap.pop_back();
      Symbol& left = symbols[static_cast<size_t>(c.left)];
      Symbol& right = symbols[static_cast<size_t>(c.right)];
      if (left.id != c.left_id || right.id != c.right_id || left.next != c.right)
        continue;  // stale
      left.id = c.result;
      right.id = -1;
      left.next = right.next;
      if (right.next >= 0) symbols[static_cast<size_t>(right.next)].prev = c.left;
      consider(left.prev, c.left);
      consider(c.left, left.next);
    }
    // Symbol 0 is never merged away; a byte without a token (a vocabulary missing some of
    // GPT-2's byte characters and any unknown token) is dropped, as llama.cpp does.
    for (int32_t k = 0; k != -1; k = symbols[static_cast<size_t>(k)].next) {
      if (symbols[static_cast<size_t>(k)].id >= 0)
        out->push_back(symbols[static_cast<size_t>(k)].id);
    }
  }

  const PreTokenizerFamily& pre_;
  std::string byte_chars_[256];                   // UTF-8 of GPT-2's character for each byte
  int32_t byte_token_[256];                       // the token spelling that single character
  int16_t codepoint_to_byte_[kGpt2CodepointEnd];  // -1: not a GPT-2 byte character
  std::unordered_map<uint64_t, Merge> merges_;    // (left id, right id) -> rank and merged id
};

}  // namespace

bool bpe_default_add_bos(const std::string& pre) {
  const PreTokenizerFamily* family = find_pre_tokenizer(pre);
  return family && family->add_bos;
}

Status make_bpe_tokenizer(Vocab vocab, std::unique_ptr<Tokenizer>* out) {
  const PreTokenizerFamily* pre = find_pre_tokenizer(vocab.pre);
  if (!pre) {
    const std::string supported = "only 'llama-bpe' (Llama 3) and 'qwen2' (Qwen2, Qwen2.5, Qwen3)";
    return Status::Error(StatusCode::Unsupported,
                         vocab.pre.empty()
                             ? "this gpt2 vocabulary names no pre-tokenizer (tokenizer.ggml.pre); " +
                                   supported + " are supported"
                             : "tokenizer.ggml.pre '" + vocab.pre + "' is not supported (" + supported + ")");
  }
  if (vocab.merges.empty()) {
    return Status::Error(
        StatusCode::InvalidModel,
        "a gpt2 vocabulary needs tokenizer.ggml.merges, and it is missing or empty");
  }
  for (size_t k = 0; k < vocab.merges.size(); k++) {
    const std::string& merge = vocab.merges[k];
    const size_t space = merge.find(' ', 1);
    if (space == std::string::npos || space + 1 == merge.size()) {
      return Status::Error(StatusCode::InvalidModel,
                           "tokenizer.ggml.merges entry " + std::to_string(k) + " ('" + merge +
                               "') is not two tokens separated by a space");
    }
  }
  *out = std::make_unique<BpeTokenizer>(std::move(vocab), *pre);
  return Status::Ok();
}

}  // namespace arb
