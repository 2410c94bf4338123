// The engine against llama.cpp (node-llama-cpp's prebuilt CPU binary), code this project did not
// write, on the project's own generated models: tokenization with both vocabularies, greedy
// tokens and logits for every weight type, and quantized blocks from the project's writer
// decoded by llama.cpp.

import { readFile, writeFile } from "node:fs/promises";

import type { LlamaModel, Token } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { encodeTensorData } from "./gguf-writer";
import { type GgmlTypeName, ggmlTypeTraits } from "./ggml-types";
import { loadModel, type Model } from "./index";
import { makeLoraAdapter } from "./lora-adapter";
import type { ModelType } from "./make-model";
import { Random } from "./random";
import { createSmallModel, createTempDir, type TempDir } from "./testing/fixtures";
import { editGguf } from "./testing/gguf-edit";
import { readGguf } from "./testing/gguf-reader";
import { createLlama3VocabModel } from "./testing/llama3-vocab-fixture";
import {
  centred,
  llamaCppCentredLogits,
  llamaCppGreedy,
  llamaCppSequence,
  loadLlamaCpp,
  loadLlamaCppModel,
} from "./testing/llama-cpp";
import { loadReferenceModel, referenceForward } from "./testing/reference-forward";
import { LLAMA2_VECTORS, randomTexts, VARIED_TEXTS } from "./testing/text-corpus";

let dir: TempDir;
beforeAll(async () => {
  dir = await createTempDir("arbiter-llama-cpp-");
  await loadLlamaCpp();
});
afterAll(async () => {
  await (await loadLlamaCpp()).dispose();
  await dir?.remove();
});

/** Both tokenizers on one file; texts go through as plain text (no special-token parsing). */
function describeTokenizer(
  name: string,
  write: () => Promise<string>,
  texts: readonly string[],
  options: { detokenizesExactly: boolean },
) {
  describe(`tokenization, ${name}`, () => {
    let engine: Model;
    let oracle: LlamaModel;
    beforeAll(async () => {
      const path = await write();
      engine = await loadModel(path, { device: "cpu", threads: 1, contextLength: 64, maxSequences: 1 });
      oracle = await loadLlamaCppModel(path);
    });
    afterAll(async () => {
      engine?.dispose();
      await oracle?.dispose();
    });

    it(`gives llama.cpp's ids for ${texts.length} texts`, () => {
      for (const text of texts) {
        expect(engine.tokenize(text, { addBos: false }), JSON.stringify(text)).toEqual(
          oracle.tokenize(text, false),
        );
      }
    });

    if (options.detokenizesExactly) {
      it("detokenizes as llama.cpp does", () => {
        for (const text of texts) {
          const ids = engine.tokenize(text, { addBos: false });
          expect(engine.detokenize(ids), JSON.stringify(text)).toBe(oracle.detokenize(ids as Token[]));
        }
      });
    }

    it("parses special tokens where llama.cpp does, when asked", () => {
      const text = `${oracle.tokens.bosString ?? ""}Hi${oracle.tokens.eosString ?? ""} there`;
      expect(engine.tokenize(text, { addBos: false, special: true })).toEqual(oracle.tokenize(text, true));
    });
  });
}

const TOKENIZER_TEXTS = [...LLAMA2_VECTORS.map(([text]) => text), ...VARIED_TEXTS, ...randomTexts(300, 21)];
describeTokenizer(
  "Llama 2 vocabulary (SentencePiece)",
  () => createSmallModel(dir, "llama2-vocab.gguf", { vocab: "llama2", tied: true }),
  TOKENIZER_TEXTS,
  { detokenizesExactly: true },
);
// llama.cpp detokenizes Llama 3 ids with clean_up_tokenization_spaces (" ?" becomes "?"), as
// Hugging Face's Llama 3 tokenizer does by default; the engine gives back the exact text.
describeTokenizer(
  "Llama 3 vocabulary (byte-level BPE)",
  () => createLlama3VocabModel(dir, "llama3-vocab.gguf"),
  TOKENIZER_TEXTS,
  { detokenizesExactly: false },
);

// ---- logits and greedy tokens ------------------------------------------------------------------
//
// Metric: for each position, max_i |a_i - b_i| / max_i |b_i| over the logit rows centred on their
// mean (llama.cpp gives log-probabilities, the logits up to a constant); the worst position.
// Tolerances are bounds on what the two implementations do differently on purpose, in units of
// binary16's unit roundoff u16 = 2^-11 and bfloat16's u_bf16 = 2^-8 (relative rounding error):
//  - every type: llama.cpp rounds attention's query and its softmax weights to binary16 (the
//    engine keeps both float32; both keep keys and values in binary16): at most u16 each, in each
//    of the 2 layers: 4 u16.
//  - F16 and BF16 weights: llama.cpp also rounds the input of every product to the weight's
//    type (the engine multiplies float32 inputs): 4 product inputs per layer and the output's,
//    9 roundings of u16 (F16) or u_bf16 (BF16).
//  - quantized weights: both quantize every product's input to 8 bits, which moves the logits of
//    these models by up to 6% of their largest value against exact arithmetic
//    (QUANTIZED_TOLERANCE of engine-logits.int.test.ts). The two implementations' roundings
//    cannot be replayed exactly (an activation on the other side of a rounding boundary changes
//    its quant and that propagates), so they are independent: llama.cpp must be within 6% of the
//    exact float64 forward pass on the same dequantized weights (it reads the writer's file as
//    the reference does), and the engine within 2 x 6% of llama.cpp (each within 6% of exact).
//    The exact check of the block formats is the decoding test below.
// Measured (AVX-512 machine): F32 5.0e-4, F16 1.1e-3, BF16 7.2e-3; quantized 2.2e-2 to 3.3e-2
// (llama.cpp against exact: 2.2e-2 to 3.7e-2).

const U16 = 2 ** -11;
const U_BF16 = 2 ** -8;
const ATTENTION_ROUNDING = 4 * U16;
const PRODUCT_INPUTS = 9;
const ACTIVATION_QUANTIZATION = 6e-2;
const FLOAT_TOLERANCE: Partial<Record<ModelType, number>> = {
  f32: ATTENTION_ROUNDING,
  f16: ATTENTION_ROUNDING + PRODUCT_INPUTS * U16,
  bf16: ATTENTION_ROUNDING + PRODUCT_INPUTS * U_BF16,
};

const TOKENS = [1, 17, 300, 45, 45, 2, 511, 100, 9, 250, 3, 77];
const GREEDY_PROMPT = [1, 17, 300, 45];
const GREEDY_TOKENS = 16;
const VOCAB = 512;
const CONTEXT = 256;

/** max over positions of max_i |a_i - b_i| / max_i |b_i| (rows already centred). */
function worstRelative(a: Float64Array[], b: Float64Array[]): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  b.forEach((row, p) => {
    let scale = 0;
    let diff = 0;
    row.forEach((v, i) => {
      scale = Math.max(scale, Math.abs(v));
      diff = Math.max(diff, Math.abs(a[p]![i]! - v));
    });
    worst = Math.max(worst, diff / scale);
  });
  return worst;
}

function centredRows(flat: Float32Array, vocab: number): Float64Array[] {
  return Array.from({ length: flat.length / vocab }, (_, p) =>
    centred(flat.subarray(p * vocab, (p + 1) * vocab)),
  );
}

const TYPES: ModelType[] = ["f32", "f16", "bf16", "q8_0", "q4_0", "q5_0", "q4_k", "q6_k", "q4_k_m"];

describe.each(TYPES)("logits and greedy tokens, %s", (type) => {
  const tolerance = FLOAT_TOLERANCE[type] ?? 2 * ACTIVATION_QUANTIZATION;
  let path: string;
  let engine: Model;
  let oracle: LlamaModel;
  let llamaCpp: Awaited<ReturnType<typeof llamaCppSequence>>;
  beforeAll(async () => {
    // dim and ffn multiples of 256: K-quant rows are whole super-blocks.
    path = await createSmallModel(dir, `logits-${type}.gguf`, {
      dim: 256,
      layers: 2,
      heads: 4,
      kvHeads: 2,
      ffn: 512,
      vocab: VOCAB,
      type,
      seed: 3,
    });
    // The same context for both (llama.cpp rounds its own up to a multiple of 256).
    engine = await loadModel(path, { device: "cpu", threads: 1, contextLength: CONTEXT, maxSequences: 1 });
    oracle = await loadLlamaCppModel(path);
    llamaCpp = await llamaCppSequence(oracle, CONTEXT);
  });
  afterAll(async () => {
    engine?.dispose();
    await llamaCpp?.context.dispose();
    await oracle?.dispose();
  });

  it("runs llama.cpp with flash attention off and the engine's context, as its log says", () => {
    expect(llamaCpp.printed).toEqual({ flashAttention: "disabled", contextPerSequence: CONTEXT });
  });

  it(`gives llama.cpp's logits within ${tolerance.toPrecision(3)} of the largest`, async () => {
    const theirs = await llamaCppCentredLogits(llamaCpp.sequence, TOKENS, VOCAB);
    const ours = centredRows(await engine.evaluate(TOKENS), VOCAB);
    expect(worstRelative(ours, theirs)).toBeLessThan(tolerance);
    if (!(type in FLOAT_TOLERANCE)) {
      const exact = referenceForward(loadReferenceModel(path), TOKENS).map(centred);
      expect(worstRelative(theirs, exact)).toBeLessThan(ACTIVATION_QUANTIZATION);
    }
  });

  it("generates tokens that llama.cpp, given the same context, ranks first within the tolerance", async () => {
    const ours = await engine.generate(GREEDY_PROMPT, {
      temperature: 0,
      maxTokens: GREEDY_TOKENS,
      ignoreEos: true,
    });
    expect(ours.tokens).toHaveLength(GREEDY_TOKENS);
    // llama.cpp's logits after each of the engine's steps: the engine's pick, the best of its
    // own logits, is at most 2 x tolerance x the largest logit below llama.cpp's best.
    const steps = await llamaCppCentredLogits(llamaCpp.sequence, [...GREEDY_PROMPT, ...ours.tokens], VOCAB);
    steps.slice(GREEDY_PROMPT.length - 1, -1).forEach((row, step) => {
      const best = Math.max(...row);
      const scale = Math.max(...Array.from(row, Math.abs));
      expect(best - row[ours.tokens[step]!]!, `step ${step}`).toBeLessThanOrEqual(2 * tolerance * scale);
    });
    // F32: llama.cpp generating on its own gives the same tokens.
    if (type === "f32")
      expect(await llamaCppGreedy(llamaCpp.sequence, GREEDY_PROMPT, GREEDY_TOKENS)).toEqual(ours.tokens);
  });
});

// ---- LoRA adapters ------------------------------------------------------------------------------
//
// The same GGUF adapter file in both engines, over an F32 base: llama.cpp adds the adapter's
// products (F32 A and B, so no rounding of their inputs) as the engine does; the tolerance is
// the F32 one.

describe("a LoRA adapter file applied by llama.cpp and the engine", () => {
  let engine: Model;
  let oracle: LlamaModel;
  let llamaCpp: Awaited<ReturnType<typeof llamaCppSequence>>;
  const tolerance = FLOAT_TOLERANCE.f32!;
  beforeAll(async () => {
    const path = await createSmallModel(dir, "lora-base.gguf", {
      dim: 256,
      layers: 2,
      heads: 4,
      kvHeads: 2,
      ffn: 512,
      vocab: VOCAB,
      type: "f32",
      seed: 3,
    });
    const adapter = dir.file("lora-base.lora.gguf");
    const scale = 0.8;
    engine = await loadModel(path, { device: "cpu", threads: 1, contextLength: CONTEXT, maxSequences: 1 });
    await makeLoraAdapter({
      base: engine.info,
      out: adapter,
      rank: 16,
      alpha: 32,
      format: "gguf",
      type: "F32",
      seed: 4,
    });
    engine.dispose();
    engine = await loadModel(path, {
      device: "cpu",
      threads: 1,
      contextLength: CONTEXT,
      maxSequences: 1,
      adapters: [{ path: adapter, scale }],
    });
    oracle = await loadLlamaCppModel(path);
    llamaCpp = await llamaCppSequence(oracle, CONTEXT, [{ filePath: adapter, scale }]);
  });
  afterAll(async () => {
    engine?.dispose();
    await llamaCpp?.context.dispose();
    await oracle?.dispose();
  });

  it(`gives llama.cpp's logits within ${tolerance.toPrecision(3)} of the largest`, async () => {
    const theirs = await llamaCppCentredLogits(llamaCpp.sequence, TOKENS, VOCAB);
    const ours = centredRows(await engine.evaluate(TOKENS, { adapter: 0 }), VOCAB);
    expect(worstRelative(ours, theirs)).toBeLessThan(tolerance);
    // The adapter changes the output far beyond the tolerance.
    const base = centredRows(await engine.evaluate(TOKENS), VOCAB);
    expect(worstRelative(base, theirs)).toBeGreaterThan(20 * tolerance);
  });

  it("generates llama.cpp's greedy tokens", async () => {
    const ours = await engine.generate(GREEDY_PROMPT, {
      temperature: 0,
      maxTokens: GREEDY_TOKENS,
      ignoreEos: true,
      adapter: 0,
    });
    expect(await llamaCppGreedy(llamaCpp.sequence, GREEDY_PROMPT, GREEDY_TOKENS)).toEqual(ours.tokens);
  });
});

// ---- quantized blocks decoded by llama.cpp -------------------------------------------------------
//
// A model that shows a tensor's decoded rows as logits: token_embd holds the writer's blocks, the
// attention and FFN outputs are zero (the residual stays the embedding row), the final norm's
// weights are 1 and output.weight is the F32 identity on the first `dim` tokens. The logits of a
// position are then row_t / rms(row_t) for its token t, then zeros: llama.cpp's get_rows decodes
// the row with ggml's own dequantizer, and an F32 product with one-hot rows adds exact zeros.
// Expected: the writer's TypeScript decoder on the same bytes, normalized in float64. Tolerance
// 1e-5 of the largest value: what remains is float32 rounding of the norm's scale and of the
// log-probabilities (a few 2^-24 relative; 2e-7 measured). Decoding wrongly moves values by a
// quantization step or a rounding of a scale: comparing with the floats before quantization
// instead of the decoded values misses by 3.6e-4 (F16, the smallest) to 0.11 (Q4_0).

const DECODE_TOLERANCE = 1e-5;
const DECODE_TYPES: GgmlTypeName[] = ["F16", "BF16", "Q8_0", "Q4_0", "Q5_0", "Q4_K", "Q6_K"];
const DECODE_DIM = 256;
const DECODE_TOKENS = Array.from({ length: 24 }, (_, i) => (i * 37 + 5) % VOCAB);
const RMS_EPSILON = 1e-5;

async function createRowsModel(type: GgmlTypeName): Promise<{ path: string; rows: Float32Array }> {
  const dim = DECODE_DIM;
  const scratch = await createSmallModel(dir, `rows-${type}.base.gguf`, {
    dim,
    layers: 1,
    heads: 4,
    kvHeads: 4,
    ffn: dim,
    vocab: VOCAB,
    rmsEpsilon: RMS_EPSILON,
  });
  const base = readGguf(new Uint8Array(await readFile(scratch)));
  const traits = ggmlTypeTraits(type);
  const random = new Random(`rows-${type}`);
  const floats = Float32Array.from({ length: VOCAB * dim }, () => random.normal());
  const blocks = new Uint8Array((floats.length / traits.blockSize) * traits.typeSize);
  traits.quantize(floats, blocks);
  const rows = new Float32Array(floats.length);
  traits.dequantize(blocks, rows);
  const identity = new Float32Array(VOCAB * dim);
  for (let i = 0; i < dim; i++) identity[i * dim + i] = 1;
  const f32 = (shape: number[], values: Float32Array) => ({
    type: "F32" as const,
    shape,
    data: encodeTensorData("F32", values),
  });
  const path = dir.file(`rows-${type}.gguf`);
  await writeFile(
    path,
    editGguf(base, {
      tensors: {
        "token_embd.weight": { type, shape: [dim, VOCAB], data: blocks },
        "blk.0.attn_output.weight": f32([dim, dim], new Float32Array(dim * dim)),
        "blk.0.ffn_down.weight": f32([dim, dim], new Float32Array(dim * dim)),
        "output_norm.weight": f32([dim], new Float32Array(dim).fill(1)),
        "output.weight": f32([dim, VOCAB], identity),
      },
    }),
  );
  return { path, rows };
}

/** What the logits must be: each token's decoded row over its rms, then zeros; centred. */
function expectedRowLogits(rows: Float32Array): Float64Array[] {
  return DECODE_TOKENS.map((t) => {
    const row = rows.subarray(t * DECODE_DIM, (t + 1) * DECODE_DIM);
    let squares = 0;
    for (const v of row) squares += v * v;
    const scale = 1 / Math.sqrt(squares / DECODE_DIM + RMS_EPSILON);
    const logits = new Float64Array(VOCAB);
    row.forEach((v, i) => (logits[i] = v * scale));
    return centred(logits);
  });
}

describe.each(DECODE_TYPES)("%s blocks from the writer", (type) => {
  it(`decode in llama.cpp (and the engine) to the writer's values, within ${DECODE_TOLERANCE}`, async () => {
    const { path, rows } = await createRowsModel(type);
    const expected = expectedRowLogits(rows);
    const oracle = await loadLlamaCppModel(path);
    const engine = await loadModel(path, { device: "cpu", threads: 1, contextLength: 32, maxSequences: 1 });
    try {
      expect(engine.info.tensors.find((t) => t.name === "token_embd.weight")?.type).toBe(type);
      const { context, sequence } = await llamaCppSequence(oracle, 32);
      try {
        const theirs = await llamaCppCentredLogits(sequence, DECODE_TOKENS, VOCAB);
        expect(worstRelative(theirs, expected)).toBeLessThan(DECODE_TOLERANCE);
      } finally {
        await context.dispose();
      }
      const ours = centredRows(await engine.evaluate(DECODE_TOKENS), VOCAB);
      expect(worstRelative(ours, expected)).toBeLessThan(DECODE_TOLERANCE);
    } finally {
      engine.dispose();
      await oracle.dispose();
    }
  });
});
