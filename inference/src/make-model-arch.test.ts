// make-model's architectures and RoPE scaling: the keys and tensors llama.cpp's converter writes
// for qwen2, qwen3 and gemma3 files and for Llama 3.1+ / linear RoPE scaling.

import { gguf } from "@huggingface/gguf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { llama3RopeFactors, type MakeModelOptions, makeModel, parseRopeScaling } from "./make-model";
import { createTempDir, type TempDir } from "./testing/fixtures";

let dir: TempDir;
beforeAll(async () => {
  dir = await createTempDir();
});
afterAll(async () => {
  await dir.remove();
});

async function make(name: string, options: Partial<MakeModelOptions>) {
  const path = dir.file(name);
  const made = await makeModel({
    out: path,
    dim: 64,
    layers: 2,
    heads: 4,
    kvHeads: 2,
    ffn: 128,
    type: "f32",
    vocab: 400,
    ...options,
  });
  const { metadata, tensorInfos } = await gguf(path, { allowLocalFile: true });
  const shapes = Object.fromEntries(tensorInfos.map((t) => [t.name, t.shape.map(Number)]));
  const count = tensorInfos.reduce((n, t) => n + t.shape.reduce((a, b) => a * Number(b), 1), 0);
  return { made, m: metadata as unknown as Record<string, unknown>, shapes, count };
}

describe("makeModel --arch", () => {
  it("qwen2: qwen2.* keys, q/k/v biases, NeoX defaults (base 1e6)", async () => {
    const { made, m, shapes, count } = await make("qwen2.gguf", { arch: "qwen2" });
    expect(m["general.architecture"]).toBe("qwen2");
    expect(m["qwen2.embedding_length"]).toBe(64);
    expect(m["qwen2.attention.head_count_kv"]).toBe(2);
    expect(m["qwen2.rope.freq_base"]).toBe(1e6);
    expect(m["llama.embedding_length"]).toBeUndefined();
    expect(shapes["blk.1.attn_q.bias"]).toEqual([64]);
    expect(shapes["blk.1.attn_k.bias"]).toEqual([32]);
    expect(shapes["blk.1.attn_v.bias"]).toEqual([32]);
    expect(shapes["blk.0.attn_q_norm.weight"]).toBeUndefined();
    expect(made.parameterCount).toBe(count);
  });

  it("qwen3: per-head q/k norms, key_length for heads wider than dim / heads, no biases", async () => {
    const { made, m, shapes, count } = await make("qwen3.gguf", { arch: "qwen3", headDim: 32 });
    expect(m["qwen3.attention.key_length"]).toBe(32);
    expect(m["qwen3.attention.value_length"]).toBe(32);
    expect(m["qwen3.attention.layer_norm_rms_epsilon"]).toBeCloseTo(1e-6, 12);
    expect(shapes["blk.0.attn_q.weight"]).toEqual([64, 128]);
    expect(shapes["blk.0.attn_k.weight"]).toEqual([64, 64]);
    expect(shapes["blk.0.attn_output.weight"]).toEqual([128, 64]);
    expect(shapes["blk.0.attn_q_norm.weight"]).toEqual([32]);
    expect(shapes["blk.0.attn_k_norm.weight"]).toEqual([32]);
    expect(shapes["blk.0.attn_q.bias"]).toBeUndefined();
    expect(made.parameterCount).toBe(count);
  });

  it("gemma3: sliding window, post-norms, q/k norms", async () => {
    const { made, m, shapes, count } = await make("gemma3.gguf", {
      arch: "gemma3",
      slidingWindow: 8,
      tied: true,
      ropeScaling: { type: "linear", factor: 8 },
    });
    expect(m["gemma3.attention.sliding_window"]).toBe(8);
    expect(m["gemma3.attention.key_length"]).toBe(16);
    expect(m["gemma3.rope.scaling.type"]).toBe("linear");
    expect(m["gemma3.rope.scaling.factor"]).toBe(8);
    expect(shapes["blk.1.post_attention_norm.weight"]).toEqual([64]);
    expect(shapes["blk.1.post_ffw_norm.weight"]).toEqual([64]);
    expect(shapes["blk.1.attn_k_norm.weight"]).toEqual([16]);
    expect(shapes["output.weight"]).toBeUndefined();
    expect(made.parameterCount).toBe(count);
  });

  it("refuses an unknown architecture and odd head sizes", async () => {
    await expect(make("x.gguf", { arch: "phi3" as "llama" })).rejects.toThrow(/--arch must be one of/);
    await expect(make("x.gguf", { headDim: 15 })).rejects.toThrow(/head size 15 must be even/);
  });
});

describe("RoPE scaling", () => {
  it("parses llama3:ORIG_CTX[:FACTOR] and linear:F, refusing the rest", () => {
    expect(parseRopeScaling("llama3:8192")).toEqual({ type: "llama3", originalContext: 8192 });
    expect(parseRopeScaling("llama3:8192:32")).toEqual({ type: "llama3", originalContext: 8192, factor: 32 });
    expect(parseRopeScaling("linear:4")).toEqual({ type: "linear", factor: 4 });
    for (const bad of ["yarn:4", "linear:0", "llama3", "llama3:x", "linear:2:3"])
      expect(() => parseRopeScaling(bad), bad).toThrow(/--rope-scaling must be/);
  });

  it("computes Llama 3.1's factors as the converter: 1 at high frequencies, factor at low, smooth between", () => {
    // Llama 3.1 8B: base 500000, head 128, original context 8192, factor 8.
    const f = llama3RopeFactors({ originalContext: 8192 }, 500000, 128);
    expect(f.length).toBe(64);
    expect(f[0]).toBe(1);
    expect(f[63]).toBe(8);
    // Wavelength 2*pi*500000^(2i/128) crosses 8192/4 = 2048 and 8192 between i = 23 and i = 32.
    const between = Array.from(f).filter((v) => v > 1 && v < 8);
    expect(between.length).toBeGreaterThan(3);
    for (let i = 1; i < 64; i++) expect(f[i]).toBeGreaterThanOrEqual(f[i - 1]!);
  });

  it("writes rope_freqs.weight (llama3) or the linear keys (linear)", async () => {
    const llama3 = await make("llama3.gguf", { ropeScaling: { type: "llama3", originalContext: 64 } });
    expect(llama3.shapes["rope_freqs.weight"]).toEqual([8]);
    expect(llama3.m["llama.rope.scaling.type"]).toBeUndefined();
    expect(llama3.made.parameterCount).toBe(llama3.count);
    const linear = await make("linear.gguf", { ropeScaling: { type: "linear", factor: 4 } });
    expect(linear.m["llama.rope.scaling.type"]).toBe("linear");
    expect(linear.m["llama.rope.scaling.factor"]).toBe(4);
    expect(linear.shapes["rope_freqs.weight"]).toBeUndefined();
  });
});
