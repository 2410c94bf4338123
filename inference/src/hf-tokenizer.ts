// A Hugging Face tokenizer.json turned into GGUF tokenizer metadata as llama.cpp's converter
// (convert_hf_to_gguf.py with gguf-py's SpecialVocab) writes it, for make-model --tokenizer-json.
// Like the converter, it reads the files beside tokenizer.json: tokenizer_config.json (special
// tokens, add_bos_token, the chat template), chat_template.jinja and config.json (fallback
// special token ids, the padded vocabulary size) when present.
//
// Supported: byte-level BPE vocabularies with the Llama 3 or Qwen2 pre-tokenizer (Llama 3.x,
// Qwen2, Qwen2.5, Qwen3). The converter names the pre-tokenizer by hashing how the tokenizer
// splits a test text; here it is named by its regex, which is what that hash tells apart.

import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";

import { type GgufValue, ggufValue } from "./gguf-writer";
import { TOKEN_TYPE } from "./llama-vocab";

/** The pre-tokenizer regexes of tokenizer.json and the tokenizer.ggml.pre name of each. */
const PRE_TOKENIZERS: Record<string, string> = {
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+":
    "llama-bpe",
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+":
    "qwen2",
};

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
  pre_tokenizer?: PreTokenizer | null;
  decoder?: { type: string } | null;
  model: {
    type: string;
    vocab: Record<string, number>;
    merges?: (string | [string, string])[];
  };
}

interface PreTokenizer {
  type: string;
  pattern?: { Regex?: string; String?: string };
  pretokenizers?: PreTokenizer[];
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

function flattenPreTokenizers(pre: PreTokenizer | null | undefined): PreTokenizer[] {
  if (!pre) return [];
  return pre.type === "Sequence" ? (pre.pretokenizers ?? []).flatMap(flattenPreTokenizers) : [pre];
}

/** The converter's does_token_look_special: added tokens that act as control tokens. */
function looksSpecial(text: string): boolean {
  return (
    ["<pad>", "<mask>", "<2mass>", "[@BOS@]"].includes(text) ||
    (text.startsWith("<|") && text.endsWith("|>")) ||
    (text.startsWith("<\uff5c") && text.endsWith("\uff5c>")) ||
    (text.startsWith("<unused") && text.endsWith(">"))
  );
}

function preTokenizerName(json: TokenizerJson, path: string): string {
  const parts = flattenPreTokenizers(json.pre_tokenizer);
  const isByteLevel = parts.some((p) => p.type === "ByteLevel") && json.decoder?.type === "ByteLevel";
  const split = parts.filter((p) => p.type === "Split");
  const regex = split.length === 1 ? split[0]!.pattern?.Regex : undefined;
  const name = regex !== undefined ? PRE_TOKENIZERS[regex] : undefined;
  if (json.model.type !== "BPE" || !isByteLevel || name === undefined) {
    throw new Error(
      `${path}: only byte-level BPE tokenizers with the Llama 3 or Qwen2 pre-tokenizer are supported ` +
        `(model ${json.model.type}, pre-tokenizer regex ${JSON.stringify(regex ?? null)})`,
    );
  }
  return name;
}

/**
 * The tokenizer.* metadata llama.cpp's converter writes for the tokenizer.json at `path`:
 * tokens by id (ids no token uses become [PADn], unused), token types (added tokens control
 * when special or spelled like <|...|>, user-defined otherwise), merges as "left right", the
 * pre-tokenizer, special token ids, add_bos/add_eos and the chat template. The end-of-turn
 * token is not written (the converter does not either): llama.cpp and the engine find
 * <|im_end|> and <|eot_id|> by their text.
 */
export async function hfTokenizerVocabulary(path: string): Promise<HfVocabulary> {
  const dir = dirname(path);
  const json = JSON.parse(await readFile(path, "utf8")) as TokenizerJson;
  const config = (await readJson<TokenizerConfig>(join(dir, "tokenizer_config.json"))) ?? {};
  const modelConfig = (await readJson<Record<string, unknown>>(join(dir, "config.json"))) ?? {};
  const pre = preTokenizerName(json, path);

  const byId = new Map<number, { text: string; type: number }>();
  for (const [text, id] of Object.entries(json.model.vocab)) byId.set(id, { text, type: TOKEN_TYPE.normal });
  for (const added of json.added_tokens ?? []) {
    const control = added.special || looksSpecial(added.content);
    byId.set(added.id, {
      text: control ? added.content : added.content.replaceAll("\u2581", " "),
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
  const merges = (json.model.merges ?? []).map((m) => (typeof m === "string" ? m : m.join(" ")));

  const idOf = new Map<string, number>();
  tokens.forEach((text, id) => idOf.set(text, id));
  const metadata: Record<string, GgufValue> = {
    "tokenizer.ggml.model": ggufValue.string("gpt2"),
    "tokenizer.ggml.pre": ggufValue.string(pre),
    "tokenizer.ggml.tokens": ggufValue.array("string", tokens),
    "tokenizer.ggml.token_type": ggufValue.array("int32", types),
    "tokenizer.ggml.merges": ggufValue.array("string", merges),
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
