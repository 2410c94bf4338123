// SentencePiece BPE ("llama" vocabularies), matching llama.cpp's llm_tokenizer_spm: spaces
// become "▁", one is put in front of the text, then adjacent symbols are merged while some pair
// spells a vocabulary token, the pair with the highest score first (ties: the leftmost).
// Characters no token covers fall back to <0xXX> byte tokens.
#include <cstdio>
#include <queue>

#include "tokenizer.h"

namespace arb {

namespace {

const char kSpace[] = "\xe2\x96\x81";  // U+2581 "▁"

class SpmTokenizer final : public Tokenizer {
 public:
  explicit SpmTokenizer(Vocab vocab) : Tokenizer(std::move(vocab)) {
    for (int b = 0; b < 256; b++) {
      char name[8];
      std::snprintf(name, sizeof(name), "<0x%02X>", b);
      auto it = vocab_.token_to_id.find(name);
      if (it == vocab_.token_to_id.end()) it = vocab_.token_to_id.find(std::string(1, static_cast<char>(b)));
      byte_to_id_[b] = it != vocab_.token_to_id.end() ? it->second : vocab_.unk;
    }
    init_pieces();
  }

 protected:
  void encode_text(std::string_view fragment, bool after_special,
                   std::vector<int32_t>* out) const override {
    std::string text;
    if (vocab_.add_space_prefix && after_special) text = kSpace;
    for (char c : fragment) {
      if (c == ' ') {
        text += kSpace;
      } else {
        text += c;
      }
    }
    Session session{*this, text, {}, {}};
    session.run(out);
  }

  std::string make_piece(int32_t id) const override {
    const std::string& text = vocab_.tokens[static_cast<size_t>(id)];
    switch (vocab_.types[static_cast<size_t>(id)]) {
      case TokenType::Normal:
      case TokenType::Undefined: {
        std::string out;
        for (size_t i = 0; i < text.size();) {
          if (text.compare(i, 3, kSpace) == 0) {
            out += ' ';
            i += 3;
          } else {
            out += text[i++];
          }
        }
        return out;
      }
      case TokenType::Byte: {
        unsigned value = 0;
        if (text.size() == 6 && std::sscanf(text.c_str(), "<0x%2X>", &value) == 1) {
          return std::string(1, static_cast<char>(value));
        }
        return text;
      }
      case TokenType::UserDefined:
        return text;
      default:  // control, unknown, unused: not part of the text
        return {};
    }
  }

 private:
  struct Symbol {
    int prev, next;
    size_t start, n;  // byte range in the session text; n = 0 once merged into its left
  };
  struct Bigram {
    int left, right;
    float score;
    size_t size;
  };
  struct BigramOrder {
    bool operator()(const Bigram& a, const Bigram& b) const {
      return a.score < b.score || (a.score == b.score && a.left > b.left);
    }
  };

  struct Session {
    const SpmTokenizer& tok;
    const std::string& text;
    std::vector<Symbol> symbols;
    std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue;

    void run(std::vector<int32_t>* out) {
      // One symbol per UTF-8 character (a stray byte counts as one).
      static const uint8_t kLen[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
      for (size_t offs = 0; offs < text.size();) {
        const size_t len = std::min<size_t>(kLen[static_cast<uint8_t>(text[offs]) >> 4], text.size() - offs);
        const int index = static_cast<int>(symbols.size());
        symbols.push_back({index - 1, offs + len == text.size() ? -1 : index + 1, offs, len});
        offs += len;
      }
      for (int i = 1; i < static_cast<int>(symbols.size()); i++) try_add_bigram(i - 1, i);
      while (!queue.empty()) {
        const Bigram b = queue.top();
        queue.pop();
        Symbol& left = symbols[static_cast<size_t>(b.left)];
        Symbol& right = symbols[static_cast<size_t>(b.right)];
        if (left.n == 0 || right.n == 0 || left.n + right.n != b.size) continue;  // stale
        left.n += right.n;
        right.n = 0;
        left.next = right.next;
        if (right.next >= 0) symbols[static_cast<size_t>(right.next)].prev = b.left;
        try_add_bigram(left.prev, b.left);
        try_add_bigram(b.left, left.next);
      }
      for (int i = symbols.empty() ? -1 : 0; i != -1; i = symbols[static_cast<size_t>(i)].next) {
        resegment(symbols[static_cast<size_t>(i)], out);
      }
    }

    void try_add_bigram(int left, int right) {
      if (left == -1 || right == -1) return;
      const Symbol& l = symbols[static_cast<size_t>(left)];
      const Symbol& r = symbols[static_cast<size_t>(right)];
      auto it = tok.vocab_.token_to_id.find(text.substr(l.start, l.n + r.n));
      if (it == tok.vocab_.token_to_id.end()) return;
      queue.push({left, right, tok.vocab_.scores[static_cast<size_t>(it->second)], l.n + r.n});
    }

    // A merged symbol is always a token; a single character may not be, and then its bytes
    // are emitted as byte tokens. (llama.cpp also keeps a reverse-merge map here, but it can
    // only hold texts that are tokens, so it never applies.)
    void resegment(const Symbol& s, std::vector<int32_t>* out) {
      const std::string piece = text.substr(s.start, s.n);
      auto it = tok.vocab_.token_to_id.find(piece);
      if (it != tok.vocab_.token_to_id.end()) {
        out->push_back(it->second);
        return;
      }
      for (char c : piece) {
        const int32_t id = tok.byte_to_id_[static_cast<uint8_t>(c)];
        if (id >= 0) out->push_back(id);
      }
    }
  };

  int32_t byte_to_id_[256];
};

}  // namespace

std::unique_ptr<Tokenizer> make_spm_tokenizer(Vocab vocab) {
  return std::make_unique<SpmTokenizer>(std::move(vocab));
}

}  // namespace arb
