// LoRA adapters as files: llama.cpp's GGUF adapter format, which the engine loads, and Hugging
// Face PEFT folders (adapter_config.json + adapter_model.safetensors) converted into it the way
// llama.cpp's convert_lora_to_gguf.py does: PEFT module names mapped to the base's tensor names,
// lora_A/lora_B kept as they are stored (row-major [r, n_in] and [n_out, r] are ggml's
// [n_in, r] and [r, n_out]), lora_alpha written as adapter.lora.alpha, and llama's Q and K
// B matrices permuted as the base conversion permutes those weights. Also random adapters in
// both formats for tests and benchmarks (make-lora).

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import type { GgmlTypeName } from "./ggml-types";
import { encodeTensorData, type GgufTensor, ggufValue, writeGguf } from "./gguf-writer";
import { Random } from "./random";
import { encodeSafetensors, readSafetensors, type SafetensorsDtype } from "./safetensors";

/**
 * `FILE[:SCALE]` (the CLI's and the server's --lora): the scale defaults to 1. A path holding
 * ':' keeps it unless what follows the last one is a number.
 */
export function parseAdapterSpec(spec: string): { path: string; scale: number } {
  const at = spec.lastIndexOf(":");
  const tail = at >= 0 ? spec.slice(at + 1) : "";
  if (at > 0 && tail !== "" && Number.isFinite(Number(tail)))
    return { path: spec.slice(0, at), scale: Number(tail) };
  if (spec === "") throw new Error("--lora needs a file");
  return { path: spec, scale: 1 };
}

/** What conversion needs to know of the base model (a subset of ModelInfo). */
export interface LoraBase {
  architecture: string;
  headCount: number;
  headCountKv: number;
  blockCount: number;
  /** Every tensor with its ggml shape ([n_in, n_out] for a matrix). */
  tensors: { name: string; shape: number[] }[];
}

/** One adapted projection: A is rank x nIn, B is nOut x rank, both row-major. */
export interface LoraPairValues {
  a: Float32Array;
  b: Float32Array;
  rank: number;
  nIn: number;
  nOut: number;
}

export interface LoraAdapterValues {
  architecture: string;
  /** adapter.lora.alpha; the engine multiplies B A by scale * alpha / rank. */
  alpha: number;
  /** By base tensor name, e.g. "blk.0.attn_q.weight". */
  pairs: Map<string, LoraPairValues>;
}

export const LORA_TENSOR_TYPES = ["F32", "F16", "BF16", "Q8_0"] as const;
export type LoraTensorType = (typeof LORA_TENSOR_TYPES)[number];

// PEFT's target modules (Llama, Qwen2/3, Gemma 3 naming) -> llama.cpp's tensor names.
const PEFT_MODULES: Record<string, string> = {
  "self_attn.q_proj": "attn_q",
  "self_attn.k_proj": "attn_k",
  "self_attn.v_proj": "attn_v",
  "self_attn.o_proj": "attn_output",
  "mlp.gate_proj": "ffn_gate",
  "mlp.up_proj": "ffn_up",
  "mlp.down_proj": "ffn_down",
};
const PEFT_TENSOR =
  /^base_model\.model\.model\.layers\.(\d+)\.(\w+\.\w+)\.lora_([AB])(?:\.default)?\.weight$/;

/** The projections of every layer an adapter can target, in file order. */
export function loraTargetNames(base: LoraBase): string[] {
  const names: string[] = [];
  for (let l = 0; l < base.blockCount; l++) {
    for (const t of Object.values(PEFT_MODULES)) names.push(`blk.${l}.${t}.weight`);
  }
  return names;
}

function baseShape(base: LoraBase, name: string): { nIn: number; nOut: number } {
  const t = base.tensors.find((x) => x.name === name);
  if (!t || t.shape.length !== 2) throw new Error(`the base model has no matrix ${name}`);
  return { nIn: t.shape[0]!, nOut: t.shape[1]! };
}

/** Writes the adapter in llama.cpp's GGUF adapter format with A and B stored as `type`. */
export async function writeGgufAdapter(path: string, adapter: LoraAdapterValues, type: LoraTensorType) {
  const tensors: GgufTensor[] = [];
  for (const [name, p] of adapter.pairs) {
    if (type === "Q8_0" && (p.nIn % 32 !== 0 || p.rank % 32 !== 0))
      throw new Error(
        `Q8_0 needs rows of whole 32-value blocks: ${name} has n_in ${p.nIn} and rank ${p.rank}`,
      );
    tensors.push(
      {
        name: `${name}.lora_a`,
        type,
        shape: [p.nIn, p.rank],
        data: encodeTensorData(type as GgmlTypeName, p.a),
      },
      {
        name: `${name}.lora_b`,
        type,
        shape: [p.rank, p.nOut],
        data: encodeTensorData(type as GgmlTypeName, p.b),
      },
    );
  }
  const metadata = {
    "general.architecture": ggufValue.string(adapter.architecture),
    "general.type": ggufValue.string("adapter"),
    "adapter.type": ggufValue.string("lora"),
    "adapter.lora.alpha": ggufValue.float32(adapter.alpha),
  };
  return writeGguf(path, { metadata, tensors });
}

// convert_hf_to_gguf's permute for llama's Q and K rows: Hugging Face keeps the two halves of
// each head's rotated pairs apart, GGUF interleaves them. GGUF row h*hd + 2j + i is HF row
// h*hd + i*hd/2 + j.
function hfToGgufRows(values: Float32Array, rows: number, cols: number, heads: number): Float32Array {
  const out = new Float32Array(values.length);
  const hd = rows / heads;
  for (let h = 0; h < heads; h++) {
    for (let j = 0; j < hd / 2; j++) {
      for (let i = 0; i < 2; i++) {
        const from = (h * hd + i * (hd / 2) + j) * cols;
        out.set(values.subarray(from, from + cols), (h * hd + 2 * j + i) * cols);
      }
    }
  }
  return out;
}

interface PeftConfig {
  r?: number;
  lora_alpha?: number;
  use_rslora?: boolean;
  rank_pattern?: Record<string, number>;
  alpha_pattern?: Record<string, number>;
}

/** Reads a PEFT adapter folder as the base's tensors, checking names and shapes. */
export function readPeftAdapter(
  dir: string,
  base: LoraBase,
): { adapter: LoraAdapterValues; dtype: SafetensorsDtype } {
  const config = JSON.parse(readFileSync(join(dir, "adapter_config.json"), "utf8")) as PeftConfig;
  if (typeof config.r !== "number" || typeof config.lora_alpha !== "number")
    throw new Error(`${dir}/adapter_config.json: r and lora_alpha must be numbers`);
  if (Object.keys(config.rank_pattern ?? {}).length > 0 || Object.keys(config.alpha_pattern ?? {}).length > 0)
    throw new Error(`${dir}/adapter_config.json: rank_pattern and alpha_pattern are not supported`);
  const tensors = readSafetensors(join(dir, "adapter_model.safetensors"));
  const halves = new Map<
    string,
    { a?: Float32Array; b?: Float32Array; aShape?: number[]; bShape?: number[] }
  >();
  let dtype: SafetensorsDtype = "F32";
  for (const [key, t] of tensors) {
    const m = PEFT_TENSOR.exec(key);
    const module = m ? PEFT_MODULES[m[2]!] : undefined;
    if (!m || !module)
      throw new Error(
        `${key}: not a LoRA tensor of q/k/v/o/gate/up/down_proj (the engine adapts only those)`,
      );
    const name = `blk.${m[1]}.${module}.weight`;
    const half = halves.get(name) ?? {};
    if (m[3] === "A") [half.a, half.aShape] = [t.values, t.shape];
    else [half.b, half.bShape] = [t.values, t.shape];
    halves.set(name, half);
    dtype = t.dtype;
  }
  const pairs = new Map<string, LoraPairValues>();
  for (const [name, h] of halves) {
    if (!h.a || !h.b || !h.aShape || !h.bShape) throw new Error(`${name}: lora_A or lora_B is missing`);
    const { nIn, nOut } = baseShape(base, name);
    const rank = h.aShape[0]!;
    if (h.aShape[1] !== nIn || h.bShape[0] !== nOut || h.bShape[1] !== rank)
      throw new Error(
        `${name}: lora_A [${h.aShape.join(", ")}] and lora_B [${h.bShape.join(", ")}] do not fit the base's ` +
          `[${nOut}, ${nIn}] (wrong base model?)`,
      );
    let b = h.b;
    if (base.architecture === "llama" && /attn_[qk]\.weight$/.test(name)) {
      b = hfToGgufRows(b, nOut, rank, name.includes("attn_q") ? base.headCount : base.headCountKv);
    }
    pairs.set(name, { a: h.a, b, rank, nIn, nOut });
  }
  if (pairs.size === 0) throw new Error(`${dir}: the adapter has no tensors`);
  // rsLoRA scales by alpha / sqrt(r): the same as alpha * sqrt(r) / r.
  const alpha = config.use_rslora ? config.lora_alpha * Math.sqrt(config.r) : config.lora_alpha;
  return { adapter: { architecture: base.architecture, alpha, pairs }, dtype };
}

/** `convert-lora`: a PEFT folder -> a GGUF adapter; A and B keep their dtype unless `type` says. */
export async function convertPeftAdapter(options: {
  peftDir: string;
  base: LoraBase;
  out: string;
  type?: LoraTensorType;
}) {
  const { adapter, dtype } = readPeftAdapter(options.peftDir, options.base);
  const type = options.type ?? dtype;
  await writeGgufAdapter(options.out, adapter, type);
  return { pairs: adapter.pairs.size, alpha: adapter.alpha, type };
}

export interface MakeLoraOptions {
  base: LoraBase;
  out: string;
  rank: number;
  alpha: number;
  /** GGUF: a .gguf file; PEFT: a folder (adapter_config.json + adapter_model.safetensors). */
  format: "gguf" | "peft";
  type: LoraTensorType;
  seed?: number;
  /** Default: every attention and FFN projection of every layer. */
  targets?: string[];
}

/**
 * A random adapter: A ~ N(0, 1/n_in) and B ~ N(0, 1/rank), so B A x has about the size of x and
 * the adapter changes the model's output visibly (trained adapters start with B = 0).
 */
export async function makeLoraAdapter(options: MakeLoraOptions): Promise<{ pairs: number }> {
  const { base, rank } = options;
  const rng = new Random(`lora:${options.seed ?? 1}`);
  const normal = (n: number, std: number) => Float32Array.from({ length: n }, () => std * rng.normal());
  const pairs = new Map<string, LoraPairValues>();
  for (const name of options.targets ?? loraTargetNames(base)) {
    const { nIn, nOut } = baseShape(base, name);
    pairs.set(name, {
      a: normal(rank * nIn, 1 / Math.sqrt(nIn)),
      b: normal(nOut * rank, 1 / Math.sqrt(rank)),
      rank,
      nIn,
      nOut,
    });
  }
  const adapter = { architecture: base.architecture, alpha: options.alpha, pairs };
  if (options.format === "gguf") {
    await writeGgufAdapter(options.out, adapter, options.type);
  } else {
    writePeftAdapter(options.out, adapter, options.type === "Q8_0" ? "F32" : options.type);
  }
  return { pairs: pairs.size };
}

// The PEFT folder of an adapter whose values are given in PEFT's (Hugging Face's) layout.
function writePeftAdapter(dir: string, adapter: LoraAdapterValues, dtype: SafetensorsDtype): void {
  mkdirSync(dir, { recursive: true });
  const modules = Object.fromEntries(Object.entries(PEFT_MODULES).map(([hf, gguf]) => [gguf, hf]));
  const tensors = new Map<string, { dtype: SafetensorsDtype; shape: number[]; values: Float32Array }>();
  let rank = 0;
  for (const [name, p] of adapter.pairs) {
    const [, layer, module] = /^blk\.(\d+)\.(\w+)\.weight$/.exec(name)!;
    const prefix = `base_model.model.model.layers.${layer}.${modules[module!]}`;
    tensors.set(`${prefix}.lora_A.weight`, { dtype, shape: [p.rank, p.nIn], values: p.a });
    tensors.set(`${prefix}.lora_B.weight`, { dtype, shape: [p.nOut, p.rank], values: p.b });
    rank = p.rank;
  }
  const targetModules = [
    ...new Set(
      [...adapter.pairs.keys()].map((n) => modules[/^blk\.\d+\.(\w+)\.weight$/.exec(n)![1]!]!.split(".")[1]!),
    ),
  ];
  const config = {
    peft_type: "LORA",
    r: rank,
    lora_alpha: adapter.alpha,
    target_modules: targetModules,
    use_rslora: false,
    bias: "none",
  };
  writeFileSync(join(dir, "adapter_config.json"), JSON.stringify(config, null, 2) + "\n");
  writeFileSync(join(dir, "adapter_model.safetensors"), encodeSafetensors(tensors));
}
