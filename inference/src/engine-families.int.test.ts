// The model families beyond Mistral-style llama: Llama 3.1+ RoPE (rope_freqs.weight, linear
// scaling), qwen2 (q/k/v biases), qwen3 (per-head q/k norms, wide heads), gemma3 (scaled
// embeddings, GeGLU, post-norms, local/global layers with a sliding window). For each: the
// engine's logits against the float64 reference (testing/reference-forward.ts) on F32, Q8_0 and
// Q4_K_M files; greedy tokens identical to llama.cpp's (testing/llama-cpp.ts: node-llama-cpp's
// prebuilt CPU binary) on F32 files; the loader's refusals.

import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ggufValue } from "./gguf-writer";
import { loadModel } from "./index";
import type { MakeModelOptions } from "./make-model";
import { createSmallModel, createTempDir, type TempDir } from "./testing/fixtures";
import { editGguf, type GgufEdit } from "./testing/gguf-edit";
import { readGguf } from "./testing/gguf-reader";
import { llamaCppGreedy, llamaCppSequence, loadLlamaCppModel } from "./testing/llama-cpp";
import { loadReferenceModel, referenceForward, worstRelativeError } from "./testing/reference-forward";

// A prompt longer than gemma3's test window (4) so local layers drop keys.
const TOKENS = [1, 17, 300, 45, 45, 2, 511, 100, 9, 250, 3, 77];
// As engine-logits.int.test.ts: float32 accumulation against float64 (F32), 8-bit activations
// through the whole model (quantized).
const FLOAT_TOLERANCE = 1e-4;
const QUANTIZED_TOLERANCE = 6e-2;
// GeGLU (gemma3) reads GELU from a binary16 table as llama.cpp's CPU backend does, and so does
// the reference; an FFN activation within float32 noise of a binary16 rounding boundary rounds
// one way in the engine and the other in the reference, one binary16 step (2^-11 relative) on
// that activation. 1.5e-4 measured.
const GELU_TOLERANCE = 5e-4;

interface Family {
  name: string;
  options: Partial<MakeModelOptions>;
  architecture: string;
}

// dim 64 = 4 heads of 16 unless headDim says; gemma3 with 6 layers has five local layers and
// one global one (layer 5).
const FAMILIES: Family[] = [
  {
    name: "llama, Llama 3.1 RoPE (rope_freqs.weight)",
    options: { ropeScaling: { type: "llama3", originalContext: 64 } },
    architecture: "llama",
  },
  {
    name: "llama, linear RoPE scaling",
    options: { ropeScaling: { type: "linear", factor: 4 } },
    architecture: "llama",
  },
  { name: "qwen2, untied", options: { arch: "qwen2" }, architecture: "qwen2" },
  { name: "qwen2, tied", options: { arch: "qwen2", tied: true }, architecture: "qwen2" },
  { name: "qwen3, 32-wide heads", options: { arch: "qwen3", headDim: 32 }, architecture: "qwen3" },
  {
    name: "gemma3, window 4, linear scaling on the global layer",
    options: {
      arch: "gemma3",
      layers: 6,
      slidingWindow: 4,
      tied: true,
      ropeScaling: { type: "linear", factor: 8 },
    },
    architecture: "gemma3",
  },
];

let dir: TempDir;
beforeAll(async () => {
  dir = await createTempDir();
});
afterAll(async () => {
  await dir.remove();
});

const fileName = (f: Family, type: string) => `${f.name.replace(/[^a-z0-9]+/gi, "-")}-${type}.gguf`;

describe.each(FAMILIES)("$name", (family) => {
  const tolerance = family.architecture === "gemma3" ? GELU_TOLERANCE : FLOAT_TOLERANCE;
  it(`matches the float64 reference within ${tolerance} (F32)`, async () => {
    const path = await createSmallModel(dir, fileName(family, "f32"), { seed: 5, ...family.options });
    const model = await loadModel(path, { device: "cpu", threads: 2, contextLength: 64, maxSequences: 1 });
    try {
      expect(model.info.architecture).toBe(family.architecture);
      const engine = await model.evaluate(TOKENS);
      expect(worstRelativeError(engine, referenceForward(loadReferenceModel(path), TOKENS))).toBeLessThan(
        tolerance,
      );
    } finally {
      model.dispose();
    }
  });

  it.each(["q8_0", "q4_k_m"] as const)(
    `loads %s, matches the reference within ${QUANTIZED_TOLERANCE} and generates`,
    async (type) => {
      // K-quants need rows of whole 256-value super-blocks.
      const path = await createSmallModel(dir, fileName(family, type), {
        seed: 5,
        type,
        dim: 256,
        heads: 8,
        kvHeads: 4,
        ffn: 512,
        ...family.options,
        headDim: family.options.headDim === undefined ? undefined : 64,
      });
      const model = await loadModel(path, { device: "cpu", threads: 2, contextLength: 64, maxSequences: 1 });
      try {
        expect(model.info.tensorTypes[type === "q8_0" ? "Q8_0" : "Q4_K"]).toBeGreaterThan(0);
        const engine = await model.evaluate(TOKENS);
        const reference = referenceForward(loadReferenceModel(path), TOKENS);
        expect(worstRelativeError(engine, reference)).toBeLessThan(QUANTIZED_TOLERANCE);
        const result = await model.generate(TOKENS.slice(0, 3), {
          temperature: 0,
          maxTokens: 8,
          ignoreEos: true,
        });
        expect(result.tokens).toHaveLength(8);
      } finally {
        model.dispose();
      }
    },
  );
});

describe("the reference's new operations change the logits (so the comparisons above can fail)", () => {
  it.each<[string, Family, GgufEdit]>([
    ["rope_freqs.weight", FAMILIES[0]!, { dropTensors: ["rope_freqs.weight"] }],
    ["linear scaling", FAMILIES[1]!, { dropKeys: ["llama.rope.scaling.type"] }],
    [
      "gemma3's window",
      FAMILIES[5]!,
      { setKeys: { "gemma3.attention.sliding_window": ggufValue.uint32(64) } },
    ],
  ])("%s", async (_, family, edit) => {
    const path = dir.file(fileName(family, "f32"));
    if (!existsSync(path))
      await createSmallModel(dir, fileName(family, "f32"), { seed: 5, ...family.options });
    const without = dir.file(`without-${fileName(family, "f32")}`);
    await writeFile(without, editGguf(readGguf(new Uint8Array(await readFile(path))), edit));
    const a = referenceForward(loadReferenceModel(path), TOKENS);
    const b = referenceForward(loadReferenceModel(without), TOKENS);
    const engineLike = Float32Array.from(b.flatMap((row) => Array.from(row)));
    expect(worstRelativeError(engineLike, a)).toBeGreaterThan(1e-2);
  });
});

describe("the loader's refusals", () => {
  let base: Uint8Array;
  beforeAll(async () => {
    base = await readFile(await createSmallModel(dir, "refusals.gguf", { arch: "qwen3" }));
  });

  it.each<[string, GgufEdit, RegExp]>([
    ["mixture-of-experts", { setKeys: { "qwen3.expert_count": ggufValue.uint32(8) } }, /mixture-of-experts/],
    [
      "a MoE architecture",
      { setKeys: { "general.architecture": ggufValue.string("qwen3moe") } },
      /'qwen3moe' is not supported: it is a mixture-of-experts model/,
    ],
    [
      "a vision projector",
      { setKeys: { "general.architecture": ggufValue.string("clip") } },
      /'clip' is not supported: it is a vision model/,
    ],
    [
      "a vision tower's tensors",
      {
        tensors: {
          "v.blk.0.attn_q.weight": { type: "F32", shape: [4], data: new Uint8Array(16) },
        },
      },
      /vision towers are not supported \(tensor 'v.blk.0.attn_q.weight'\)/,
    ],
    [
      "YaRN",
      { setKeys: { "qwen3.rope.scaling.type": ggufValue.string("yarn") } },
      /RoPE scaling 'yarn' is not supported/,
    ],
    [
      "a missing q norm",
      { dropTensors: ["blk.1.attn_q_norm.weight"] },
      /'blk.1.attn_q_norm.weight' is missing/,
    ],
  ])("refuses %s, naming it", async (_, edit, message) => {
    const path = dir.file("refused.gguf");
    await writeFile(path, editGguf(readGguf(base), edit));
    await expect(loadModel(path, { device: "cpu", threads: 1 })).rejects.toThrow(message);
  });
});

const PROMPTS = [TOKENS, [1, 5], [1, 400, 401, 402, 9, 9, 9, 9, 9, 30], [1, 250, 3, 77, 17]];
const GREEDY_TOKENS = 16;
const EOS = 2; // the small vocabulary's end of generation
// llama.cpp rounds queries and attention weights to binary16 on the CPU, the engine does not: a
// step whose two best logits are closer than this (relative to the largest) is a tie the two
// may break differently; after it the sequences are no longer comparable.
const TIE = 1e-3;
// llama.cpp rounds a context up to a multiple of 256.
const LLAMA_CPP_CONTEXT = 256;

/** llama.cpp's greedy tokens after each prompt (a list may end early where llama.cpp stops). */
async function llamaCppGreedyTokens(path: string): Promise<number[][]> {
  const oracle = await loadLlamaCppModel(path);
  try {
    const { context, sequence } = await llamaCppSequence(oracle, LLAMA_CPP_CONTEXT);
    try {
      const tokens: number[][] = [];
      for (const prompt of PROMPTS) tokens.push(await llamaCppGreedy(sequence, prompt, GREEDY_TOKENS));
      return tokens;
    } finally {
      await context.dispose();
    }
  } finally {
    await oracle.dispose();
  }
}

const GREEDY_FAMILIES: Family[] = [
  ...FAMILIES,
  { name: "llama (Mistral-style)", options: {}, architecture: "llama" },
];

describe("greedy tokens identical to llama.cpp", () => {
  const paths = GREEDY_FAMILIES.map((f) => `greedy-${fileName(f, "f32")}`);
  let expected: number[][][];
  beforeAll(async () => {
    for (const [i, family] of GREEDY_FAMILIES.entries()) {
      await createSmallModel(dir, paths[i]!, {
        seed: 11,
        layers: family.options.layers ?? 3,
        ...family.options,
      });
    }
    expected = [];
    for (const path of paths) expected.push(await llamaCppGreedyTokens(dir.file(path)));
  }, 120_000);

  it.each(GREEDY_FAMILIES.map((family, i) => ({ ...family, i })))("$name", async ({ i }) => {
    const path = dir.file(paths[i]!);
    const model = await loadModel(path, { device: "cpu", threads: 2, contextLength: 64, maxSequences: 1 });
    const reference = loadReferenceModel(path);
    let compared = 0;
    try {
      for (const [p, prompt] of PROMPTS.entries()) {
        const llamaCpp = expected[i]![p]!;
        if (llamaCpp.length < GREEDY_TOKENS) expect(llamaCpp.at(-1), "llama.cpp stopped early").toBe(EOS);
        const ours = (
          await model.generate(prompt, { temperature: 0, maxTokens: GREEDY_TOKENS, ignoreEos: true })
        ).tokens.slice(0, llamaCpp.length);
        const differs = ours.findIndex((t, k) => t !== llamaCpp[k]);
        if (differs >= 0) {
          // Only a tie may part them: the reference's two best logits at that step.
          const row = referenceForward(reference, [...prompt, ...ours.slice(0, differs)]).at(-1)!;
          const [first, second] = Array.from(row).sort((a, b) => b - a);
          const scale = Math.max(...Array.from(row, Math.abs));
          expect(first! - second!, `prompt ${p}: ${ours} vs ${llamaCpp}`).toBeLessThan(TIE * scale);
        }
        expect(ours.slice(0, differs < 0 ? undefined : differs)).toEqual(
          llamaCpp.slice(0, differs < 0 ? undefined : differs),
        );
        compared += differs < 0 ? ours.length : differs;
      }
      // Ties are rare: most of the tokens were compared.
      expect(compared).toBeGreaterThan(0.75 * PROMPTS.length * GREEDY_TOKENS);
    } finally {
      model.dispose();
    }
  });
});
