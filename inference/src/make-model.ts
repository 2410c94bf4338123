// Random-weight models in GGUF (llama, qwen2, qwen3, gemma3), with llama.cpp's keys and tensor
// names as its converter writes them, for tests and benchmarks. Deterministic per seed. Small models quantize normal-distributed floats with
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

export const MODEL_ARCHS = ["llama", "qwen2", "qwen3", "gemma3"] as const;
export type ModelArch = (typeof MODEL_ARCHS)[number];

/**
 * RoPE scaling as llama.cpp's converter writes it. llama3 (Llama 3.1+): a rope_freqs.weight
 * tensor of per-dimension factors from the original context (and factor, default 8; low and
 * high frequency factors 1 and 4). linear: rope.scaling.type = linear with its factor.
 */
export type RopeScaling =
  { type: "llama3"; originalContext: number; factor?: number } | { type: "linear"; factor: number };

/** `llama3:ORIG_CTX[:FACTOR]` or `linear:F` (the --rope-scaling syntax). */
export function parseRopeScaling(text: string): RopeScaling {
  const [type, ...rest] = text.split(":");
  const numbers = rest.map(Number);
  if (type === "llama3" && (numbers.length === 1 || numbers.length === 2)) {
    const [originalContext, factor] = numbers as [number, number | undefined];
    if (Number.isSafeInteger(originalContext) && originalContext > 0 && (factor === undefined || factor > 0))
      return { type, originalContext, ...(factor === undefined ? {} : { factor }) };
  }
  if (type === "linear" && numbers.length === 1 && numbers[0]! > 0) return { type, factor: numbers[0]! };
  throw new RangeError(`--rope-scaling must be llama3:ORIG_CTX[:FACTOR] or linear:F, got ${text}`);
}

/**
 * convert_hf_to_gguf.py's Llama 3 RoPE factors: 1 for wavelengths below original/high_freq
 * (4), factor above original/low_freq (1), interpolated between; one per rotated pair.
 */
export function llama3RopeFactors(
  scaling: { originalContext: number; factor?: number },
  base: number,
  ropeDim: number,
): Float32Array {
  const factor = scaling.factor ?? 8;
  const [lowFreqFactor, highFreqFactor] = [1, 4];
  const lowFreqWavelen = scaling.originalContext / lowFreqFactor;
  const highFreqWavelen = scaling.originalContext / highFreqFactor;
  const factors = new Float32Array(ropeDim / 2);
  for (let i = 0; i < ropeDim / 2; i++) {
    const freq = 1 / Math.fround(Math.pow(base, (2 * i) / ropeDim));
    const wavelen = (2 * Math.PI) / freq;
    if (wavelen < highFreqWavelen) factors[i] = 1;
    else if (wavelen > lowFreqWavelen) factors[i] = factor;
    else {
      const smooth = (scaling.originalContext / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
      factors[i] = 1 / ((1 - smooth) / factor + smooth);
    }
  }
  return factors;
}

/** llama.cpp's enum llama_pooling_type: RANK attaches the classification head (cls.output). */
const LLAMA_POOLING_TYPE_RANK = 4;

export interface MakeModelOptions {
  out: string;
  /** Default llama. */
  arch?: ModelArch;
  /** Per-head size (qwen3 and gemma3 write attention.key_length); default dim / heads. */
  headDim?: number;
  ropeScaling?: RopeScaling;
  /** gemma3: the local layers' attention window (attention.sliding_window), default 512. */
  slidingWindow?: number;
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
  /**
   * A reward model: a scalar score head on the last token as llama.cpp's converter writes a
   * sequence-classification model (cls.output.weight [dim, 1] and cls.output.bias [1], F32;
   * {arch}.pooling_type = RANK).
   */
  rewardHead?: boolean;
  /** Default 10000 for llama, 1e6 for the others (as their released models). */
  ropeFreqBase?: number;
  /** Default 1e-5 (llama, qwen2), 1e-6 (qwen3, gemma3). */
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
  if (o.arch !== undefined && !MODEL_ARCHS.includes(o.arch))
    throw new RangeError(`--arch must be one of ${MODEL_ARCHS.join(", ")}, got ${String(o.arch)}`);
  if (o.headDim === undefined && o.dim % o.heads !== 0)
    throw new RangeError(`--dim ${o.dim} is not divisible by --heads ${o.heads}`);
  const headDim = o.headDim ?? o.dim / o.heads;
  if (!Number.isSafeInteger(headDim) || headDim <= 0)
    throw new RangeError(`--head-dim must be a positive integer, got ${headDim}`);
  if (headDim % 2 !== 0) throw new RangeError(`the head size ${headDim} must be even for RoPE`);
  if (o.slidingWindow !== undefined && (!Number.isSafeInteger(o.slidingWindow) || o.slidingWindow <= 0))
    throw new RangeError(`--sliding-window must be a positive integer, got ${o.slidingWindow}`);
  if (o.heads % o.kvHeads !== 0)
    throw new RangeError(`--heads ${o.heads} is not a multiple of --kv-heads ${o.kvHeads}`);
  // K-quant rows that are not whole super-blocks fall back to 32-value blocks.
  const block = Math.min(32, ggmlTypeTraits(GGML_TYPE[o.type]).blockSize);
  for (const [name, value] of [
    ["dim", o.dim],
    ["ffn", o.ffn],
    ["heads x head size", o.heads * headDim],
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
  const arch = options.arch ?? "llama";
  const headDim = options.headDim ?? dim / heads;
  const qDim = heads * headDim;
  const kvDim = kvHeads * headDim;
  const biases = arch === "qwen2";
  const qkNorms = arch === "qwen3" || arch === "gemma3";
  const postNorms = arch === "gemma3";
  const ropeFreqBase = options.ropeFreqBase ?? (arch === "llama" ? 10000 : 1e6);
  const ropeFactors =
    options.ropeScaling?.type === "llama3"
      ? llama3RopeFactors(options.ropeScaling, ropeFreqBase, headDim)
      : null;

  const parameterCount =
    nVocab * dim * (tied ? 1 : 2) +
    dim +
    (ropeFactors?.length ?? 0) +
    layers *
      ((postNorms ? 4 : 2) * dim +
        2 * dim * qDim +
        2 * dim * kvDim +
        3 * dim * ffn +
        (biases ? qDim + 2 * kvDim : 0) +
        (qkNorms ? 2 * headDim : 0)) +
    (options.rewardHead ? dim + 1 : 0);
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
  const norm = (name: string, n = dim) => randomTensor(name, f32, [n], seed, { mean: 1, std: 0.05 }, false);
  // Biases of the size of the projections' outputs (qwen2's are large on k).
  const bias = (name: string, n: number) => randomTensor(name, f32, [n], seed, { mean: 0, std: 0.5 }, false);

  const tensors: GgufTensor[] = [weight("token_embd.weight", dim, nVocab)];
  if (ropeFactors)
    tensors.push({
      name: "rope_freqs.weight",
      type: "F32",
      shape: [ropeFactors.length],
      data: new Uint8Array(ropeFactors.buffer),
    });
  for (let l = 0; l < layers; l++) {
    const p = `blk.${l}.`;
    tensors.push(
      norm(`${p}attn_norm.weight`),
      weight(`${p}attn_q.weight`, dim, qDim),
      weight(`${p}attn_k.weight`, dim, kvDim),
      weight(`${p}attn_v.weight`, dim, kvDim),
      weight(`${p}attn_output.weight`, qDim, dim),
      norm(`${p}ffn_norm.weight`),
      weight(`${p}ffn_gate.weight`, dim, ffn),
      weight(`${p}ffn_up.weight`, dim, ffn),
      weight(`${p}ffn_down.weight`, ffn, dim),
    );
    if (biases)
      tensors.push(
        bias(`${p}attn_q.bias`, qDim),
        bias(`${p}attn_k.bias`, kvDim),
        bias(`${p}attn_v.bias`, kvDim),
      );
    if (qkNorms)
      tensors.push(norm(`${p}attn_q_norm.weight`, headDim), norm(`${p}attn_k_norm.weight`, headDim));
    if (postNorms) tensors.push(norm(`${p}post_attention_norm.weight`), norm(`${p}post_ffw_norm.weight`));
  }
  tensors.push(norm("output_norm.weight"));
  if (!tied) tensors.push(weight("output.weight", dim, nVocab));
  if (options.rewardHead)
    tensors.push(
      randomTensor("cls.output.weight", f32, [dim, 1], seed, { mean: 0, std: 1 / Math.sqrt(dim) }, false),
      bias("cls.output.bias", 1),
    );

  const k = `${arch}.`; // llama.cpp's keys are "{arch}.name"
  const defaultEpsilon = arch === "qwen3" || arch === "gemma3" ? 1e-6 : 1e-5;
  const metadata: Record<string, GgufValue> = {
    "general.architecture": ggufValue.string(arch),
    "general.name": ggufValue.string(
      options.name ?? `arbiter-random-${arch === "llama" ? "" : `${arch}-`}${dim}x${layers}-${type}`,
    ),
    "general.file_type": ggufValue.uint32(FILE_TYPE[type]),
    [`${k}vocab_size`]: ggufValue.uint32(nVocab),
    [`${k}context_length`]: ggufValue.uint32(options.context ?? 4096),
    [`${k}embedding_length`]: ggufValue.uint32(dim),
    [`${k}block_count`]: ggufValue.uint32(layers),
    [`${k}feed_forward_length`]: ggufValue.uint32(ffn),
    [`${k}rope.dimension_count`]: ggufValue.uint32(headDim),
    [`${k}attention.head_count`]: ggufValue.uint32(heads),
    [`${k}attention.head_count_kv`]: ggufValue.uint32(kvHeads),
    [`${k}attention.layer_norm_rms_epsilon`]: ggufValue.float32(options.rmsEpsilon ?? defaultEpsilon),
    [`${k}rope.freq_base`]: ggufValue.float32(ropeFreqBase),
    // The converter writes the head size of models whose config has one (qwen3, gemma3).
    ...(qkNorms || options.headDim !== undefined
      ? {
          [`${k}attention.key_length`]: ggufValue.uint32(headDim),
          [`${k}attention.value_length`]: ggufValue.uint32(headDim),
        }
      : {}),
    ...(arch === "gemma3"
      ? { [`${k}attention.sliding_window`]: ggufValue.uint32(options.slidingWindow ?? 512) }
      : {}),
    ...(options.ropeScaling?.type === "linear"
      ? {
          [`${k}rope.scaling.type`]: ggufValue.string("linear"),
          [`${k}rope.scaling.factor`]: ggufValue.float32(options.ropeScaling.factor),
        }
      : {}),
    ...(options.rewardHead ? { [`${k}pooling_type`]: ggufValue.uint32(LLAMA_POOLING_TYPE_RANK) } : {}),
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
