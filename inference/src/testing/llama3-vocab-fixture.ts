// A tiny llama that carries the real Llama 3 tokenizer: the 128000-token byte-level
// BPE vocabulary and its 280147 merges as llama3-tokenizer-js ships them, the 256 added special
// tokens (<|begin_of_text|> = 128000 ...), and the metadata a Llama 3 Instruct GGUF has
// (tokenizer.ggml.model "gpt2", pre "llama-bpe", eos = <|eot_id|>, Meta's chat template).

import llama3Tokenizer from "llama3-tokenizer-js";

import { encodeTensorData, type GgufTensor, type GgufValue, ggufValue, writeGguf } from "../gguf-writer";
import { TOKEN_TYPE } from "../llama-vocab";
import type { TempDir } from "./fixtures";

/** Ids of Llama 3's special tokens (the same in Llama 3, 3.1, 3.2 and 3.3). */
export const LLAMA3_TOKENS = {
  beginOfText: 128000,
  endOfText: 128001,
  startHeader: 128006,
  endHeader: 128007,
  endOfMessage: 128008, // <|eom_id|>, Llama 3.1 tool calls
  endOfTurn: 128009, // <|eot_id|>
} as const;

export const LLAMA3_ORDINARY_TOKENS = 128000;
export const LLAMA3_VOCAB_SIZE = 128256;

/** Meta-Llama-3-8B-Instruct's tokenizer.chat_template. */
export const LLAMA3_CHAT_TEMPLATE =
  "{% set loop_messages = messages %}{% for message in loop_messages %}" +
  "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}" +
  "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";

export interface Llama3Vocabulary {
  tokens: string[];
  types: number[];
  merges: string[];
}

/** The vocabulary, token types and merge list, checked against what Llama 3 is known to have. */
export function llama3Vocabulary(): Llama3Vocabulary {
  const tokens = [...llama3Tokenizer.vocabById];
  if (tokens.length !== LLAMA3_VOCAB_SIZE || tokens[LLAMA3_TOKENS.endOfTurn] !== "<|eot_id|>") {
    throw new Error(
      `llama3-tokenizer-js has ${tokens.length} tokens, not Llama 3's ${LLAMA3_VOCAB_SIZE} with <|eot_id|> at ${LLAMA3_TOKENS.endOfTurn}`,
    );
  }
  // The merges map's values are priorities (its insertion order is the list's order too).
  const merges = [...llama3Tokenizer.merges.entries()].sort((a, b) => a[1] - b[1]).map(([pair]) => pair);
  // Every added token (<|...|>, ids 128000..128255) is a control token in converted GGUFs.
  const types = tokens.map((_, id) => (id < LLAMA3_ORDINARY_TOKENS ? TOKEN_TYPE.normal : TOKEN_TYPE.control));
  return { tokens, types, merges };
}

export interface Llama3MetadataOptions {
  /** tokenizer.ggml.eos_token_id: <|eot_id|> in Instruct GGUFs (default), <|end_of_text|> in base ones. */
  eosTokenId?: number;
  chatTemplate?: string | null;
}

/** The tokenizer.* metadata of a Llama 3 GGUF as llama.cpp's converter writes it. */
export function llama3VocabularyMetadata(
  vocab: Llama3Vocabulary,
  options: Llama3MetadataOptions = {},
): Record<string, GgufValue> {
  const template = options.chatTemplate === undefined ? LLAMA3_CHAT_TEMPLATE : options.chatTemplate;
  return {
    "tokenizer.ggml.model": ggufValue.string("gpt2"),
    "tokenizer.ggml.pre": ggufValue.string("llama-bpe"),
    "tokenizer.ggml.tokens": ggufValue.array("string", vocab.tokens),
    "tokenizer.ggml.token_type": ggufValue.array("int32", vocab.types),
    "tokenizer.ggml.merges": ggufValue.array("string", vocab.merges),
    "tokenizer.ggml.bos_token_id": ggufValue.uint32(LLAMA3_TOKENS.beginOfText),
    "tokenizer.ggml.eos_token_id": ggufValue.uint32(options.eosTokenId ?? LLAMA3_TOKENS.endOfTurn),
    ...(template !== null ? { "tokenizer.chat_template": ggufValue.string(template) } : {}),
  };
}

export interface Llama3ModelOptions extends Llama3MetadataOptions {
  /**
   * Greedy decoding follows these transitions: after token `key` comes token `value` (at most
   * 64 keys). Any other token gives all-zero logits.
   */
  next?: Readonly<Record<number, number>>;
  /** Replace or add metadata (e.g. to write an unsupported pre-tokenizer). */
  metadata?: Record<string, GgufValue>;
}

/**
 * A 1-layer, 64-wide llama with the full Llama 3 vocabulary, written to dir. Attention and FFN
 * outputs are zero, so the logits of a position are output · rmsnorm(embedding of its token):
 * token `key` embeds as unit vector i and output row next[key] is 10 · unit vector i, a margin
 * of 80 logits after the norm. Embedding and output are Q8_0 (about 9 MB each).
 */
export async function createLlama3VocabModel(
  dir: TempDir,
  name: string,
  options: Llama3ModelOptions = {},
): Promise<string> {
  const vocab = llama3Vocabulary();
  const dim = 64;
  const ffn = 128;
  const heads = 4;
  const kvHeads = 2;
  const kvDim = (dim / heads) * kvHeads;
  const transitions = Object.entries(options.next ?? {}).map(([from, to]) => [Number(from), to] as const);
  if (transitions.length > dim) throw new Error(`at most ${dim} transitions, got ${transitions.length}`);
  const embedding = new Float32Array(LLAMA3_VOCAB_SIZE * dim);
  const output = new Float32Array(LLAMA3_VOCAB_SIZE * dim);
  transitions.forEach(([from, to], i) => {
    embedding[from * dim + i] = 1;
    output[to * dim + i] = 10;
  });
  const tensor = (name: string, type: "F32" | "Q8_0", values: Float32Array, shape: number[]): GgufTensor => ({
    name,
    type,
    shape,
    data: encodeTensorData(type, values),
  });
  const zeros = (name: string, cols: number, rows: number) =>
    tensor(name, "F32", new Float32Array(cols * rows), [cols, rows]);
  const ones = (name: string) => tensor(name, "F32", new Float32Array(dim).fill(1), [dim]);
  const tensors: GgufTensor[] = [
    tensor("token_embd.weight", "Q8_0", embedding, [dim, LLAMA3_VOCAB_SIZE]),
    ones("blk.0.attn_norm.weight"),
    zeros("blk.0.attn_q.weight", dim, dim),
    zeros("blk.0.attn_k.weight", dim, kvDim),
    zeros("blk.0.attn_v.weight", dim, kvDim),
    zeros("blk.0.attn_output.weight", dim, dim),
    ones("blk.0.ffn_norm.weight"),
    zeros("blk.0.ffn_gate.weight", dim, ffn),
    zeros("blk.0.ffn_up.weight", dim, ffn),
    zeros("blk.0.ffn_down.weight", ffn, dim),
    ones("output_norm.weight"),
    tensor("output.weight", "Q8_0", output, [dim, LLAMA3_VOCAB_SIZE]),
  ];
  const metadata: Record<string, GgufValue> = {
    "general.architecture": ggufValue.string("llama"),
    "general.name": ggufValue.string("arbiter-llama3-vocab-test"),
    "general.file_type": ggufValue.uint32(7), // mostly Q8_0
    "general.quantization_version": ggufValue.uint32(2),
    "llama.vocab_size": ggufValue.uint32(LLAMA3_VOCAB_SIZE),
    "llama.context_length": ggufValue.uint32(8192),
    "llama.embedding_length": ggufValue.uint32(dim),
    "llama.block_count": ggufValue.uint32(1),
    "llama.feed_forward_length": ggufValue.uint32(ffn),
    "llama.rope.dimension_count": ggufValue.uint32(dim / heads),
    "llama.attention.head_count": ggufValue.uint32(heads),
    "llama.attention.head_count_kv": ggufValue.uint32(kvHeads),
    "llama.attention.layer_norm_rms_epsilon": ggufValue.float32(1e-5),
    "llama.rope.freq_base": ggufValue.float32(500000),
    ...llama3VocabularyMetadata(vocab, options),
    ...options.metadata,
  };
  const path = dir.file(name);
  await writeGguf(path, { metadata, tensors });
  return path;
}
