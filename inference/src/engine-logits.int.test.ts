// The engine's logits against the float64 reference forward pass (testing/reference-forward.ts),
// for every weight type and llama-quantize's Q4_K_M mix, GQA and MHA, tied and untied output.
//
// Metric: for each position p, max_i |engine[p][i] - reference[p][i]| / max_i |reference[p][i]|;
// the test takes the worst position. Quantized files are compared with the reference computed
// on the same dequantized weights (dequantized by the TypeScript code, written apart from the
// C++), so the tolerance covers only what the engine does differently on purpose: float32
// accumulation and 8-bit activations (Q8_0 blocks of 32 for Q8_0/Q4_0/Q5_0 weights, Q8_K
// blocks of 256 for Q4_K/Q6_K).

import { readFile, writeFile } from "node:fs/promises";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { encodeTensorData } from "./gguf-writer";
import { loadModel, type Model } from "./index";
import type { ModelType } from "./make-model";
import { createSmallModel, createTempDir, type TempDir } from "./testing/fixtures";
import { editGguf } from "./testing/gguf-edit";
import { readGguf } from "./testing/gguf-reader";
import {
  loadReferenceModel,
  type ReferenceModel,
  referenceForward,
  worstRelativeError,
} from "./testing/reference-forward";

const TOKENS = [1, 17, 300, 45, 45, 2, 511, 100, 9, 250, 3, 77];

// F32/F16/BF16 weights multiply float32 activations: the only difference is float32
// accumulation over at most a few hundred terms per product (~1e-6 in practice).
const FLOAT_TOLERANCE = 1e-4;
// Quantized weights through the whole model, against float64 activations: quantizing every
// product's input to 8 bits moves these models' logits by 2-4% of their largest value
// (measured with the reference's own Q8_0 simulation), and the engine's rounding decisions
// cannot be replayed exactly: a float32-vs-float64 difference that puts an activation on the
// other side of a rounding boundary changes its quant, and that difference propagates. Hence 6%.
const QUANTIZED_TOLERANCE = 6e-2;
// One quantized product alone (attention and FFN outputs zeroed, logits = output · rmsnorm(x)),
// against the reference that quantizes its input as ggml does. Q8_0 blocks (Q8_0/Q4_0/Q5_0
// outputs): left is the activation scale, kept as fp16 by ggml and fp32 by the engine (<= 2^-11
// relative per block; 3e-4 measured), and float32 sums.
const ONE_PRODUCT_TOLERANCE = 1e-3;
// Q8_K (Q4_K/Q6_K outputs): the engine quantizes exactly as ggml, and its rmsnorm is the same
// code on every CPU, so the quants are the reference's; only float32 sums remain (3e-7 to 4e-7
// measured over 256-value rows).
const ONE_PRODUCT_TOLERANCE_Q8K = 1e-5;

interface Case {
  name: string;
  type: ModelType;
  kvHeads: number;
  tied: boolean;
  /** The tensor types the file must hold (llama-quantize's choices for K-quant mixes). */
  expectTypes?: Record<string, number>;
  /** Default dim 128, ffn 352 (11 blocks of 32); K-quants need rows of whole 256-value blocks. */
  dim?: number;
  ffn?: number;
}

const CASES: Case[] = [
  { name: "F32, GQA, untied", type: "f32", kvHeads: 2, tied: false },
  { name: "F32, MHA, tied", type: "f32", kvHeads: 4, tied: true },
  { name: "F16, GQA, untied", type: "f16", kvHeads: 2, tied: false },
  { name: "F16, MHA, tied", type: "f16", kvHeads: 4, tied: true },
  { name: "BF16, GQA, tied", type: "bf16", kvHeads: 1, tied: true },
  { name: "Q8_0, GQA, untied", type: "q8_0", kvHeads: 2, tied: false },
  { name: "Q8_0, MHA, tied", type: "q8_0", kvHeads: 4, tied: true },
  { name: "Q4_0, GQA, tied", type: "q4_0", kvHeads: 2, tied: true },
  { name: "Q4_0, MHA, untied", type: "q4_0", kvHeads: 4, tied: false },
  { name: "Q5_0, GQA, untied", type: "q5_0", kvHeads: 2, tied: false },
  { name: "Q4_K, GQA, untied", type: "q4_k", kvHeads: 2, tied: false, dim: 256, ffn: 768 },
  { name: "Q6_K, MHA, tied", type: "q6_k", kvHeads: 4, tied: true, dim: 256, ffn: 768 },
  {
    // ffn 288 is not a multiple of 256: ffn_down (288 columns) falls back to Q5_0 where Q4_K_M
    // wants Q4_K (layer 0) and to Q8_0 where it wants Q6_K (layer 1, use_more_bits).
    name: "Q4_K_M with fallbacks, GQA, untied",
    type: "q4_k_m",
    kvHeads: 2,
    tied: false,
    dim: 256,
    ffn: 288,
    expectTypes: { Q4_K: 12, Q6_K: 2, Q5_0: 1, Q8_0: 1, F32: 5 },
  },
  {
    name: "Q4_K_M, MHA, tied",
    type: "q4_k_m",
    kvHeads: 4,
    tied: true,
    dim: 256,
    ffn: 512,
    expectTypes: { Q4_K: 12, Q6_K: 3, F32: 5 },
  },
];

let dir: TempDir;
beforeAll(async () => {
  dir = await createTempDir();
});
afterAll(async () => {
  await dir.remove();
});

async function setUp(c: Case): Promise<{ model: Model; reference: ReferenceModel }> {
  // dim 128 = 4 heads of 32; ffn 352 = 11 blocks of 32; rows span several quant blocks.
  const path = await createSmallModel(dir, `${c.type}-${c.kvHeads}-${c.tied}.gguf`, {
    dim: c.dim ?? 128,
    heads: 4,
    kvHeads: c.kvHeads,
    ffn: c.ffn ?? 352,
    layers: 2,
    type: c.type,
    tied: c.tied,
    seed: 3,
  });
  const model = await loadModel(path, { device: "cpu", threads: 2, contextLength: 64, maxSequences: 2 });
  return { model, reference: loadReferenceModel(path) };
}

describe.each(CASES)("engine logits, $name", (c) => {
  let model: Model;
  let reference: ReferenceModel;
  beforeAll(async () => {
    ({ model, reference } = await setUp(c));
    if (c.expectTypes) expect(model.info.tensorTypes).toEqual(c.expectTypes);
    else expect(model.info.tensorTypes[c.type.toUpperCase()]).toBeGreaterThan(0);
    expect(model.info.headCountKv).toBe(c.kvHeads);
  });
  afterAll(() => model?.dispose());

  if (!["f32", "f16", "bf16"].includes(c.type)) {
    it(`match the float64 reference within ${QUANTIZED_TOLERANCE}`, async () => {
      const engine = await model.evaluate(TOKENS);
      expect(worstRelativeError(engine, referenceForward(reference, TOKENS))).toBeLessThan(
        QUANTIZED_TOLERANCE,
      );
    });

    it(`compute one quantized product as ggml does (within ${ONE_PRODUCT_TOLERANCE}, Q8_K ${ONE_PRODUCT_TOLERANCE_Q8K})`, async () => {
      const path = dir.file(`one-product-${c.type}-${c.kvHeads}-${c.tied}.gguf`);
      const file = readGguf(new Uint8Array(await readFile(model.info.path)));
      // F32 zeros: the file keeps its quantized output projection, the product under test.
      const zeros = (shape: number[]) => ({
        type: "F32" as const,
        shape,
        data: encodeTensorData("F32", new Float32Array(shape[0]! * shape[1]!)),
      });
      const dim = c.dim ?? 128;
      const ffn = c.ffn ?? 352;
      const tensors = Object.fromEntries(
        [0, 1].flatMap((l) => [
          [`blk.${l}.attn_output.weight`, zeros([dim, dim])],
          [`blk.${l}.ffn_down.weight`, zeros([ffn, dim])],
        ]),
      );
      await writeFile(path, editGguf(file, { tensors }));
      const oneProduct = await loadModel(path, {
        device: "cpu",
        threads: 2,
        contextLength: 64,
        maxSequences: 1,
      });
      try {
        const engine = await oneProduct.evaluate(TOKENS);
        const expected = referenceForward(loadReferenceModel(path), TOKENS, { quantizeActivations: true });
        const outputType = oneProduct.info.tensors.find(
          (t) => t.name === (c.tied ? "token_embd.weight" : "output.weight"),
        )!.type;
        const tolerance = ["Q4_K", "Q6_K"].includes(outputType)
          ? ONE_PRODUCT_TOLERANCE_Q8K
          : ONE_PRODUCT_TOLERANCE;
        expect(worstRelativeError(engine, expected)).toBeLessThan(tolerance);
      } finally {
        oneProduct.dispose();
      }
    });
  } else {
    it(`match the float64 reference within ${FLOAT_TOLERANCE}`, async () => {
      const engine = await model.evaluate(TOKENS);
      expect(worstRelativeError(engine, referenceForward(reference, TOKENS))).toBeLessThan(FLOAT_TOLERANCE);
    });
  }
});

/** Three sequences decoded together get the greedy tokens each gets alone. */
async function expectBatchedAsAlone(model: Model): Promise<void> {
  const prompts = [TOKENS.slice(0, 4), TOKENS.slice(4, 11), TOKENS.slice(2, 3)];
  const options = { temperature: 0, maxTokens: 10, ignoreEos: true };
  const alone = [];
  for (const p of prompts) alone.push((await model.generate(p, options)).tokens);
  const together = await Promise.all(prompts.map((p) => model.generate(p, options)));
  expect(together.map((r) => r.tokens)).toEqual(alone);
}

describe("engine decoding", () => {
  let model: Model;
  let reference: ReferenceModel;
  beforeAll(async () => {
    ({ model, reference } = await setUp({ name: "F32", type: "f32", kvHeads: 2, tied: false }));
  });
  afterAll(() => model?.dispose());

  it("generates, token by token through the KV cache, the reference's greedy choices", async () => {
    const prompt = TOKENS.slice(0, 5);
    const result = await model.generate(prompt, { temperature: 0, maxTokens: 12, ignoreEos: true });
    expect(result.tokens.length).toBe(12);
    expect(result.promptTokens).toBe(prompt.length);
    const logits = referenceForward(reference, [...prompt, ...result.tokens]);
    result.tokens.forEach((token, i) => {
      const row = logits[prompt.length - 1 + i]!;
      const best = Math.max(...row);
      // The engine's pick is the reference's best, or within float32 noise of it.
      expect(best - row[token]!, `token ${i}`).toBeLessThan(1e-4 * Math.max(...Array.from(row, Math.abs)));
    });
  });

  it("gives each sequence of a concurrent batch the tokens it gets alone", async () => {
    await expectBatchedAsAlone(model);
  });

  it("samples reproducibly with a seed and differently without one", async () => {
    const options = { temperature: 1.5, topK: 0, topP: 1, maxTokens: 16, ignoreEos: true };
    const a = await model.generate(TOKENS.slice(0, 3), { ...options, seed: 42 });
    const b = await model.generate(TOKENS.slice(0, 3), { ...options, seed: 42 });
    const c = await model.generate(TOKENS.slice(0, 3), { ...options, seed: 43 });
    expect(a.tokens).toEqual(b.tokens);
    expect(c.tokens).not.toEqual(a.tokens);
  });
});

// The 8-bit KV cache (kvCacheType "q8_0"): keys and values rounded to Q8_0 blocks of 32 (a step
// of max|x|/127 per block) where the f16 cache keeps 11 significant bits. The stated tolerance
// of the option with quantized weights: 3% of the largest logit (their 8-bit activations turn
// some of the small differences into a different rounding step; 1.5-2% measured in the C++
// tests, which also hold the cache to a float64 reference that rounds the same way).
const Q8_KV_CACHE_TOLERANCE = 3e-2;

describe("the 8-bit KV cache", () => {
  let path: string;
  let f16: Model;
  let q8: Model;
  beforeAll(async () => {
    path = await createSmallModel(dir, "kv-q8.gguf", {
      dim: 128,
      heads: 4,
      kvHeads: 2,
      ffn: 352,
      type: "q8_0",
      seed: 5,
    });
    const options = { threads: 2, contextLength: 64, maxSequences: 3 } as const;
    f16 = await loadModel(path, { ...options, device: "cpu" });
    // "auto" runs it on the CPU (the only backend with the 8-bit cache).
    q8 = await loadModel(path, { ...options, kvCacheType: "q8_0" });
  });
  afterAll(() => {
    f16?.dispose();
    q8?.dispose();
  });

  it("takes 34 bytes per 32 cached values where binary16 takes 64", () => {
    expect(q8.info.device).toBe("cpu");
    expect(q8.info.kvCacheType).toBe("q8_0");
    expect(f16.info.kvCacheType).toBe("f16");
    expect(q8.info.kvCacheBytes * 64).toBe(f16.info.kvCacheBytes * 34);
  });

  it(`gives logits within ${Q8_KV_CACHE_TOLERANCE} of the f16 cache's`, async () => {
    const near = await f16.evaluate(TOKENS);
    const got = await q8.evaluate(TOKENS);
    const rows = Array.from({ length: TOKENS.length }, (_, p) =>
      Float64Array.from(near.subarray(p * f16.info.vocabSize, (p + 1) * f16.info.vocabSize)),
    );
    const error = worstRelativeError(got, rows);
    expect(error).toBeLessThan(Q8_KV_CACHE_TOLERANCE);
    expect(error).toBeGreaterThan(0); // the cache really is 8-bit
  });

  it("gives each sequence of a concurrent batch the tokens it gets alone", async () => {
    await expectBatchedAsAlone(q8);
  });

  it("refuses a cache type it does not offer", async () => {
    await expect(loadModel(path, { device: "cpu", kvCacheType: "q4_0" as "q8_0" })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
  });
});
