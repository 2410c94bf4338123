// The forward pass (llama, and the qwen2, qwen3 and gemma3 variations) in float64, written from
// the equations in inference/DESIGN.md ("The forward pass") and nothing else: the yardstick the engine's logits are measured against.
// Weights are dequantized from the GGUF file, so for quantized files the reference uses exactly
// the values the engine reads, and keys and values are rounded to binary16 as the engine's KV
// cache holds them; the remaining difference is the engine's activation quantization and
// float32 accumulation. Slow and simple on purpose; for small test models only.

import { readFileSync } from "node:fs";

import { fp16ToFp32, fp32ToFp16, type GgmlTypeName, ggmlTypeTraits } from "../ggml-types";
import { metadataValue, readGguf, type ReadGguf, readTensor } from "./gguf-reader";

export interface ReferenceConfig {
  nVocab: number;
  nEmbd: number;
  nLayer: number;
  nHead: number;
  nHeadKv: number;
  headDim: number;
  nFf: number;
  rmsEps: number;
  ropeFreqBase: number;
  ropeDim: number;
  architecture: string;
  /** llama: pairs (2i, 2i+1); qwen2, qwen3, gemma3: (i, i + ropeDim/2). */
  ropeNeox: boolean;
  /** 1 / rope.scaling.factor (linear scaling). */
  ropeFreqScale: number;
  /** rope_freqs.weight: theta_i divided by factor i; null when absent. */
  ropeFreqFactors: Float32Array | null;
  /** gemma3's local layers: window, RoPE base (unscaled); 0 when none. */
  slidingWindow: number;
  ropeFreqBaseSwa: number;
  attnScale: number;
  embdScale: number;
  ffnGelu: boolean;
}

/** gemma3: every sixth layer is global, the others local (sliding window). */
export function isSlidingWindowLayer(config: ReferenceConfig, layer: number): boolean {
  return config.slidingWindow > 0 && layer % 6 < 5;
}

interface Matrix {
  rows: number;
  cols: number;
  values: Float32Array | Float64Array; // row-major, rows x cols (ggml: ne[0] = cols)
  type: GgmlTypeName;
}

interface Layer {
  attnNorm: Float32Array;
  wq: Matrix;
  wk: Matrix;
  wv: Matrix;
  wo: Matrix;
  ffnNorm: Float32Array;
  wGate: Matrix;
  wUp: Matrix;
  wDown: Matrix;
  bq: Float32Array | null;
  bk: Float32Array | null;
  bv: Float32Array | null;
  qNorm: Float32Array | null;
  kNorm: Float32Array | null;
  attnPostNorm: Float32Array | null;
  ffnPostNorm: Float32Array | null;
}

export interface ReferenceModel {
  config: ReferenceConfig;
  tokEmbd: Matrix;
  outputNorm: Float32Array;
  output: Matrix;
  tiedOutput: boolean;
  layers: Layer[];
  /** A reward model's scalar head (cls.output.weight [nEmbd, 1], cls.output.bias), or null. */
  scoreHead: { weight: Float32Array | Float64Array; bias: number } | null;
}

function requiredNumber(file: ReadGguf, key: string): number {
  const v = metadataValue(file, key);
  if (typeof v !== "number" && typeof v !== "bigint")
    throw new Error(`reference: missing numeric key ${key}`);
  return Number(v);
}

function matrix(file: ReadGguf, name: string, rows: number, cols: number): Matrix {
  const { shape, values } = readTensor(file, name);
  const type = file.tensors.find((t) => t.name === name)!.typeName!;
  if (shape[0] !== cols || (shape[1] ?? 1) !== rows) {
    throw new Error(`reference: ${name} has shape [${shape.join(", ")}], expected [${cols}, ${rows}]`);
  }
  return { rows, cols, values, type };
}

function vector(file: ReadGguf, name: string, n: number): Float32Array {
  const { shape, values } = readTensor(file, name);
  if (shape[0] !== n) throw new Error(`reference: ${name} has ${shape[0]} values, expected ${n}`);
  return values;
}

function optionalVector(file: ReadGguf, name: string, n: number): Float32Array | null {
  return file.tensors.some((t) => t.name === name) ? vector(file, name, n) : null;
}

export function loadReferenceModel(path: string): ReferenceModel {
  const file = readGguf(new Uint8Array(readFileSync(path)));
  const architecture = String(metadataValue(file, "general.architecture"));
  const key = (name: string) => `${architecture}.${name}`;
  const numberOr = (name: string, fallback: number) =>
    file.metadata.has(key(name)) ? requiredNumber(file, key(name)) : fallback;
  const nEmbd = requiredNumber(file, key("embedding_length"));
  const nHead = requiredNumber(file, key("attention.head_count"));
  const nLayer = requiredNumber(file, key("block_count"));
  const headDim = numberOr("attention.key_length", nEmbd / nHead);
  const tokens = metadataValue(file, "tokenizer.ggml.tokens");
  const ropeDim = numberOr("rope.dimension_count", headDim);
  const gemma3 = architecture === "gemma3";
  const linear = metadataValue(file, key("rope.scaling.type")) === "linear";
  const config: ReferenceConfig = {
    nVocab: Array.isArray(tokens) ? tokens.length : requiredNumber(file, key("vocab_size")),
    nEmbd,
    nLayer,
    nHead,
    nHeadKv: requiredNumber(file, key("attention.head_count_kv")),
    headDim,
    nFf: requiredNumber(file, key("feed_forward_length")),
    rmsEps: requiredNumber(file, key("attention.layer_norm_rms_epsilon")),
    ropeFreqBase: numberOr("rope.freq_base", 10000),
    ropeDim,
    architecture,
    ropeNeox: architecture !== "llama",
    ropeFreqScale: linear ? 1 / numberOr("rope.scaling.factor", 1) : 1,
    ropeFreqFactors: optionalVector(file, "rope_freqs.weight", ropeDim / 2),
    slidingWindow: gemma3 ? requiredNumber(file, key("attention.sliding_window")) : 0,
    ropeFreqBaseSwa: 10000,
    // gemma3: 1/sqrt(query_pre_attn_scalar), which is n_embd / n_head for the 27B (62 layers)
    // and the head size otherwise (llama.cpp derives it; the converter does not store it).
    attnScale: 1 / Math.sqrt(gemma3 && nLayer === 62 ? nEmbd / nHead : headDim),
    embdScale: gemma3 ? Math.fround(Math.sqrt(nEmbd)) : 1,
    ffnGelu: gemma3,
  };
  const { nVocab, nHeadKv, nFf } = config;
  const qDim = nHead * headDim;
  const kvDim = nHeadKv * headDim;
  const tokEmbd = matrix(file, "token_embd.weight", nVocab, nEmbd);
  const tiedOutput = !file.tensors.some((t) => t.name === "output.weight");
  const layers: Layer[] = [];
  for (let l = 0; l < nLayer; l++) {
    const p = `blk.${l}.`;
    layers.push({
      attnNorm: vector(file, `${p}attn_norm.weight`, nEmbd),
      wq: matrix(file, `${p}attn_q.weight`, qDim, nEmbd),
      wk: matrix(file, `${p}attn_k.weight`, kvDim, nEmbd),
      wv: matrix(file, `${p}attn_v.weight`, kvDim, nEmbd),
      wo: matrix(file, `${p}attn_output.weight`, nEmbd, qDim),
      ffnNorm: vector(file, `${p}ffn_norm.weight`, nEmbd),
      wGate: matrix(file, `${p}ffn_gate.weight`, nFf, nEmbd),
      wUp: matrix(file, `${p}ffn_up.weight`, nFf, nEmbd),
      wDown: matrix(file, `${p}ffn_down.weight`, nEmbd, nFf),
      bq: optionalVector(file, `${p}attn_q.bias`, qDim),
      bk: optionalVector(file, `${p}attn_k.bias`, kvDim),
      bv: optionalVector(file, `${p}attn_v.bias`, kvDim),
      qNorm: optionalVector(file, `${p}attn_q_norm.weight`, headDim),
      kNorm: optionalVector(file, `${p}attn_k_norm.weight`, headDim),
      attnPostNorm: optionalVector(file, `${p}post_attention_norm.weight`, nEmbd),
      ffnPostNorm: optionalVector(file, `${p}post_ffw_norm.weight`, nEmbd),
    });
  }
  return {
    config,
    tokEmbd,
    outputNorm: vector(file, "output_norm.weight", nEmbd),
    output: tiedOutput ? tokEmbd : matrix(file, "output.weight", nVocab, nEmbd),
    tiedOutput,
    layers,
    scoreHead: file.tensors.some((t) => t.name === "cls.output.weight")
      ? {
          weight: matrix(file, "cls.output.weight", 1, nEmbd).values,
          bias: optionalVector(file, "cls.output.bias", 1)?.[0] ?? 0,
        }
      : null,
  };
}

// h = x / sqrt(mean(x^2) + eps) * w
function rmsnorm(x: Float64Array, w: Float32Array, eps: number): Float64Array {
  let ss = 0;
  for (const v of x) ss += v * v;
  const scale = 1 / Math.sqrt(ss / x.length + eps);
  return x.map((v, i) => v * scale * w[i]!);
}

export interface ReferenceOptions {
  /**
   * Quantize the input of each product with a block-quantized weight first, as llama.cpp (and
   * DESIGN.md) do: to Q8_0 for Q4_0/Q5_0/Q8_0 weights, to Q8_K for Q4_K/Q6_K weights. Off: pure
   * float64 activations.
   */
  quantizeActivations?: boolean;
}

// Weight types whose products take Q8_0-quantized activations, and Q8_K-quantized ones.
const Q8_0_ACTIVATION_TYPES: ReadonlySet<GgmlTypeName> = new Set(["Q4_0", "Q5_0", "Q8_0"]);
const Q8_K_ACTIVATION_TYPES: ReadonlySet<GgmlTypeName> = new Set(["Q4_K", "Q6_K"]);

/** Round half to even (the float adder's rounding, ggml's nearest_int). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

// ggml's Q8_K on the float32 activations, per 256 values: the value of largest magnitude maps
// to -127 (iscale = -127 / max), quants capped at 127, x ~= q / iscale. Float32 arithmetic.
function q8KActivation(x: Float64Array): Float64Array {
  const f = Math.fround;
  const out = new Float64Array(x.length);
  for (let b = 0; b < x.length; b += 256) {
    let max = 0;
    let amax = 0;
    for (let i = b; i < b + 256; i++) {
      const v = f(x[i]!);
      if (Math.abs(v) > amax) {
        amax = Math.abs(v);
        max = v;
      }
    }
    if (amax === 0) continue;
    const iscale = f(-127 / max);
    const d = f(1 / iscale);
    for (let i = b; i < b + 256; i++) out[i] = Math.min(127, roundHalfEven(f(iscale * f(x[i]!)))) * d;
  }
  return out;
}

function quantizedActivation(x: Float64Array): Float64Array {
  const q8 = ggmlTypeTraits("Q8_0");
  const bytes = new Uint8Array((x.length / 32) * q8.typeSize);
  q8.quantize(Float32Array.from(x), bytes);
  const back = new Float32Array(x.length);
  q8.dequantize(bytes, back);
  return Float64Array.from(back);
}

// y = W x
function matvec(w: Matrix, input: Float64Array, options: ReferenceOptions): Float64Array {
  const x = !options.quantizeActivations
    ? input
    : Q8_0_ACTIVATION_TYPES.has(w.type)
      ? quantizedActivation(input)
      : Q8_K_ACTIVATION_TYPES.has(w.type)
        ? q8KActivation(input)
        : input;
  const y = new Float64Array(w.rows);
  for (let r = 0; r < w.rows; r++) {
    let sum = 0;
    const row = r * w.cols;
    for (let c = 0; c < w.cols; c++) sum += w.values[row + c]! * x[c]!;
    y[r] = sum;
  }
  return y;
}

// For each head, pairs (2i, 2i+1) (neox: (i, i + ropeDim/2)), i < ropeDim/2:
// theta = pos * scale * base^(-2i/ropeDim) / factor_i, (a, b) -> (a cos - b sin, a sin + b cos).
export function applyRope(
  v: Float64Array,
  nHeads: number,
  headDim: number,
  pos: number,
  config: Pick<ReferenceConfig, "ropeFreqBase" | "ropeDim"> &
    Partial<Pick<ReferenceConfig, "ropeNeox" | "ropeFreqScale" | "ropeFreqFactors">>,
): void {
  const half = config.ropeDim / 2;
  for (let h = 0; h < nHeads; h++) {
    for (let i = 0; i < half; i++) {
      const theta =
        (pos * (config.ropeFreqScale ?? 1) * Math.pow(config.ropeFreqBase, (-2 * i) / config.ropeDim)) /
        (config.ropeFreqFactors?.[i] ?? 1);
      const cos = Math.cos(theta);
      const sin = Math.sin(theta);
      const at = h * headDim + (config.ropeNeox ? i : 2 * i);
      const partner = at + (config.ropeNeox ? half : 1);
      const a = v[at]!;
      const b = v[partner]!;
      v[at] = a * cos - b * sin;
      v[partner] = a * sin + b * cos;
    }
  }
}

// GELU (tanh approximation) as the engine and llama.cpp's CPU backend evaluate it: the input
// rounded to binary16, the result too (ggml's table), 0 below -10 and x above 10.
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
function geluTanhFp16(x: number): number {
  if (x <= -10) return 0;
  if (x >= 10) return x;
  const h = fp16ToFp32(fp32ToFp16(x));
  return fp16ToFp32(fp32ToFp16(0.5 * h * (1 + Math.tanh(SQRT_2_OVER_PI * h * (1 + 0.044715 * h * h)))));
}

function addInPlace(y: Float64Array, x: ArrayLike<number> | null): void {
  if (x) for (let i = 0; i < y.length; i++) y[i] += x[i]!;
}

// Per-head RMSNorm (qwen3, gemma3) in place.
function normHeads(v: Float64Array, nHeads: number, headDim: number, w: Float32Array | null, eps: number) {
  if (!w) return;
  for (let h = 0; h < nHeads; h++)
    v.set(rmsnorm(v.subarray(h * headDim, (h + 1) * headDim), w, eps), h * headDim);
}

const silu = (x: number) => x / (1 + Math.exp(-x));

/** Logits of every position of one sequence: tokens.length arrays of nVocab values. */
export function referenceForward(
  model: ReferenceModel,
  tokens: readonly number[],
  options: ReferenceOptions = {},
): Float64Array[] {
  return referenceHidden(model, tokens, options).map((h) => matvec(model.output, h, options));
}

/** A reward model's score of one sequence: head . the last token's final normed state + bias. */
export function referenceScore(model: ReferenceModel, tokens: readonly number[]): number {
  if (!model.scoreHead) throw new Error("reference: the model has no score head");
  const { weight, bias } = model.scoreHead;
  const hidden = referenceHidden(model, tokens).at(-1)!;
  return hidden.reduce((sum, v, i) => sum + v * weight[i]!, bias);
}

/** The final normed hidden state (rmsnorm(x, output_norm)) of every position of one sequence. */
function referenceHidden(
  model: ReferenceModel,
  tokens: readonly number[],
  options: ReferenceOptions = {},
): Float64Array[] {
  const { config } = model;
  const { nEmbd, nHead, nHeadKv, headDim, rmsEps } = config;
  const swaRope = {
    ...config,
    ropeFreqBase: config.ropeFreqBaseSwa,
    ropeFreqScale: 1,
    ropeFreqFactors: null,
  };
  const group = nHead / nHeadKv;
  const keys: Float64Array[][] = model.layers.map(() => []);
  const values: Float64Array[][] = model.layers.map(() => []);
  const hidden: Float64Array[] = [];

  tokens.forEach((token, pos) => {
    if (!Number.isInteger(token) || token < 0 || token >= config.nVocab)
      throw new Error(`token ${token} out of range`);
    const x = Float64Array.from(
      model.tokEmbd.values.subarray(token * nEmbd, (token + 1) * nEmbd),
      (e) => e * config.embdScale,
    );
    model.layers.forEach((layer, l) => {
      const local = isSlidingWindowLayer(config, l);
      const h = rmsnorm(x, layer.attnNorm, rmsEps);
      const q = matvec(layer.wq, h, options);
      const k = matvec(layer.wk, h, options);
      const v = matvec(layer.wv, h, options);
      addInPlace(q, layer.bq);
      addInPlace(k, layer.bk);
      addInPlace(v, layer.bv);
      normHeads(q, nHead, headDim, layer.qNorm, rmsEps);
      normHeads(k, nHeadKv, headDim, layer.kNorm, rmsEps);
      applyRope(q, nHead, headDim, pos, local ? swaRope : config);
      applyRope(k, nHeadKv, headDim, pos, local ? swaRope : config);
      // The engine's KV cache holds binary16 (DESIGN.md, "Forward step"): round as it does.
      for (const cached of [k, v]) cached.forEach((e, i) => (cached[i] = fp16ToFp32(fp32ToFp16(e))));
      keys[l]!.push(k);
      values[l]!.push(v);

      const attn = new Float64Array(nHead * headDim);
      for (let head = 0; head < nHead; head++) {
        const kvHead = Math.floor(head / group);
        // Local layers see the positions above pos - slidingWindow.
        const first = local ? Math.max(0, pos + 1 - config.slidingWindow) : 0;
        const scores = new Float64Array(pos + 1);
        let max = -Infinity;
        for (let t = first; t <= pos; t++) {
          let dot = 0;
          for (let i = 0; i < headDim; i++)
            dot += q[head * headDim + i]! * keys[l]![t]![kvHead * headDim + i]!;
          scores[t] = dot * config.attnScale;
          max = Math.max(max, scores[t]!);
        }
        let sum = 0;
        for (let t = first; t <= pos; t++) {
          scores[t] = Math.exp(scores[t]! - max);
          sum += scores[t]!;
        }
        for (let t = first; t <= pos; t++) {
          const weight = scores[t]! / sum;
          for (let i = 0; i < headDim; i++)
            attn[head * headDim + i] += weight * values[l]![t]![kvHead * headDim + i]!;
        }
      }
      const o = matvec(layer.wo, attn, options);
      addInPlace(x, layer.attnPostNorm ? rmsnorm(o, layer.attnPostNorm, rmsEps) : o);

      const h2 = rmsnorm(x, layer.ffnNorm, rmsEps);
      const gate = matvec(layer.wGate, h2, options);
      const up = matvec(layer.wUp, h2, options);
      const act = config.ffnGelu ? geluTanhFp16 : silu;
      const down = matvec(
        layer.wDown,
        gate.map((g, i) => act(g) * up[i]!),
        options,
      );
      addInPlace(x, layer.ffnPostNorm ? rmsnorm(down, layer.ffnPostNorm, rmsEps) : down);
    });
    hidden.push(rmsnorm(x, model.outputNorm, rmsEps));
  });
  return hidden;
}

/** A LoRA pair as the reference takes it: A is rank x nIn, B is nOut x rank, row-major. */
export interface ReferenceLoraPair {
  a: ArrayLike<number>;
  b: ArrayLike<number>;
  rank: number;
}

const LORA_FIELDS = {
  attn_q: "wq",
  attn_k: "wk",
  attn_v: "wv",
  attn_output: "wo",
  ffn_gate: "wGate",
  ffn_up: "wUp",
  ffn_down: "wDown",
} as const;

/**
 * The model with a LoRA adapter merged into its weights in float64: W' = W + f · B A with
 * f = scale · alpha / rank (scale alone when alpha is 0), llama.cpp's factor. The engine never
 * merges; this is what its run-time products must equal. Pairs are keyed by base tensor name.
 */
export function mergeLora(
  model: ReferenceModel,
  pairs: ReadonlyMap<string, ReferenceLoraPair>,
  alpha: number,
  scale: number,
): ReferenceModel {
  const layers = model.layers.map((layer) => ({ ...layer }));
  for (const [name, pair] of pairs) {
    const m = /^blk\.(\d+)\.(\w+)\.weight$/.exec(name);
    const field = m ? LORA_FIELDS[m[2] as keyof typeof LORA_FIELDS] : undefined;
    if (!m || !field) throw new Error(`reference: ${name} is not an adaptable projection`);
    const layer = layers[Number(m[1])]!;
    const w = layer[field];
    const factor = alpha !== 0 ? (scale * alpha) / pair.rank : scale;
    const merged = Float64Array.from(w.values);
    for (let o = 0; o < w.rows; o++) {
      for (let i = 0; i < w.cols; i++) {
        let delta = 0;
        for (let j = 0; j < pair.rank; j++) delta += pair.b[o * pair.rank + j]! * pair.a[j * w.cols + i]!;
        merged[o * w.cols + i] += factor * delta;
      }
    }
    layer[field] = { ...w, values: merged };
  }
  return { ...model, layers };
}

/** A GGUF adapter file's alpha and pairs, dequantized by the TypeScript reader. */
export function readLoraAdapter(path: string): { alpha: number; pairs: Map<string, ReferenceLoraPair> } {
  const file = readGguf(new Uint8Array(readFileSync(path)));
  const pairs = new Map<string, ReferenceLoraPair>();
  for (const t of file.tensors) {
    if (!t.name.endsWith(".lora_a")) continue;
    const name = t.name.slice(0, -".lora_a".length);
    const a = readTensor(file, `${name}.lora_a`);
    const b = readTensor(file, `${name}.lora_b`);
    pairs.set(name, { a: a.values, b: b.values, rank: a.shape[1]! });
  }
  return { alpha: Number(metadataValue(file, "adapter.lora.alpha") ?? 0), pairs };
}

/**
 * How far the engine's logits (positions x vocabulary, flat) are from the reference's rows: for
 * each position max_i |engine[p][i] - reference[p][i]| / max_i |reference[p][i]|, the worst
 * position's.
 */
export function worstRelativeError(engine: Float32Array, reference: Float64Array[]): number {
  const vocab = reference[0]!.length;
  if (engine.length !== reference.length * vocab)
    throw new Error(`${engine.length} engine logits for ${reference.length} positions of ${vocab}`);
  let worst = 0;
  reference.forEach((row, p) => {
    let scale = 0;
    let diff = 0;
    row.forEach((v, i) => {
      scale = Math.max(scale, Math.abs(v));
      diff = Math.max(diff, Math.abs(engine[p * vocab + i]! - v));
    });
    worst = Math.max(worst, diff / scale);
  });
  return worst;
}
