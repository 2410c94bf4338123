// Random-weight llama models in GGUF, with llama.cpp's keys and tensor names, for tests and
// benchmarks. Deterministic per seed. Small models quantize normal-distributed floats with
// ggml's reference quantizers; large ones write random blocks directly so a 7B-shape file takes
// seconds of generation rather than minutes. Types: one weight type for every matrix, or
// "q4_k_m", llama-quantize's Q4_K_M mix (tensorTypeFor below).

import { type GgmlTypeName, type GgmlTypeTraits, ggmlTypeTraits } from "./ggml-types";
import { type GgufTensor, type GgufValue, ggufValue, type WriteProgress, writeGguf } from "./gguf-writer";
import { hfTokenizerVocabulary, type HfVocabulary } from "./hf-tokenizer";
import { llama2Vocabulary, smallVocabulary, spmVocabularyMetadata } from "./llama-vocab";
import { Random } from "./random";

export const MODEL_TYPES = ["f32", "f16", "bf16", "q8_0", "q4_0", "q5_0", "q4_k", "q6_k", "q4_k_m"] as const;
export type ModelType = (typeof MODEL_TYPES)[number];

const DEFAULT_VOCAB_SIZE = 4096;

export interface MakeModelOptions {
  out: string;
  dim: number;
  layers: number;
  heads: number;
  kvHeads: number;
  ffn: number;
  type: ModelType;
  /** A small ASCII vocabulary of this many tokens, or the full Llama 2 vocabulary. */
  vocab?: number | "llama2";
  /** A Hugging Face tokenizer.json whose vocabulary the file carries (instead of `vocab`). */
  tokenizerJson?: string;
  seed?: number;
  context?: number;
  /** No output.weight: the output projection reuses token_embd (llama.cpp's fallback). */
  tied?: boolean;
  ropeFreqBase?: number;
  rmsEpsilon?: number;
  name?: string;
  /** tokenizer.chat_template (default: the tokenizer's own with tokenizerJson, else none). */
  chatTemplate?: string;
  /** Sample random blocks instead of quantizing floats (default: above 64M parameters). */
  randomBlocks?: boolean;
  onProgress?: (progress: WriteProgress) => void;
}

export interface MadeModel {
  path: string;
  bytes: number;
  parameterCount: number;
  tensorCount: number;
  type: ModelType;
  /** Tensors per ggml type, e.g. { Q4_K: 44, Q6_K: 9, Q5_0: 3, F32: 17 }. */
  tensorTypes: Record<string, number>;
  vocabSize: number;
  seconds: number;
}

const RANDOM_BLOCKS_ABOVE_PARAMETERS = 64 * 1024 * 1024;

// general.file_type values (llama_ftype). A file of Q4_K only has no ftype of its own: 14
// (Q4_K_S) is the closest.
const FILE_TYPE: Record<ModelType, number> = {
  f32: 0,
  f16: 1,
  q4_0: 2,
  q8_0: 7,
  q5_0: 8,
  q4_k: 14,
  q4_k_m: 15,
  q6_k: 18,
  bf16: 32,
};
// The type of every weight matrix (q4_k_m: the type most of them get).
const GGML_TYPE: Record<ModelType, GgmlTypeName> = {
  f32: "F32",
  f16: "F16",
  bf16: "BF16",
  q8_0: "Q8_0",
  q4_0: "Q4_0",
  q5_0: "Q5_0",
  q4_k: "Q4_K",
  q6_k: "Q6_K",
  q4_k_m: "Q4_K",
};

/** llama-quantize's use_more_bits: the first and last eighth of the layers and every third between. */
function useMoreBits(layer: number, layers: number): boolean {
  const eighth = Math.floor(layers / 8);
  return layer < eighth || layer >= Math.floor((7 * layers) / 8) || (layer - eighth) % 3 === 2;
}

/**
 * The ggml type llama-quantize (without an importance matrix) gives a weight matrix of `cols`
 * columns: Q4_K_M puts Q6_K on the output projection (on token_embd when the output is tied)
 * and on attn_v and ffn_down of the layers useMoreBits picks, Q4_K elsewhere. A K-quant needs
 * rows of whole 256-value super-blocks; otherwise Q4_K falls back to Q5_0 and Q6_K to Q8_0, as
 * llama-quantize does.
 */
export function tensorTypeFor(
  type: ModelType,
  tensor: { name: string; cols: number; layer: number | null; layers: number; tied: boolean },
): GgmlTypeName {
  let chosen = GGML_TYPE[type];
  if (type === "q4_k_m") {
    const { name, layer, layers } = tensor;
    const isOutput = name === "output.weight" || (tensor.tied && name === "token_embd.weight");
    const moreBits = layer !== null && useMoreBits(layer, layers);
    if (isOutput || (moreBits && (name.endsWith(".attn_v.weight") || name.endsWith(".ffn_down.weight"))))
      chosen = "Q6_K";
  }
  if (tensor.cols % 256 !== 0) {
    if (chosen === "Q4_K") chosen = "Q5_0";
    if (chosen === "Q6_K") chosen = "Q8_0";
  }
  return chosen;
}

function checkShape(o: MakeModelOptions): void {
  if (!MODEL_TYPES.includes(o.type))
    throw new RangeError(`--type must be one of ${MODEL_TYPES.join(", ")}, got ${o.type}`);
  const positive = { dim: o.dim, layers: o.layers, heads: o.heads, "kv-heads": o.kvHeads, ffn: o.ffn };
  for (const [name, value] of Object.entries(positive)) {
    if (!Number.isSafeInteger(value) || value <= 0)
      throw new RangeError(`--${name} must be a positive integer, got ${value}`);
  }
  if (o.dim % o.heads !== 0) throw new RangeError(`--dim ${o.dim} is not divisible by --heads ${o.heads}`);
  if ((o.dim / o.heads) % 2 !== 0)
    throw new RangeError(`the head size ${o.dim / o.heads} must be even for RoPE`);
  if (o.heads % o.kvHeads !== 0)
    throw new RangeError(`--heads ${o.heads} is not a multiple of --kv-heads ${o.kvHeads}`);
  // K-quant rows that are not whole super-blocks fall back to 32-value blocks.
  const block = Math.min(32, ggmlTypeTraits(GGML_TYPE[o.type]).blockSize);
  for (const [name, value] of [
    ["dim", o.dim],
    ["ffn", o.ffn],
  ] as const) {
    if (value % block !== 0)
      throw new RangeError(
        `--${name} ${value} must be a multiple of ${block} for ${o.type} (rows are whole blocks)`,
      );
  }
}

/** A weight tensor generated row chunk by row chunk while it is written. */
function randomTensor(
  name: string,
  traits: GgmlTypeTraits,
  shape: [number, number] | [number],
  seed: number,
  values: { mean: number; std: number },
  useRandomBlocks: boolean,
): GgufTensor {
  const [cols, rows = 1] = shape;
  const rowBytes = (cols / traits.blockSize) * traits.typeSize;
  const rowsPerChunk = Math.max(1, Math.floor((4 << 20) / rowBytes));
  return {
    name,
    type: traits.name,
    shape,
    data: function* () {
      const rng = new Random(`${seed}:${name}`);
      for (let row = 0; row < rows; row += rowsPerChunk) {
        const n = Math.min(rowsPerChunk, rows - row);
        const bytes = new Uint8Array(n * rowBytes);
        if (useRandomBlocks && values.mean === 0) {
          traits.randomBlocks(rng, bytes, values.std);
        } else {
          const floats = new Float32Array(n * cols);
          for (let i = 0; i < floats.length; i++) floats[i] = values.mean + values.std * rng.normal();
          traits.quantize(floats, bytes);
        }
        yield bytes;
      }
    },
  };
}

/** The vocabulary's size and tokenizer.* metadata. */
async function vocabulary(options: MakeModelOptions): Promise<HfVocabulary> {
  if (options.tokenizerJson !== undefined) {
    const hf = await hfTokenizerVocabulary(options.tokenizerJson);
    if (options.chatTemplate !== undefined)
      hf.metadata["tokenizer.chat_template"] = ggufValue.string(options.chatTemplate);
    return hf;
  }
  const spm =
    options.vocab === "llama2"
      ? await llama2Vocabulary()
      : await smallVocabulary(options.vocab ?? DEFAULT_VOCAB_SIZE);
  return { size: spm.tokens.length, metadata: spmVocabularyMetadata(spm, options.chatTemplate) };
}

export async function makeModel(options: MakeModelOptions): Promise<MadeModel> {
  const started = performance.now();
  checkShape(options);
  const { dim, layers, heads, kvHeads, ffn, type } = options;
  const seed = options.seed ?? 1;
  const tied = options.tied ?? false;
  const vocab = await vocabulary(options);
  const nVocab = vocab.size;
  const headDim = dim / heads;
  const kvDim = kvHeads * headDim;

  const parameterCount =
    nVocab * dim * (tied ? 1 : 2) +
    dim +
    layers * (2 * dim + 2 * dim * dim + 2 * dim * kvDim + 3 * dim * ffn);
  const useRandomBlocks = options.randomBlocks ?? parameterCount > RANDOM_BLOCKS_ABOVE_PARAMETERS;
  const f32 = ggmlTypeTraits("F32");
  // std 1/sqrt(n_in) keeps each projection's output at the scale of its input; norms near 1.
  const weight = (name: string, nIn: number, nOut: number) => {
    const layer = /^blk\.(\d+)\./.exec(name);
    const ggmlType = tensorTypeFor(type, {
      name,
      cols: nIn,
      layer: layer ? Number(layer[1]) : null,
      layers,
      tied,
    });
    return randomTensor(
      name,
      ggmlTypeTraits(ggmlType),
      [nIn, nOut],
      seed,
      { mean: 0, std: 1 / Math.sqrt(nIn) },
      useRandomBlocks,
    );
  };
  const norm = (name: string) => randomTensor(name, f32, [dim], seed, { mean: 1, std: 0.05 }, false);

  const tensors: GgufTensor[] = [weight("token_embd.weight", dim, nVocab)];
  for (let l = 0; l < layers; l++) {
    tensors.push(
      norm(`blk.${l}.attn_norm.weight`),
      weight(`blk.${l}.attn_q.weight`, dim, dim),
      weight(`blk.${l}.attn_k.weight`, dim, kvDim),
      weight(`blk.${l}.attn_v.weight`, dim, kvDim),
      weight(`blk.${l}.attn_output.weight`, dim, dim),
      norm(`blk.${l}.ffn_norm.weight`),
      weight(`blk.${l}.ffn_gate.weight`, dim, ffn),
      weight(`blk.${l}.ffn_up.weight`, dim, ffn),
      weight(`blk.${l}.ffn_down.weight`, ffn, dim),
    );
  }
  tensors.push(norm("output_norm.weight"));
  if (!tied) tensors.push(weight("output.weight", dim, nVocab));

  const metadata: Record<string, GgufValue> = {
    "general.architecture": ggufValue.string("llama"),
    "general.name": ggufValue.string(options.name ?? `arbiter-random-${dim}x${layers}-${type}`),
    "general.file_type": ggufValue.uint32(FILE_TYPE[type]),
    "llama.vocab_size": ggufValue.uint32(nVocab),
    "llama.context_length": ggufValue.uint32(options.context ?? 4096),
    "llama.embedding_length": ggufValue.uint32(dim),
    "llama.block_count": ggufValue.uint32(layers),
    "llama.feed_forward_length": ggufValue.uint32(ffn),
    "llama.rope.dimension_count": ggufValue.uint32(headDim),
    "llama.attention.head_count": ggufValue.uint32(heads),
    "llama.attention.head_count_kv": ggufValue.uint32(kvHeads),
    "llama.attention.layer_norm_rms_epsilon": ggufValue.float32(options.rmsEpsilon ?? 1e-5),
    "llama.rope.freq_base": ggufValue.float32(options.ropeFreqBase ?? 10000),
    ...vocab.metadata,
    ...(type.startsWith("q") ? { "general.quantization_version": ggufValue.uint32(2) } : {}),
  };

  const { bytes } = await writeGguf(options.out, { metadata, tensors }, options.onProgress);
  const tensorTypes: Record<string, number> = {};
  for (const t of tensors) tensorTypes[t.type] = (tensorTypes[t.type] ?? 0) + 1;
  return {
    path: options.out,
    bytes,
    parameterCount,
    tensorCount: tensors.length,
    type,
    tensorTypes,
    vocabSize: nVocab,
    seconds: (performance.now() - started) / 1000,
  };
}
