// The byte-level BPE tokenizer on a tiny hand-made gpt2 vocabulary: merge order, whole-word
// tokens, bytes in and out, special tokens, end-of-generation ids, and the files it refuses.
// (tokenizer-llama3.int.test.ts checks the real Llama 3 vocabulary through the addon.)
#include <algorithm>
#include <memory>

#include "../gguf.h"
#include "../tokenizer.h"
#include "gguf_builder.h"
#include "test.h"

namespace arb {
namespace {

// GPT-2's bytes_to_unicode as its Python source writes it: the printable bytes keep their code
// point, the rest take 256, 257, ... in byte order. Returns the UTF-8 of each byte's character.
std::vector<std::string> gpt2_byte_characters() {
  std::vector<int> bs, cs;
  for (int b = '!'; b <= '~'; b++) bs.push_back(b);
  for (int b = 0xA1; b <= 0xAC; b++) bs.push_back(b);
  for (int b = 0xAE; b <= 0xFF; b++) bs.push_back(b);
  cs = bs;
  int n = 0;
  for (int b = 0; b < 256; b++) {
    if (std::find(bs.begin(), bs.end(), b) == bs.end()) {
      bs.push_back(b);
      cs.push_back(256 + n++);
    }
  }
  std::vector<std::string> out(256);
  for (size_t i = 0; i < bs.size(); i++) {
    const int c = cs[i];
    std::string& s = out[static_cast<size_t>(bs[i])];
    if (c < 0x80) {
      s += static_cast<char>(c);
    } else {
      s += static_cast<char>(0xC0 | (c >> 6));
      s += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

// Ids 0..255 spell the bytes 0..255; then merged and whole-word tokens, then control tokens.
enum : int32_t {
  kAA = 256,     // "a a", rank 0
  kBC,           // "b c", rank 1
  kAB,           // "a b", rank 2
  kSpaceHello,   // "Ġhello": a token no merge makes
  kTwoSpaces,    // "Ġ Ġ", rank 3
  kOneTwo,       // "1 2", rank 5
  kEotId,        // <|eot_id|>, the file's EOS
  kEndOfText,    // <|end_of_text|>
  kEomId,        // <|eom_id|>
  kBeginOfText,  // <|begin_of_text|>
  kVocabSize,
};

struct BpeFile {
  const char* pre = "llama-bpe";  // nullptr: no key
  std::vector<std::string> merges = {"a a", "b c", "a b", "\xc4\xa0 \xc4\xa0", "x y", "1 2"};
  bool has_merges = true;
};

struct LoadedBpe {
  std::vector<uint8_t> bytes;  // the file parses into views of these
  std::unique_ptr<GgufFile> file;
  std::unique_ptr<Tokenizer> tok;
};

Status load_bpe(const BpeFile& spec, LoadedBpe* out) {
  std::vector<std::string> tokens = gpt2_byte_characters();
  const std::string space = tokens[' '];
  for (const std::string& t :
       {std::string("aa"), std::string("bc"), std::string("ab"), space + "hello", space + space, std::string("12"),
        std::string("<|eot_id|>"), std::string("<|end_of_text|>"), std::string("<|eom_id|>"),
        std::string("<|begin_of_text|>")}) {
    tokens.push_back(t);
  }
  std::vector<int32_t> types(tokens.size(), 1);
  for (int32_t id = kEotId; id < kVocabSize; id++) types[static_cast<size_t>(id)] = 3;
  test::GgufBuilder b;
  b.kv_string("tokenizer.ggml.model", "gpt2");
  if (spec.pre) b.kv_string("tokenizer.ggml.pre", spec.pre);
  b.kv_strings("tokenizer.ggml.tokens", tokens);
  b.kv_i32s("tokenizer.ggml.token_type", types);
  if (spec.has_merges) b.kv_strings("tokenizer.ggml.merges", spec.merges);
  b.kv_u32("tokenizer.ggml.bos_token_id", kBeginOfText);
  b.kv_u32("tokenizer.ggml.eos_token_id", kEotId);
  out->bytes = b.build();
  ARB_RETURN_IF_ERROR(GgufFile::parse(out->bytes.data(), out->bytes.size(), &out->file));
  return load_tokenizer(*out->file, kVocabSize, &out->tok);
}

using Ids = std::vector<int32_t>;

TEST(tokenizer_bpe_merges_by_rank_then_leftmost) {
  LoadedBpe m;
  CHECK_OK(load_bpe({}, &m));
  if (!m.tok) return;
  const Tokenizer* tok = m.tok.get();
  CHECK(tok->encode("aaa", false) == Ids({kAA, 'a'}));  // equal ranks: the leftmost pair first
  CHECK(tok->encode("abc", false) == Ids({'a', kBC}));  // "b c" outranks "a b"
  CHECK(tok->encode("ab", false) == Ids({kAB}));
  CHECK(tok->encode("xy", false) == Ids({'x', 'y'}));  // "xy" is no token: that merge is ignored
  // A word that is a token is taken whole (Llama 3's ignore_merges), spelled without merges.
  CHECK(tok->encode(" hello", false) == Ids({kSpaceHello}));
  CHECK(tok->encode("hello", false) == Ids({'h', 'e', 'l', 'l', 'o'}));
  // "a", then "  " (the last space of the run goes with the next word), then " a".
  CHECK(tok->encode("a   a", false) == Ids({'a', kTwoSpaces, ' ', 'a'}));
  CHECK(tok->encode("123", false) == Ids({kOneTwo, '3'}));  // \p{N}{1,3}: one word
}

TEST(tokenizer_bpe_qwen2_splits_digits_and_always_merges) {
  LoadedBpe m;
  BpeFile qwen;
  qwen.pre = "qwen2";
  CHECK_OK(load_bpe(qwen, &m));
  if (!m.tok) return;
  const Tokenizer* tok = m.tok.get();
  CHECK(tok->encode("123", false) == Ids({'1', '2', '3'}));  // \p{N}: a word per digit
  // No ignore_merges: " hello" is a token, but no merge list reaches it.
  CHECK(tok->encode(" hello", false) == Ids({' ', 'h', 'e', 'l', 'l', 'o'}));
  CHECK(tok->encode("abc a   a", false) == Ids({'a', kBC, ' ', 'a', kTwoSpaces, ' ', 'a'}));
  CHECK(!tok->vocab().add_bos);  // llama.cpp adds no BOS for qwen2
}

TEST(tokenizer_bpe_round_trips_every_byte) {
  LoadedBpe m;
  CHECK_OK(load_bpe({}, &m));
  if (!m.tok) return;
  const Tokenizer* tok = m.tok.get();
  for (int b = 0; b < 256; b++) CHECK(tok->piece(b) == std::string(1, static_cast<char>(b)));
  const std::string text = "caf\xc3\xa9 \xf0\x9f\xa6\x99\t\r\n\x01 ab";
  CHECK(tok->decode(tok->encode(text, false)) == text);
  // Invalid UTF-8 still encodes byte by byte; decoding marks it with U+FFFD.
  CHECK(tok->encode("\xff", false) == Ids({0xff}));
  CHECK(tok->decode({0xff, 'a'}) ==
        "\xef\xbf\xbd"
        "a");
  CHECK(tok->decode({kBeginOfText, 'h', 'i', kEotId}) == "hi");  // control tokens are no text
}

TEST(tokenizer_bpe_special_tokens_and_end_of_generation) {
  LoadedBpe m;
  CHECK_OK(load_bpe({}, &m));
  if (!m.tok) return;
  const Tokenizer* tok = m.tok.get();
  const Vocab& v = tok->vocab();
  CHECK_EQ(v.bos, kBeginOfText);
  CHECK(v.add_bos);  // llama.cpp's default for llama-bpe
  CHECK_EQ(v.eot, kEotId);  // found by its text
  CHECK_EQ(v.eom, kEomId);
  for (int32_t id : {kEotId, kEndOfText, kEomId}) CHECK_MSG(v.is_eog(id), std::to_string(id));
  CHECK(!v.is_eog(kBeginOfText));
  CHECK(tok->encode("<|begin_of_text|>ab<|eot_id|>", true) == Ids({kBeginOfText, kAB, kEotId}));
  CHECK(tok->encode("<|eot_id|>", false) ==
        Ids({'<', '|', 'e', 'o', 't', '_', 'i', 'd', '|', '>'}));
}

TEST(tokenizer_bpe_refuses_what_it_cannot_tokenize) {
  LoadedBpe m;
  BpeFile no_pre;
  no_pre.pre = nullptr;
  CHECK(load_bpe(no_pre, &m).code == StatusCode::Unsupported);
  BpeFile gpt2;
  gpt2.pre = "gpt-2";
  const Status st = load_bpe(gpt2, &m);
  CHECK(st.code == StatusCode::Unsupported);
  CHECK_MSG(st.message.find("'gpt-2'") != std::string::npos, st.message);
  BpeFile no_merges;
  no_merges.has_merges = false;
  CHECK(load_bpe(no_merges, &m).code == StatusCode::InvalidModel);
  BpeFile bad_merge;
  bad_merge.merges = {"a a", "ab"};
  const Status bad = load_bpe(bad_merge, &m);
  CHECK(bad.code == StatusCode::InvalidModel);
  CHECK_MSG(bad.message.find("entry 1") != std::string::npos, bad.message);
}

}  // namespace
}  // namespace arb
