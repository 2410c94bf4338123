// SentencePiece vocabularies for generated models, taken from the LLaMA 1/2 vocabulary and BPE
// merge list that llama-tokenizer-js ships: the full 32000-token Llama 2 vocabulary, or a
// small subset of its most frequent ASCII pieces so tiny test models still produce readable text.
//
// A GGUF "llama" tokenizer merges by token score (highest first), while llama-tokenizer-js
// merges by the rank of each pair in its merge list. Giving each merged piece the score
// -(rank of its first merge) makes score order equal merge order, so both tokenize alike.

import { type GgufValue, ggufValue } from "./gguf-writer";

/** llama.cpp's token types (llama_token_type). */
export const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;

export interface SpmVocabulary {
  tokens: string[];
  scores: number[];
  types: number[];
  unkId: number;
  bosId: number;
  eosId: number;
}

interface LlamaTokenizerData {
  vocabById: string[];
  merges: Map<string, number>;
}

const SPACE = "\u2581"; // ▁, how SentencePiece writes a space

async function loadLlamaTokenizer(): Promise<LlamaTokenizerData> {
  // Imported on demand: decoding its data takes a moment and most commands never need it.
  const module = await import("llama-tokenizer-js");
  const tokenizer = module.default as unknown as LlamaTokenizerData;
  if (tokenizer.vocabById.length !== 32000) {
    throw new Error(`llama-tokenizer-js has ${tokenizer.vocabById.length} tokens, expected Llama 2's 32000`);
  }
  return tokenizer;
}

/** Pieces produced by merges, in merge order, each with the pair that first produces it. */
function mergedPiecesInOrder(
  tokenizer: LlamaTokenizerData,
): { piece: string; left: string; right: string }[] {
  const ranked = [...tokenizer.merges.entries()].sort((a, b) => a[1] - b[1]);
  const seen = new Set<string>();
  const out: { piece: string; left: string; right: string }[] = [];
  for (const [pair] of ranked) {
    const [left, right] = pair.split(" ") as [string, string];
    const piece = left + right;
    if (seen.has(piece)) continue;
    seen.add(piece);
    out.push({ piece, left, right });
  }
  return out;
}

function baseTokens(): { tokens: string[]; scores: number[]; types: number[] } {
  const tokens = ["<unk>", "<s>", "</s>"];
  const types: number[] = [TOKEN_TYPE.unknown, TOKEN_TYPE.control, TOKEN_TYPE.control];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
    types.push(TOKEN_TYPE.byte);
  }
  return { tokens, scores: tokens.map(() => 0), types };
}

/** The Llama 2 vocabulary (ids as in Llama 2), with scores derived from the merge order. */
export async function llama2Vocabulary(): Promise<SpmVocabulary> {
  const tokenizer = await loadLlamaTokenizer();
  const { tokens, types } = baseTokens();
  const vocab = tokenizer.vocabById;
  for (let id = 0; id < tokens.length; id++) {
    if (vocab[id] !== tokens[id])
      throw new Error(`llama-tokenizer-js token ${id} is ${vocab[id]}, expected ${tokens[id]}`);
  }
  const scores = new Array<number>(vocab.length).fill(0);
  const merged = mergedPiecesInOrder(tokenizer);
  const rank = new Map(merged.map((m, i) => [m.piece, i]));
  let unmerged = merged.length;
  for (let id = tokens.length; id < vocab.length; id++) {
    const r = rank.get(vocab[id]!);
    // Pieces no merge produces (single characters) rank after every merged piece.
    scores[id] = -((r ?? unmerged++) + 1);
    types.push(TOKEN_TYPE.normal);
  }
  return { tokens: [...vocab], scores, types, unkId: 0, bosId: 1, eosId: 2 };
}

/** Printable ASCII (space written as ▁): the characters of the small vocabulary. */
function isSmallVocabularyCharacter(piece: string): boolean {
  return piece === SPACE || (piece.length === 1 && piece >= "!" && piece <= "~");
}

/** Token count of the smallest small vocabulary (specials, bytes and characters, no merges). */
export const SMALL_VOCABULARY_MIN = 3 + 256 + 95;

/**
 * A `size`-token vocabulary: specials, the 256 byte tokens, the first merged pieces of Llama 2
 * that are made of printable ASCII, and those characters. Text outside ASCII falls back to bytes.
 */
export async function smallVocabulary(size: number): Promise<SpmVocabulary> {
  const tokenizer = await loadLlamaTokenizer();
  const characters = tokenizer.vocabById.filter(isSmallVocabularyCharacter);
  const available = new Set(characters);
  const pieces: string[] = [];
  const wanted = size - SMALL_VOCABULARY_MIN;
  if (!Number.isInteger(size) || wanted < 0) {
    throw new RangeError(
      `--vocab must be an integer of at least ${SMALL_VOCABULARY_MIN} (specials, 256 bytes, 95 characters)`,
    );
  }
  // Keep a merged piece only when both halves are already in: every piece stays reachable.
  for (const { piece, left, right } of mergedPiecesInOrder(tokenizer)) {
    if (pieces.length === wanted) break;
    if (available.has(left) && available.has(right) && !available.has(piece)) {
      available.add(piece);
      pieces.push(piece);
    }
  }
  if (pieces.length < wanted) {
    throw new RangeError(
      `--vocab ${size} is larger than the ${SMALL_VOCABULARY_MIN + pieces.length} tokens of the ASCII vocabulary; use --vocab-from llama2 for the full vocabulary`,
    );
  }
  const base = baseTokens();
  const tokens = [...base.tokens, ...pieces, ...characters];
  const scores = [
    ...base.scores,
    ...pieces.map((_, i) => -(i + 1)),
    ...characters.map((_, i) => -(pieces.length + i + 1)),
  ];
  const types = [
    ...base.types,
    ...pieces.map(() => TOKEN_TYPE.normal),
    ...characters.map(() => TOKEN_TYPE.normal),
  ];
  return { tokens, scores, types, unkId: 0, bosId: 1, eosId: 2 };
}

/** The tokenizer.* metadata of a SentencePiece ("llama") vocabulary as Llama 2 GGUFs carry it. */
export function spmVocabularyMetadata(
  vocab: SpmVocabulary,
  chatTemplate?: string,
): Record<string, GgufValue> {
  return {
    "tokenizer.ggml.model": ggufValue.string("llama"),
    "tokenizer.ggml.tokens": ggufValue.array("string", vocab.tokens),
    "tokenizer.ggml.scores": ggufValue.array("float32", vocab.scores),
    "tokenizer.ggml.token_type": ggufValue.array("int32", vocab.types),
    "tokenizer.ggml.bos_token_id": ggufValue.uint32(vocab.bosId),
    "tokenizer.ggml.eos_token_id": ggufValue.uint32(vocab.eosId),
    "tokenizer.ggml.unknown_token_id": ggufValue.uint32(vocab.unkId),
    "tokenizer.ggml.add_bos_token": ggufValue.bool(true),
    "tokenizer.ggml.add_eos_token": ggufValue.bool(false),
    "tokenizer.ggml.add_space_prefix": ggufValue.bool(true),
    ...(chatTemplate !== undefined ? { "tokenizer.chat_template": ggufValue.string(chatTemplate) } : {}),
  };
}
