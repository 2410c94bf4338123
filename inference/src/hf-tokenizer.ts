// A Hugging Face tokenizer.json turned into GGUF tokenizer metadata as llama.cpp's converter
// (convert_hf_to_gguf.py with gguf-py's SpecialVocab) writes it, for make-model --tokenizer-json.
// Like the converter, it reads the files beside tokenizer.json: tokenizer_config.json (special
// tokens, add_bos_token, the chat template), chat_template.jinja and config.json (fallback
// special token ids, the padded vocabulary size) when present.
//
// Supported: byte-level BPE vocabularies with the Llama 3 or Qwen2 pre-tokenizer (Llama 3.x,
// Qwen2, Qwen2.5, Qwen3), written as "gpt2" vocabularies, and SentencePiece BPE vocabularies
// with byte fallback (Gemma 3, Llama 2, Mistral), written as "llama" ones.
// - The converter names a byte-level pre-tokenizer by hashing how the tokenizer splits a test
//   text; here it is named by its regex, which is what that hash tells apart.
// - The converter takes SentencePiece scores from tokenizer.model, which tokenizer.json does not
//   carry. Its merge list is ordered by those scores (Hugging Face's SentencePiece extractor
//   sorts the merges by the score of the merged piece), so a piece's score here is minus the
//   rank of the first merge that makes it: SentencePiece's order of merging, kept.

import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";

import { type GgufValue, ggufValue } from "./gguf-writer";
import { TOKEN_TYPE } from "./llama-vocab";

/** The pre-tokenizer regexes of tokenizer.json and the tokenizer.ggml.pre name of each. */
const PRE_TOKENIZERS = new Map<string, string>([
  [
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    "llama-bpe",
  ],
  [
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    "qwen2",
  ],
]);

/** SpecialVocab's roles, their tokenizer_config.json / config.json names and GGUF keys. */
const SPECIAL_TOKEN_KEYS = {
  bos: "tokenizer.ggml.bos_token_id",
  eos: "tokenizer.ggml.eos_token_id",
  unk: "tokenizer.ggml.unknown_token_id",
  sep: "tokenizer.ggml.seperator_token_id", // sic: gguf-py's spelling
  pad: "tokenizer.ggml.padding_token_id",
} as const;

interface AddedToken {
  id: number;
  content: string;
  special: boolean;
}

interface TokenizerJson {
  added_tokens?: AddedToken[];
  normalizer?: Step | null;
  pre_tokenizer?: Step | null;
  decoder?: Step | null;
  model: {
    type: string;
    vocab: Record<string, number>;
    merges?: (string | [string, string])[];
    byte_fallback?: boolean;
    unk_token?: string | null;
  };
}

/** A normalizer, pre-tokenizer or decoder step, or a Sequence of them. */
interface Step {
  type: string;
  pattern?: { Regex?: string; String?: string };
  content?: string;
  prepend?: string;
  pretokenizers?: Step[];
  normalizers?: Step[];
  decoders?: Step[];
}

type TokenConfigValue = string | { content: string } | null | undefined;

interface TokenizerConfig {
  add_bos_token?: unknown;
  add_eos_token?: unknown;
  chat_template?: string | { name: string; template: string }[];
  [role: `${string}_token`]: TokenConfigValue | unknown;
}

export interface HfVocabulary {
  /** Token count, including the [PADn] tokens that fill unused ids. */
  size: number;
  metadata: Record<string, GgufValue>;
}

async function readJson<T>(path: string): Promise<T | null> {
  return existsSync(path) ? (JSON.parse(await readFile(path, "utf8")) as T) : null;
}

function flatten(step: Step | null | undefined): Step[] {
  if (!step) return [];
  if (step.type !== "Sequence") return [step];
  return (step.pretokenizers ?? step.normalizers ?? step.decoders ?? []).flatMap(flatten);
}

const SPACE = "\u2581"; // ▁, how SentencePiece writes a space

type Kind = { model: "gpt2"; pre: string } | { model: "llama"; addSpacePrefix: boolean };

/** The converter's does_token_look_special: added tokens that act as control tokens. */
function looksSpecial(text: string): boolean {
  return (
    ["<pad>", "<mask>", "<2mass>", "[@BOS@]"].includes(text) ||
    (text.startsWith("<|") && text.endsWith("|>")) ||
    (text.startsWith("<\uff5c") && text.endsWith("\uff5c>")) ||
    (text.startsWith("<unused") && text.endsWith(">"))
  );
}

/** Which GGUF vocabulary the tokenizer.json becomes, or an error naming what it is. */
function vocabularyKind(json: TokenizerJson, path: string): Kind {
  const pre = flatten(json.pre_tokenizer);
  const normalizer = flatten(json.normalizer);
  if (json.model.type === "BPE" && pre.some((p) => p.type === "ByteLevel")) {
    const split = pre.filter((p) => p.type === "Split");
    const regex = split.length === 1 ? split[0]!.pattern?.Regex : undefined;
    const name = regex !== undefined ? PRE_TOKENIZERS.get(regex) : undefined;
    if (name !== undefined) return { model: "gpt2", pre: name };
    throw new Error(
      `${path}: this byte-level BPE tokenizer's pre-tokenizer is not supported (only Llama 3's and ` +
        `Qwen2's regexes): ${JSON.stringify(regex ?? null)}`,
    );
  }
  // SentencePiece BPE: spaces become ▁ in the normalizer (Gemma 3, and Llama 2 with a ▁ prepended).
  const spaceToMetaspace = normalizer.some(
    (n) => n.type === "Replace" && n.pattern?.String === " " && n.content === SPACE,
  );
  if (json.model.type === "BPE" && json.model.byte_fallback && spaceToMetaspace) {
    return {
      model: "llama",
      addSpacePrefix: normalizer.some((n) => n.type === "Prepend" && n.prepend === SPACE),
    };
  }
  throw new Error(
    `${path}: only byte-level BPE tokenizers (Llama 3, Qwen2) and SentencePiece BPE tokenizers with ` +
      `byte fallback (Gemma 3, Llama 2) are supported; this one is a ${json.model.type} model`,
  );
}

/** The kind's own keys: merges and pre-tokenizer (gpt2), or scores and the space prefix (llama). */
function kindMetadata(
  kind: Kind,
  json: TokenizerJson,
  tokens: string[],
  types: number[],
): Record<string, GgufValue> {
  const merges = (json.model.merges ?? []).map((m) => (typeof m === "string" ? m : m.join(" ")));
  if (kind.model === "gpt2") {
    return {
      "tokenizer.ggml.pre": ggufValue.string(kind.pre),
      "tokenizer.ggml.merges": ggufValue.array("string", merges),
    };
  }
  // Added tokens score -1000 as in the converter; a piece no merge makes (a single character)
  // ranks after every merged piece.
  const firstMergeRank = new Map<string, number>();
  merges.forEach((merge, rank) => {
    const piece = merge.replace(" ", "");
    if (!firstMergeRank.has(piece)) firstMergeRank.set(piece, rank);
  });
  const scores = tokens.map((text, id) => {
    if (types[id] === TOKEN_TYPE.control || types[id] === TOKEN_TYPE.userDefined) return -1000;
    if (types[id] !== TOKEN_TYPE.normal) return 0;
    return -((firstMergeRank.get(text) ?? merges.length + id) + 1);
  });
  return {
    // As _set_vocab_sentencepiece writes it; llama.cpp reads no pre-tokenizer for "llama" ones.
    "tokenizer.ggml.pre": ggufValue.string("default"),
    "tokenizer.ggml.scores": ggufValue.array("float32", scores),
    "tokenizer.ggml.add_space_prefix": ggufValue.bool(kind.addSpacePrefix),
  };
}

/**
 * The tokenizer.* metadata llama.cpp's converter writes for the tokenizer.json at `path`:
 * tokens by id (ids no token uses become [PADn], unused), token types (added tokens control
 * when special or spelled like <|...|>, user-defined otherwise; SentencePiece's <0xXX> byte
 * pieces and unknown piece), merges as "left right" and the pre-tokenizer (gpt2) or scores and
 * the space prefix (llama), special token ids, add_bos/add_eos and the chat template. The
 * end-of-turn token is not written (the converter does not either): llama.cpp and the engine
 * find <|im_end|>, <end_of_turn> and <|eot_id|> by their text.
 */
export async function hfTokenizerVocabulary(path: string): Promise<HfVocabulary> {
  const dir = dirname(path);
  const json = JSON.parse(await readFile(path, "utf8")) as TokenizerJson;
  const config = (await readJson<TokenizerConfig>(join(dir, "tokenizer_config.json"))) ?? {};
  const modelConfig = (await readJson<Record<string, unknown>>(join(dir, "config.json"))) ?? {};
  const kind = vocabularyKind(json, path);

  const pieceType = (text: string) => {
    if (kind.model === "gpt2") return TOKEN_TYPE.normal;
    if (/^<0x[0-9A-F]{2}>$/.test(text)) return TOKEN_TYPE.byte;
    return text === json.model.unk_token ? TOKEN_TYPE.unknown : TOKEN_TYPE.normal;
  };
  const byId = new Map<number, { text: string; type: number }>();
  for (const [text, id] of Object.entries(json.model.vocab)) byId.set(id, { text, type: pieceType(text) });
  for (const added of json.added_tokens ?? []) {
    const control = added.special || looksSpecial(added.content);
    byId.set(added.id, {
      text: control ? added.content : added.content.replaceAll(SPACE, " "),
      type: control ? TOKEN_TYPE.control : TOKEN_TYPE.userDefined,
    });
  }
  let maxId = -1;
  for (const id of byId.keys()) maxId = Math.max(maxId, id);
  const configuredSize = modelConfig.vocab_size;
  const size = typeof configuredSize === "number" && configuredSize > maxId ? configuredSize : maxId + 1;
  const tokens: string[] = [];
  const types: number[] = [];
  for (let id = 0; id < size; id++) {
    const token = byId.get(id);
    tokens.push(token?.text ?? `[PAD${id}]`);
    types.push(token?.type ?? TOKEN_TYPE.unused);
  }
  const idOf = new Map<string, number>();
  tokens.forEach((text, id) => idOf.set(text, id));
  const metadata: Record<string, GgufValue> = {
    "tokenizer.ggml.model": ggufValue.string(kind.model),
    "tokenizer.ggml.tokens": ggufValue.array("string", tokens),
    "tokenizer.ggml.token_type": ggufValue.array("int32", types),
    ...kindMetadata(kind, json, tokens, types),
  };
  // tokenizer_config.json names special tokens by text; config.json's ids fill the roles it left.
  for (const [role, key] of Object.entries(SPECIAL_TOKEN_KEYS)) {
    const entry = config[`${role}_token`] as TokenConfigValue;
    const text = typeof entry === "string" ? entry : entry?.content;
    const fromConfig = modelConfig[`${role}_token_id`];
    const id = text !== undefined ? idOf.get(text) : typeof fromConfig === "number" ? fromConfig : undefined;
    if (id !== undefined) metadata[key] = ggufValue.uint32(id);
  }
  for (const flag of ["add_bos_token", "add_eos_token"] as const) {
    if (typeof config[flag] === "boolean") metadata[`tokenizer.ggml.${flag}`] = ggufValue.bool(config[flag]);
  }
  const template = await chatTemplate(dir, config);
  if (template !== null) metadata["tokenizer.chat_template"] = ggufValue.string(template);
  return { size, metadata };
}

/** chat_template.jinja wins over tokenizer_config.json's; of a named list, the "default" one. */
async function chatTemplate(dir: string, config: TokenizerConfig): Promise<string | null> {
  const file = join(dir, "chat_template.jinja");
  if (existsSync(file)) return readFile(file, "utf8");
  const template = config.chat_template;
  if (typeof template === "string") return template;
  return template?.find((t) => t.name === "default")?.template ?? null;
}
