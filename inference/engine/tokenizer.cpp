// Vocabulary loading, the special-token split, detokenization and UTF-8 streaming shared by
// every tokenizer type.
#include "tokenizer.h"

#include <algorithm>

namespace arb {

namespace {

// Length of the UTF-8 sequence a lead byte starts, 0 for a byte that cannot start one.
int utf8_sequence_length(uint8_t b) {
  if (b < 0x80) return 1;
  if (b >= 0xc2 && b <= 0xdf) return 2;
  if (b >= 0xe0 && b <= 0xef) return 3;
  if (b >= 0xf0 && b <= 0xf4) return 4;
  return 0;
}

// Whether s[0..n) is a valid sequence of length n (continuations and the overlong/surrogate/
// range rules on the second byte). With partial, s may be a valid prefix of n bytes.
bool utf8_valid(const uint8_t* s, size_t have, int n) {
  for (size_t k = 1; k < have; k++) {
    if ((s[k] & 0xc0) != 0x80) return false;
  }
  if (have >= 2) {
    const uint8_t b0 = s[0], b1 = s[1];
    if (b0 == 0xe0 && b1 < 0xa0) return false;  // overlong
    if (b0 == 0xed && b1 > 0x9f) return false;  // surrogate
    if (b0 == 0xf0 && b1 < 0x90) return false;  // overlong
    if (b0 == 0xf4 && b1 > 0x8f) return false;  // above U+10FFFF
  }
  return have <= static_cast<size_t>(n);
}

const char kReplacement[] = "\xef\xbf\xbd";

// Appends the valid UTF-8 of s to out; stops before an incomplete tail when `keep_tail`, which
// is returned through *tail_start. Invalid bytes and NUL become U+FFFD: every text the engine
// emits goes through here, and NUL (a <0x00> byte token) cannot be stored in PostgreSQL text.
void sanitize_utf8(std::string_view s, bool keep_tail, std::string* out, size_t* tail_start) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(s.data());
  size_t i = 0;
  *tail_start = s.size();
  while (i < s.size()) {
    const int n = utf8_sequence_length(p[i]);
    if (n == 0 || p[i] == 0) {
      out->append(kReplacement);
      i++;
      continue;
    }
    const size_t have = std::min<size_t>(static_cast<size_t>(n), s.size() - i);
    if (!utf8_valid(p + i, have, n)) {
      out->append(kReplacement);
      i++;
      continue;
    }
    if (have < static_cast<size_t>(n)) {  // incomplete, but valid so far
      if (keep_tail) {
        *tail_start = i;
        return;
      }
      out->append(kReplacement);
      return;
    }
    out->append(s.data() + i, have);
    i += have;
  }
}

// Tokens llama.cpp recognizes by their text when the file names no id (llama_vocab::impl::load):
// the end of turn, the end of a tool-call message, and the fill-in-the-middle tokens that end
// generation (Qwen's <|fim_pad|>, <|repo_name|>, <|file_sep|>). llama.cpp takes whichever match
// its hash map yields first; here the first in list order (the same for the families supported:
// Qwen's <|im_end|> before <|endoftext|>).
const char* const kEndOfTurnTexts[] = {
    "<|eot_id|>", "<|im_end|>",        "<|end|>", "<end_of_turn>",
    "<|endoftext|>", "<|end_of_text|>", "<EOT>",   "_<EOT>",
    "[EOT]",      "<\xef\xbd\x9c" "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>",
    "<end_of_utterance>"};
const char* const kEndOfMessageTexts[] = {"<|eom_id|>"};
const char* const kFimPadTexts[] = {"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"};
const char* const kFimRepoTexts[] = {"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"};
const char* const kFimSeparatorTexts[] = {"<|file_sep|>"};
// Every token with one of these texts ends generation: llama.cpp's special_eog_ids list. It
// includes "</s>" (for PaddleOCR), which Qwen's vocabularies have as an ordinary token.
const char* const kEndOfGenerationTexts[] = {
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
    "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
    "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
    "<\xef\xbd\x9c" "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>", "[e~["};

// The first token spelled as one of texts, -1 when none is in the vocabulary.
template <size_t N>
int32_t find_by_text(const Vocab& v, const char* const (&texts)[N]) {
  for (const char* text : texts) {
    auto it = v.token_to_id.find(text);
    if (it != v.token_to_id.end()) return it->second;
  }
  return -1;
}

Status read_token_id(const GgufFile& f, const char* key, int32_t n_vocab, int32_t fallback,
                     int32_t* out) {
  const GgufValue* v = f.find(key);
  if (!v) {
    *out = fallback;
    return Status::Ok();
  }
  if (!v->is_integer() || v->i < -1 || v->i >= n_vocab) {
    return Status::Error(StatusCode::InvalidModel,
                         std::string("metadata key '") + key + "' is not a token id below " +
                             std::to_string(n_vocab));
  }
  *out = static_cast<int32_t>(v->i);
  return Status::Ok();
}

}  // namespace

bool Vocab::is_eog(int32_t id) const {
  return std::find(eog.begin(), eog.end(), id) != eog.end();
}

Tokenizer::Tokenizer(Vocab vocab) : vocab_(std::move(vocab)) {
  for (int32_t id = 0; id < vocab_.n_tokens(); id++) {
    const TokenType t = vocab_.types[static_cast<size_t>(id)];
    if ((t == TokenType::Control || t == TokenType::UserDefined || t == TokenType::Unknown) &&
        !vocab_.tokens[static_cast<size_t>(id)].empty()) {
      special_by_length_.push_back(id);
    }
  }
  std::stable_sort(special_by_length_.begin(), special_by_length_.end(), [&](int32_t a, int32_t b) {
    return vocab_.tokens[static_cast<size_t>(a)].size() > vocab_.tokens[static_cast<size_t>(b)].size();
  });
}

void Tokenizer::init_pieces() {
  pieces_.resize(vocab_.tokens.size());
  for (int32_t id = 0; id < vocab_.n_tokens(); id++) pieces_[static_cast<size_t>(id)] = make_piece(id);
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool parse_special) const {
  return encode(std::vector<TextSegment>{{text, parse_special}});
}

std::vector<int32_t> Tokenizer::encode(const std::vector<TextSegment>& segments) const {
  // Split the text at special tokens, longest first, as llama.cpp's tokenizer_st_partition.
  struct Fragment {
    int32_t token;  // -1 for plain text
    std::string_view text;
    bool parse_special;
  };
  std::vector<Fragment> fragments;
  for (const TextSegment& s : segments) {
    if (!s.text.empty()) fragments.push_back({-1, s.text, s.parse_special});
  }
  for (int32_t id : special_by_length_) {
    const bool user_defined = vocab_.types[static_cast<size_t>(id)] == TokenType::UserDefined;
    const std::string& special = vocab_.tokens[static_cast<size_t>(id)];
    std::vector<Fragment> next;
    for (const Fragment& f : fragments) {
      if (f.token >= 0 || !(f.parse_special || user_defined)) {
        next.push_back(f);
        continue;
      }
      std::string_view rest = f.text;
      for (size_t at; (at = rest.find(special)) != std::string_view::npos;) {
        if (at > 0) next.push_back({-1, rest.substr(0, at), f.parse_special});
        next.push_back({id, {}, false});
        rest = rest.substr(at + special.size());
      }
      if (!rest.empty()) next.push_back({-1, rest, f.parse_special});
    }
    fragments.swap(next);
  }

  // Neighbouring plain fragments (from different segments) are one text to the encoder.
  std::vector<int32_t> ids;
  bool after_special = true;
  std::string run;
  for (size_t i = 0; i < fragments.size(); i++) {
    const Fragment& f = fragments[i];
    if (f.token >= 0) {
      ids.push_back(f.token);
      after_special = true;
      continue;
    }
    const bool continues = i + 1 < fragments.size() && fragments[i + 1].token < 0;
    if (run.empty() && !continues) {
      encode_text(f.text, after_special, &ids);
    } else {
      run.append(f.text);
      if (continues) continue;
      encode_text(run, after_special, &ids);
      run.clear();
    }
    after_special = false;
  }
  return ids;
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids) const {
  std::string bytes;
  bool first = true;
  for (int32_t id : ids) {
    if (id < 0 || id >= vocab_.n_tokens()) continue;  // callers validate; never index out of range
    const std::string& p = pieces_[static_cast<size_t>(id)];
    if (p.empty()) continue;
    if (first && vocab_.add_space_prefix && p[0] == ' ') {
      bytes.append(p, 1, std::string::npos);
    } else {
      bytes.append(p);
    }
    first = false;
  }
  std::string out;
  size_t tail;
  sanitize_utf8(bytes, false, &out, &tail);
  return out;
}

std::string Utf8Stream::push(std::string_view bytes) {
  pending_.append(bytes);
  std::string out;
  size_t tail;
  sanitize_utf8(pending_, true, &out, &tail);
  pending_.erase(0, tail);
  return out;
}

std::string Utf8Stream::finish() {
  std::string out;
  size_t tail;
  sanitize_utf8(pending_, false, &out, &tail);
  pending_.clear();
  return out;
}

Status load_tokenizer(const GgufFile& f, int32_t n_vocab, std::unique_ptr<Tokenizer>* out) {
  Vocab v;
  ARB_RETURN_IF_ERROR(f.get_string("tokenizer.ggml.model", &v.model));
  const GgufValue* tokens = f.find("tokenizer.ggml.tokens");
  if (!tokens || tokens->type != GgufType::ARRAY || tokens->elem_type != GgufType::STRING) {
    return Status::Error(StatusCode::InvalidModel,
                         "tokenizer.ggml.tokens is missing or not an array of strings");
  }
  if (tokens->n_elems != static_cast<uint64_t>(n_vocab)) {
    return Status::Error(StatusCode::InvalidModel,
                         "the vocabulary has " + std::to_string(tokens->n_elems) +
                             " tokens but token_embd.weight has " + std::to_string(n_vocab) + " rows");
  }
  v.tokens.reserve(tokens->strings.size());
  for (std::string_view s : tokens->strings) v.tokens.emplace_back(s);

  v.scores.assign(v.tokens.size(), 0.0f);
  if (const GgufValue* scores = f.find("tokenizer.ggml.scores")) {
    if (scores->type != GgufType::ARRAY || scores->elem_type != GgufType::FLOAT32 ||
        scores->n_elems != tokens->n_elems) {
      return Status::Error(StatusCode::InvalidModel,
                           "tokenizer.ggml.scores must be a float32 array with one score per token");
    }
    for (uint64_t k = 0; k < scores->n_elems; k++) v.scores[k] = static_cast<float>(scores->float_at(k));
  }
  v.types.assign(v.tokens.size(), TokenType::Normal);
  if (const GgufValue* types = f.find("tokenizer.ggml.token_type")) {
    if (types->type != GgufType::ARRAY || types->elem_type != GgufType::INT32 ||
        types->n_elems != tokens->n_elems) {
      return Status::Error(StatusCode::InvalidModel,
                           "tokenizer.ggml.token_type must be an int32 array with one type per token");
    }
    for (uint64_t k = 0; k < types->n_elems; k++) {
      const int64_t t = types->int_at(k);
      if (t < 0 || t > 6) {
        return Status::Error(StatusCode::InvalidModel,
                             "token " + std::to_string(k) + " has an unknown token type " +
                                 std::to_string(t));
      }
      v.types[k] = static_cast<TokenType>(t);
    }
  }
  for (int32_t id = 0; id < n_vocab; id++) v.token_to_id[v.tokens[static_cast<size_t>(id)]] = id;
  ARB_RETURN_IF_ERROR(f.get_string("tokenizer.ggml.pre", &v.pre, ""));
  if (const GgufValue* merges = f.find("tokenizer.ggml.merges")) {
    if (merges->type != GgufType::ARRAY || merges->elem_type != GgufType::STRING) {
      return Status::Error(StatusCode::InvalidModel, "tokenizer.ggml.merges must be an array of strings");
    }
    v.merges.reserve(merges->strings.size());
    for (std::string_view s : merges->strings) v.merges.emplace_back(s);
  }

  const bool is_spm = v.model == "llama";
  ARB_RETURN_IF_ERROR(read_token_id(f, "tokenizer.ggml.bos_token_id", n_vocab, is_spm ? 1 : -1, &v.bos));
  ARB_RETURN_IF_ERROR(read_token_id(f, "tokenizer.ggml.eos_token_id", n_vocab, is_spm ? 2 : -1, &v.eos));
  ARB_RETURN_IF_ERROR(read_token_id(f, "tokenizer.ggml.unknown_token_id", n_vocab, is_spm ? 0 : -1, &v.unk));
  if (v.bos >= n_vocab) v.bos = -1;  // defaults beyond a tiny vocabulary
  if (v.eos >= n_vocab) v.eos = -1;
  if (v.unk >= n_vocab) v.unk = -1;
  // llama.cpp adds BOS for SentencePiece and for Llama 3's pre-tokenizer, not for Qwen2's.
  const bool default_add_bos = is_spm || (v.model == "gpt2" && bpe_default_add_bos(v.pre));
  ARB_RETURN_IF_ERROR(f.get_bool("tokenizer.ggml.add_bos_token", &v.add_bos, &default_add_bos));
  const bool default_space_prefix = is_spm;
  ARB_RETURN_IF_ERROR(
      f.get_bool("tokenizer.ggml.add_space_prefix", &v.add_space_prefix, &default_space_prefix));
  ARB_RETURN_IF_ERROR(f.get_string("tokenizer.chat_template", &v.chat_template, ""));

  // End of generation as llama.cpp decides it: the ids the file names, else the tokens found by
  // their text, and every token spelled as an end-of-generation text. llama.cpp makes each token
  // it finds by text a control token whatever the file says, so none of them is plain text.
  const auto add_eog = [&](int32_t id, bool make_control) {
    if (id < 0) return;
    if (make_control) v.types[static_cast<size_t>(id)] = TokenType::Control;
    if (!v.is_eog(id)) v.eog.push_back(id);
  };
  // A role the file leaves out is looked up by text; found that way, it becomes a control token.
  const auto by_key_or_text = [&](const char* key, auto& texts, int32_t* id, bool* by_text) -> Status {
    ARB_RETURN_IF_ERROR(read_token_id(f, key, n_vocab, -1, id));
    *by_text = *id < 0;
    if (*by_text) *id = find_by_text(v, texts);
    return Status::Ok();
  };
  int32_t fim_pad, fim_repo, fim_separator;
  bool eot_by_text, eom_by_text, fim_pad_by_text, fim_repo_by_text, fim_separator_by_text;
  ARB_RETURN_IF_ERROR(by_key_or_text("tokenizer.ggml.eot_token_id", kEndOfTurnTexts, &v.eot, &eot_by_text));
  ARB_RETURN_IF_ERROR(by_key_or_text("tokenizer.ggml.eom_token_id", kEndOfMessageTexts, &v.eom, &eom_by_text));
  ARB_RETURN_IF_ERROR(
      by_key_or_text("tokenizer.ggml.fim_pad_token_id", kFimPadTexts, &fim_pad, &fim_pad_by_text));
  ARB_RETURN_IF_ERROR(
      by_key_or_text("tokenizer.ggml.fim_rep_token_id", kFimRepoTexts, &fim_repo, &fim_repo_by_text));
  ARB_RETURN_IF_ERROR(by_key_or_text("tokenizer.ggml.fim_sep_token_id", kFimSeparatorTexts,
                                     &fim_separator, &fim_separator_by_text));
  // llama.cpp's order: the FIM tokens, the texts, EOS, EOT and EOM, then two exceptions.
  add_eog(fim_pad, fim_pad_by_text);
  add_eog(fim_repo, fim_repo_by_text);
  add_eog(fim_separator, fim_separator_by_text);
  for (const char* text : kEndOfGenerationTexts) {
    auto it = v.token_to_id.find(text);
    if (it != v.token_to_id.end()) add_eog(it->second, true);
  }
  add_eog(v.eos, false);
  add_eog(v.eot, eot_by_text);
  add_eog(v.eom, eom_by_text);
  // llama.cpp's two exceptions: gpt-oss and Solar end turns with <|return|>/<|call|> or
  // <|calls|>/<|flush|>, and their <|end|> is text; Gemma 4's </s> is text.
  const auto eog_id = [&](const char* text) {
    auto it = v.token_to_id.find(text);
    return it != v.token_to_id.end() && v.is_eog(it->second) ? it->second : -1;
  };
  const auto drop_eog = [&](int32_t id, TokenType type) {
    v.eog.erase(std::find(v.eog.begin(), v.eog.end(), id));
    v.types[static_cast<size_t>(id)] = type;
  };
  const int32_t end = eog_id("<|end|>");
  const bool has_call = eog_id("<|call|>") >= 0 || eog_id("<|calls|>") >= 0;
  if (end >= 0 && has_call && (eog_id("<|return|>") >= 0 || eog_id("<|flush|>") >= 0)) {
    drop_eog(end, TokenType::UserDefined);
  }
  const int32_t closing_s = eog_id("</s>");
  if (closing_s >= 0 && eog_id("<|tool_response>") >= 0) drop_eog(closing_s, TokenType::Normal);

  if (is_spm) {
    *out = make_spm_tokenizer(std::move(v));
    return Status::Ok();
  }
  if (v.model == "gpt2") return make_bpe_tokenizer(std::move(v), out);
  return Status::Error(StatusCode::Unsupported,
                       "tokenizer.ggml.model '" + v.model + "' is not supported (only 'llama' and 'gpt2')");
}

}  // namespace arb
