// LoRA adapters applied at run time (engine/lora.h): the engine's logits with an adapter against
// the float64 reference with the adapter merged into the weights (W + scale · alpha/r · B A),
// per-sequence adapters in one batch, determinism, prefix sharing kept per adapter, the checks
// against the base model, and a PEFT folder converted by convert-lora.

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { type AdapterSpec, loadModel, type Model } from "./index";
import { convertPeftAdapter, type LoraBase, type LoraTensorType, makeLoraAdapter } from "./lora-adapter";
import type { ModelArch, ModelType } from "./make-model";
import { readSafetensors } from "./safetensors";
import { createSmallModel, createTempDir, type TempDir } from "./testing/fixtures";
import {
  loadReferenceModel,
  mergeLora,
  readLoraAdapter,
  type ReferenceLoraPair,
  referenceForward,
  worstRelativeError,
} from "./testing/reference-forward";

const TOKENS = [1, 17, 300, 45, 45, 2, 511, 100, 9, 250, 3, 77];
// As engine-logits.int.test.ts: float bases differ from float64 by float32 sums only; quantized
// bases also by 8-bit activations (the adapter's products take fp32 activations).
const FLOAT_TOLERANCE = 1e-4;
const QUANTIZED_TOLERANCE = 6e-2;

let dir: TempDir;
beforeAll(async () => {
  dir = await createTempDir("arbiter-lora-");
});
afterAll(async () => {
  await dir.remove();
});

async function baseInfo(path: string): Promise<LoraBase> {
  const model = await loadModel(path, { device: "cpu", threads: 1, contextLength: 16, maxSequences: 1 });
  const info = model.info;
  model.dispose();
  return info;
}

interface Case {
  name: string;
  arch: ModelArch;
  baseType: ModelType;
  adapterType: LoraTensorType;
  rank: number;
  alpha: number;
  scale: number;
  tolerance: number;
}

const CASES: Case[] = [
  {
    name: "llama F32 base, F16 adapter",
    arch: "llama",
    baseType: "f32",
    adapterType: "F16",
    rank: 8,
    alpha: 16,
    scale: 0.75,
    tolerance: FLOAT_TOLERANCE,
  },
  {
    name: "qwen3 F32 base, Q8_0 adapter, rank 32",
    arch: "qwen3",
    baseType: "f32",
    adapterType: "Q8_0",
    rank: 32,
    alpha: 8,
    scale: 1,
    tolerance: FLOAT_TOLERANCE,
  },
  {
    name: "qwen2 F16 base, F32 adapter, alpha 0",
    arch: "qwen2",
    baseType: "f16",
    adapterType: "F32",
    rank: 4,
    alpha: 0,
    scale: 0.5,
    tolerance: FLOAT_TOLERANCE,
  },
  {
    name: "llama Q8_0 base, BF16 adapter",
    arch: "llama",
    baseType: "q8_0",
    adapterType: "BF16",
    rank: 16,
    alpha: 32,
    scale: 1,
    tolerance: QUANTIZED_TOLERANCE,
  },
];

describe.each(CASES)("logits with a LoRA adapter, $name", (c) => {
  let model: Model;
  let basePath: string;
  let adapterPath: string;
  beforeAll(async () => {
    const name = `${c.arch}-${c.baseType}-${c.adapterType}`;
    basePath = await createSmallModel(dir, `${name}.gguf`, {
      arch: c.arch,
      type: c.baseType,
      dim: 128,
      ffn: 352,
      heads: 4,
      kvHeads: 2,
      seed: 5,
    });
    adapterPath = dir.file(`${name}.lora.gguf`);
    await makeLoraAdapter({
      base: await baseInfo(basePath),
      out: adapterPath,
      rank: c.rank,
      alpha: c.alpha,
      format: "gguf",
      type: c.adapterType,
      seed: 7,
    });
    model = await loadModel(basePath, {
      device: "cpu",
      threads: 2,
      contextLength: 64,
      maxSequences: 2,
      adapters: [{ path: adapterPath, scale: c.scale }],
    });
  });
  afterAll(() => model?.dispose());

  it("reports the adapter", () => {
    expect(model.info.adapters).toEqual([
      { path: adapterPath, scale: c.scale, alpha: c.alpha, rank: c.rank, tensorPairs: 14 },
    ]);
  });

  it(`match the float64 reference with the adapter merged, within ${c.tolerance}`, async () => {
    const adapter = readLoraAdapter(adapterPath);
    expect(adapter.alpha).toBe(c.alpha);
    const merged = mergeLora(loadReferenceModel(basePath), adapter.pairs, adapter.alpha, c.scale);
    const withAdapter = await model.evaluate(TOKENS, { adapter: 0 });
    expect(worstRelativeError(withAdapter, referenceForward(merged, TOKENS))).toBeLessThan(c.tolerance);
    // The adapter matters: the base's logits are far from the merged reference.
    const base = await model.evaluate(TOKENS);
    expect(worstRelativeError(base, referenceForward(merged, TOKENS))).toBeGreaterThan(20 * c.tolerance);
  });
});

describe("several adapters over one base", () => {
  let model: Model;
  const prompt = Array.from({ length: 40 }, (_, i) => 3 + ((i * 37) % 500));
  const greedy = { temperature: 0, maxTokens: 12, ignoreEos: true };
  beforeAll(async () => {
    const basePath = await createSmallModel(dir, "multi.gguf", {
      type: "q8_0",
      dim: 128,
      ffn: 352,
      heads: 4,
      kvHeads: 2,
      seed: 9,
    });
    const base = await baseInfo(basePath);
    const adapters: AdapterSpec[] = [];
    for (const [i, rank] of [8, 16].entries()) {
      const out = dir.file(`multi-${i}.gguf`);
      await makeLoraAdapter({ base, out, rank, alpha: rank, format: "gguf", type: "F16", seed: 20 + i });
      adapters.push({ path: out, scale: 1 });
    }
    model = await loadModel(basePath, {
      device: "cpu",
      threads: 2,
      contextLength: 128,
      maxSequences: 4,
      adapters,
    });
  });
  afterAll(() => model?.dispose());

  it("a mixed batch (base, adapter 0, adapter 1) gives each sequence its logits alone, bit for bit", async () => {
    const alone: Float32Array[] = [];
    for (const adapter of [undefined, 0, 1]) alone.push(await model.evaluate(TOKENS, { adapter }));
    const batched = await Promise.all(
      [undefined, 0, 1].map((adapter) => model.evaluate(TOKENS, { adapter })),
    );
    batched.forEach((logits, i) =>
      expect(Buffer.from(logits.buffer).equals(Buffer.from(alone[i]!.buffer))).toBe(true),
    );
    expect(Buffer.from(alone[1]!.buffer).equals(Buffer.from(alone[2]!.buffer))).toBe(false);
  });

  it("greedy output per adapter is the same alone, batched and across runs", async () => {
    const alone: number[][] = [];
    for (const adapter of [undefined, 0, 1])
      alone.push((await model.generate(prompt, { ...greedy, adapter })).tokens);
    const batched = await Promise.all(
      [undefined, 0, 1, 0].map((adapter) => model.generate(prompt, { ...greedy, adapter })),
    );
    expect(batched.map((r) => r.tokens)).toEqual([...alone, alone[1]]);
    const again = await model.generate(prompt, { ...greedy, adapter: 1 });
    expect(again.tokens).toEqual(alone[2]);
    expect(new Set(alone.map((t) => t.join(","))).size).toBe(3);
  });

  it("shares a cached prefix only between requests on the same adapter", async () => {
    const fresh = prompt.map((t) => t + 1); // no slot holds it yet
    const first = await model.generate(fresh, { ...greedy, adapter: 0 });
    expect(first.sharedPromptTokens).toBe(0);
    // The finished request left its prefix in a free slot: the base must not start from it.
    const base = await model.generate(fresh, greedy);
    expect(base.sharedPromptTokens).toBe(0);
    const again = await model.generate(fresh, { ...greedy, adapter: 0 });
    expect(again.sharedPromptTokens).toBeGreaterThan(0);
    expect(again.tokens).toEqual(first.tokens);
    // Live sequences admitted together: the same prompt is copied within an adapter, not across.
    const live = fresh.map((t) => t + 1); // in no slot either
    const across = await Promise.all(
      model.generateGroup([0, 1].map((adapter) => ({ promptTokens: live, options: { ...greedy, adapter } }))),
    );
    expect(across.map((r) => r.sharedPromptTokens)).toEqual([0, 0]);
    const within = await Promise.all(
      model.generateGroup([1, 1].map((adapter) => ({ promptTokens: live, options: { ...greedy, adapter } }))),
    );
    expect(within[1]!.sharedPromptTokens).toBe(live.length - 1);
    expect(within.map((r) => r.tokens)).toEqual([across[1]!.tokens, across[1]!.tokens]);
  });

  it("refuses an adapter index that is not loaded", async () => {
    await expect(model.generate(prompt, { ...greedy, adapter: 2 })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
    await expect(model.evaluate(TOKENS, { adapter: -2 })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});

describe("adapter files checked against the base", () => {
  it("refuses a model file, an adapter of another shape and another architecture, naming the problem", async () => {
    const basePath = await createSmallModel(dir, "check.gguf", { dim: 64 });
    const otherPath = await createSmallModel(dir, "check-other.gguf", { dim: 128, ffn: 352 });
    const qwenPath = await createSmallModel(dir, "check-qwen.gguf", { arch: "qwen2" });
    const wrongShape = dir.file("wrong-shape.gguf");
    await makeLoraAdapter({
      base: await baseInfo(otherPath),
      out: wrongShape,
      rank: 4,
      alpha: 4,
      format: "gguf",
      type: "F32",
    });
    const wrongArch = dir.file("wrong-arch.gguf");
    await makeLoraAdapter({
      base: await baseInfo(qwenPath),
      out: wrongArch,
      rank: 4,
      alpha: 4,
      format: "gguf",
      type: "F32",
    });
    const load = (path: string) =>
      loadModel(basePath, { device: "cpu", contextLength: 16, maxSequences: 1, adapters: [{ path }] });
    await expect(load(otherPath)).rejects.toMatchObject({
      code: "INVALID_MODEL",
      message: expect.stringContaining("general.type"),
    });
    await expect(load(wrongShape)).rejects.toMatchObject({
      code: "INVALID_MODEL",
      message: expect.stringContaining("wrong base model"),
    });
    await expect(load(wrongArch)).rejects.toMatchObject({
      code: "INVALID_MODEL",
      message: expect.stringContaining("architecture 'qwen2'"),
    });
    await expect(load(dir.file("missing.gguf"))).rejects.toMatchObject({ code: "IO" });
  });
});

// The PEFT side of the comparison, written apart from lora-adapter.ts: names mapped by hand, and
// llama's (only llama's: the others use NeoX RoPE) Q/K output rows taken from Hugging Face's order (each head's first halves, then its
// second halves) to GGUF's interleaved pairs.
const PEFT_NAMES: Record<string, string> = {
  "self_attn.q_proj": "attn_q",
  "self_attn.k_proj": "attn_k",
  "self_attn.v_proj": "attn_v",
  "self_attn.o_proj": "attn_output",
  "mlp.gate_proj": "ffn_gate",
  "mlp.up_proj": "ffn_up",
  "mlp.down_proj": "ffn_down",
};

function peftPairs(
  peftDir: string,
  arch: string,
  heads: number,
  kvHeads: number,
): Map<string, ReferenceLoraPair> {
  const tensors = readSafetensors(`${peftDir}/adapter_model.safetensors`);
  const pairs = new Map<string, ReferenceLoraPair>();
  for (const [key, a] of tensors) {
    const m = /layers\.(\d+)\.(.+)\.lora_A\.weight$/.exec(key);
    if (!m) continue;
    const b = tensors.get(key.replace("lora_A", "lora_B"))!;
    const target = PEFT_NAMES[m[2]!]!;
    const rank = a.shape[0]!;
    let bValues = b.values;
    if (arch === "llama" && (target === "attn_q" || target === "attn_k")) {
      const nHeads = target === "attn_q" ? heads : kvHeads;
      const rows = b.shape[0]!;
      const half = rows / nHeads / 2;
      bValues = new Float32Array(b.values.length);
      for (let row = 0; row < rows; row++) {
        const head = Math.floor(row / (2 * half));
        const within = row % (2 * half);
        const hfRow = head * 2 * half + (within % 2) * half + Math.floor(within / 2);
        bValues.set(b.values.subarray(hfRow * rank, (hfRow + 1) * rank), row * rank);
      }
    }
    pairs.set(`blk.${m[1]}.${target}.weight`, { a: a.values, b: bValues, rank });
  }
  return pairs;
}

describe("convert-lora from a PEFT folder", () => {
  it.each(["llama", "qwen2"] as const)(
    "%s: the converted adapter gives the reference's logits on the PEFT tensors",
    async (arch) => {
      const basePath = await createSmallModel(dir, `peft-${arch}.gguf`, {
        arch,
        dim: 128,
        ffn: 352,
        heads: 4,
        kvHeads: 2,
        seed: 11,
      });
      const base = await baseInfo(basePath);
      const peftDir = dir.file(`peft-${arch}`);
      await makeLoraAdapter({
        base,
        out: peftDir,
        rank: 8,
        alpha: 16,
        format: "peft",
        type: "F32",
        seed: 12,
      });
      const converted = dir.file(`peft-${arch}.lora.gguf`);
      expect(await convertPeftAdapter({ peftDir, base, out: converted })).toEqual({
        pairs: 14,
        alpha: 16,
        type: "F32",
      });
      const model = await loadModel(basePath, {
        device: "cpu",
        threads: 2,
        contextLength: 64,
        maxSequences: 1,
        adapters: [{ path: converted }],
      });
      try {
        const merged = mergeLora(loadReferenceModel(basePath), peftPairs(peftDir, arch, 4, 2), 16, 1);
        const engine = await model.evaluate(TOKENS, { adapter: 0 });
        expect(worstRelativeError(engine, referenceForward(merged, TOKENS))).toBeLessThan(FLOAT_TOLERANCE);
      } finally {
        model.dispose();
      }
    },
  );

  it("refuses tensors it cannot map", async () => {
    const basePath = await createSmallModel(dir, "peft-bad.gguf", {});
    const base = await baseInfo(basePath);
    const peftDir = dir.file("peft-bad");
    await makeLoraAdapter({
      base,
      out: peftDir,
      rank: 4,
      alpha: 4,
      format: "peft",
      type: "F32",
      targets: ["blk.0.attn_q.weight"],
    });
    const other = {
      ...base,
      tensors: base.tensors.map((t) =>
        t.name === "blk.0.attn_q.weight" ? { ...t, shape: [t.shape[0]!, 8] } : t,
      ),
    };
    await expect(convertPeftAdapter({ peftDir, base: other, out: dir.file("bad.gguf") })).rejects.toThrow(
      /wrong base model/,
    );
  });
});
