// Tokenizers read from the GGUF's tokenizer.ggml.* keys. The base class owns the vocabulary,
// the special-token split and detokenization; each vocabulary type (tokenizer.ggml.model)
// implements encode_text in its own file: "llama" (SentencePiece BPE) in tokenizer_spm.cpp,
// "gpt2" (byte-level BPE: Llama 3, Qwen2/2.5/3) in tokenizer_bpe.cpp.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gguf.h"
#include "status.h"

namespace arb {

// tokenizer.ggml.token_type values (llama.cpp's llama_token_type).
enum class TokenType : int32_t {
  Undefined = 0,
  Normal = 1,
  Unknown = 2,
  Control = 3,
  UserDefined = 4,
  Unused = 5,
  Byte = 6,
};

struct Vocab {
  std::string model;  // tokenizer.ggml.model
  std::string pre;    // tokenizer.ggml.pre (gpt2: the pre-tokenizer), empty when absent
  std::vector<std::string> tokens;
  std::vector<float> scores;
  std::vector<TokenType> types;
  std::unordered_map<std::string, int32_t> token_to_id;  // a repeated text maps to its last id
  std::vector<std::string> merges;  // tokenizer.ggml.merges (gpt2), consumed by the BPE tokenizer
  int32_t bos = -1, eos = -1, unk = -1, eot = -1, eom = -1;  // -1 = none
  bool add_bos = true;
  bool add_space_prefix = true;
  std::vector<int32_t> eog;  // ids that end generation: eos, eot, eom and llama.cpp's list by text
  std::string chat_template; // tokenizer.chat_template, empty when absent

  int32_t n_tokens() const { return static_cast<int32_t>(tokens.size()); }
  bool is_eog(int32_t id) const;
};

// A piece of text to encode and whether control tokens spelled in it become their ids.
struct TextSegment {
  std::string_view text;
  bool parse_special;
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // Text -> ids, without BOS. With parse_special, control tokens spelled in the text ("<s>")
  // become their ids; user-defined tokens always do (llama.cpp's behaviour).
  std::vector<int32_t> encode(std::string_view text, bool parse_special) const;

  // The segments' concatenation -> ids, control tokens parsed only inside segments that ask
  // for it. Plain text runs on across segment borders, so a chat template's text and a message
  // encode exactly as their concatenation would, without the message's text becoming control
  // tokens.
  std::vector<int32_t> encode(const std::vector<TextSegment>& segments) const;

  // The bytes a token contributes to generated text: "▁" becomes a space, <0xXX> its byte,
  // control and unknown tokens nothing. Bytes, not always complete UTF-8.
  const std::string& piece(int32_t id) const { return pieces_[static_cast<size_t>(id)]; }

  // Ids -> text as a standalone string: control tokens skipped, the space the encoder put in
  // front removed, invalid or incomplete UTF-8 and NUL replaced with U+FFFD (as in generated
  // text: PostgreSQL cannot store NUL). decode(encode(s)) == s for text without NUL.
  std::string decode(const std::vector<int32_t>& ids) const;

  const Vocab& vocab() const { return vocab_; }

 protected:
  explicit Tokenizer(Vocab vocab);
  // Encodes one fragment of plain text (no special tokens inside). `after_special` is true for
  // the first fragment and for one that follows a special token.
  virtual void encode_text(std::string_view text, bool after_special,
                           std::vector<int32_t>* out) const = 0;
  // Fills pieces_ (called by the subclass constructor).
  virtual std::string make_piece(int32_t id) const = 0;
  void init_pieces();

  Vocab vocab_;
  std::vector<std::string> pieces_;
  std::vector<int32_t> special_by_length_;  // candidates for the special split, longest first
};

// Reads the vocabulary and builds the tokenizer its tokenizer.ggml.model names. n_vocab is the
// model's embedding row count, which the token list must match.
Status load_tokenizer(const GgufFile& file, int32_t n_vocab, std::unique_ptr<Tokenizer>* out);

// Per-type constructors (one file each).
std::unique_ptr<Tokenizer> make_spm_tokenizer(Vocab vocab);
// Unsupported for a pre-tokenizer other than Llama 3's and Qwen2's, InvalidModel for malformed
// merges.
Status make_bpe_tokenizer(Vocab vocab, std::unique_ptr<Tokenizer>* out);
// Whether llama.cpp adds BOS to a gpt2 vocabulary with this pre-tokenizer when the file does not
// say (tokenizer.ggml.add_bos_token): Llama 3 does, Qwen2 does not.
bool bpe_default_add_bos(const std::string& pre);

// Turns a stream of bytes into valid UTF-8 pieces: a multi-byte character split across tokens
// is held back until it is complete; invalid bytes become U+FFFD.
class Utf8Stream {
 public:
  std::string push(std::string_view bytes);  // complete characters available so far
  std::string finish();                      // what is left (an incomplete tail becomes U+FFFD)

 private:
  std::string pending_;
};

}  // namespace arb
