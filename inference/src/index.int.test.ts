// The engine through its TypeScript API on small generated models: loading with progress, model
// info, continuous batching (each sequence of a batch gets what it gets alone), seeds, shared
// prefills, streaming without blocking the event loop, stop strings, cancellation, errors with
// codes, and disposal.

import { writeFile } from "node:fs/promises";

import llamaTokenizer from "llama-tokenizer-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { type GenerateResult, loadModel, type Model } from "./index";
import { createChainModel, createSmallModel, createTempDir, type TempDir } from "./testing/fixtures";

let dir: TempDir;
beforeAll(async () => {
  dir = await createTempDir();
});
afterAll(async () => {
  await dir.remove();
});

const GREEDY = { temperature: 0, ignoreEos: true } as const;

/** BOS, then n ordinary tokens that differ with `salt`. */
function prompt(n: number, salt: number): number[] {
  return [1, ...Array.from({ length: n }, (_, i) => 40 + ((i * 13 + salt * 71) % 400))];
}

describe("loadModel", () => {
  it("reports progress up to 1 and describes the model", async () => {
    const path = await createSmallModel(dir, "info.gguf", { type: "q8_0", name: "info test" });
    const progress: number[] = [];
    const model = await loadModel(path, { device: "cpu", threads: 2, onProgress: (f) => progress.push(f) });
    try {
      expect(progress.length).toBeGreaterThan(0);
      expect(progress.at(-1)).toBe(1);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      const info = model.info;
      expect(info).toMatchObject({
        path,
        architecture: "llama",
        name: "info test",
        device: "cpu",
        threads: 2,
        contextLength: 256,
        trainedContextLength: 256,
        kvCacheType: "f16",
        // Keys and values: 8 slots x 256 positions x 2 layers x 2 KV heads x 16 binary16 values.
        kvCacheBytes: 2 * 8 * 256 * 2 * 2 * 16 * 2,
        embeddingLength: 64,
        blockCount: 2,
        headCount: 4,
        headCountKv: 2,
        feedForwardLength: 160,
        vocabSize: 512,
        vocabType: "llama",
        bosTokenId: 1,
        eosTokenId: 2,
        chatTemplate: null,
      });
      expect(info.deviceDescription).toMatch(/2 threads/);
      expect(info.tensorTypes.Q8_0).toBeGreaterThan(0);
      expect(info.tensors.find((t) => t.name === "token_embd.weight")).toMatchObject({ shape: [64, 512] });
      expect(info.endOfGenerationTokenIds).toContain(2);
      expect(info.parameterCount).toBeGreaterThan(64 * 512);
    } finally {
      model.dispose();
    }
  });

  it("rejects missing and corrupt files and bad options with codes", async () => {
    await expect(loadModel(dir.file("nope.gguf"), { device: "cpu" })).rejects.toMatchObject({ code: "IO" });
    const junk = dir.file("junk.gguf");
    await writeFile(junk, "this is not a model at all");
    await expect(loadModel(junk, { device: "cpu" })).rejects.toMatchObject({
      code: "INVALID_MODEL",
      message: expect.stringContaining("not a GGUF file"),
    });
    await expect(loadModel(junk, { threads: -1 })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});

describe.each(["q8_0", "f16"] as const)("continuous batching (%s)", (type) => {
  let model: Model;
  beforeAll(async () => {
    const path = await createSmallModel(dir, `batch-${type}.gguf`, { type, dim: 128, ffn: 256, seed: 5 });
    model = await loadModel(path, { device: "cpu", threads: 2, maxSequences: 4 });
  });
  afterAll(() => model?.dispose());

  it("gives each of a batch of 4 greedy sequences exactly its output alone", async () => {
    const prompts = [prompt(3, 1), prompt(17, 2), prompt(40, 3), prompt(9, 4)];
    const alone: number[][] = [];
    for (const p of prompts) alone.push((await model.generate(p, { ...GREEDY, maxTokens: 20 })).tokens);
    const together = await Promise.all(prompts.map((p) => model.generate(p, { ...GREEDY, maxTokens: 20 })));
    expect(together.map((r) => r.tokens)).toEqual(alone);
    expect(together.every((r) => r.finishReason === "length" && r.tokens.length === 20)).toBe(true);
  });

  it("queues requests beyond maxSequences and finishes them all", async () => {
    const results = await Promise.all(
      Array.from({ length: 7 }, (_, i) => model.generate(prompt(5, i), { ...GREEDY, maxTokens: 5 })),
    );
    expect(results.map((r) => r.tokens.length)).toEqual([5, 5, 5, 5, 5, 5, 5]);
  });

  it("samples the same tokens for the same seed, alone or batched", async () => {
    const options = { temperature: 1.2, topK: 0, topP: 1, maxTokens: 24, ignoreEos: true };
    const a = await model.generate(prompt(6, 9), { ...options, seed: 7 });
    const [b] = await Promise.all([
      model.generate(prompt(6, 9), { ...options, seed: 7 }),
      model.generate(prompt(11, 3), { ...options, seed: 8 }),
    ]);
    const c = await model.generate(prompt(6, 9), { ...options, seed: 99 });
    expect(b!.tokens).toEqual(a.tokens);
    expect(c.tokens).not.toEqual(a.tokens);
  });

  it("shares one prefill between requests with the same prompt, with the same results", async () => {
    const p = prompt(60, 5);
    const alone = await model.generate(p, { ...GREEDY, maxTokens: 12 });
    expect(alone.sharedPromptTokens).toBe(0);
    // The first starts from the cache `alone` left in its slot, the second copies the first's
    // (the first runs long enough to be alive when the second arrives).
    const [first, second] = await Promise.all([
      model.generate(p, { ...GREEDY, maxTokens: 150 }),
      model.generate(p, { ...GREEDY, maxTokens: 12 }),
    ]);
    expect(first!.sharedPromptTokens).toBe(p.length - 1);
    expect(second!.sharedPromptTokens).toBe(p.length - 1);
    expect(second!.tokens).toEqual(alone.tokens);
    expect(first!.tokens.slice(0, 12)).toEqual(alone.tokens);
  });

  it("starts the next turn of a conversation from the cache the previous one left", async () => {
    const turn1 = prompt(40, 6);
    const first = await model.generate(turn1, { ...GREEDY, maxTokens: 8 });
    const turn2 = [...turn1, ...first.tokens, 7, 8, 9];
    const second = await model.generate(turn2, { ...GREEDY, maxTokens: 4 });
    expect(second.sharedPromptTokens).toBe(turn1.length + first.tokens.length - 1);
    const logits = await model.evaluate(turn2);
    const last = logits.subarray((turn2.length - 1) * model.info.vocabSize);
    expect(second.tokens[0]).toBe(last.indexOf(Math.max(...last)));
  });

  it("returns every position's logits from evaluate, the last one giving the greedy token", async () => {
    const p = prompt(8, 1);
    const logits = await model.evaluate(p);
    expect(logits.length).toBe(p.length * model.info.vocabSize);
    const last = logits.subarray((p.length - 1) * model.info.vocabSize);
    const argmax = last.indexOf(Math.max(...last));
    expect((await model.generate(p, { ...GREEDY, maxTokens: 1 })).tokens).toEqual([argmax]);
  });
});

describe("streaming, stop strings and cancellation", () => {
  const TEXT = "Hello world! This is a test.";
  let model: Model;
  let loop: Model;
  beforeAll(async () => {
    const ids = llamaTokenizer.encode(TEXT, false, true) as number[];
    const chain = await createChainModel(dir, "chain.gguf", { chain: [...ids, 2], vocab: "llama2" });
    model = await loadModel(chain, { device: "cpu", threads: 2 });
    const looping = await createChainModel(dir, "loop.gguf", { chain: ids, vocab: "llama2" });
    loop = await loadModel(looping, { device: "cpu", threads: 2 });
  });
  afterAll(() => {
    model?.dispose();
    loop?.dispose();
  });
  const start = () => model.tokenize("Well,", { addBos: true });

  it("streams each token's text as it comes, ending at EOS", async () => {
    const pieces: { id: number; text: string }[] = [];
    const result = await model.generate(start(), { onToken: (t) => pieces.push(t) });
    expect(result.text).toBe(` ${TEXT}`);
    expect(result.finishReason).toBe("stop");
    expect(pieces.map((p) => p.id)).toEqual(result.tokens);
    expect(pieces.map((p) => p.text).join("")).toBe(result.text);
    expect(result.tokens.at(-1)).toBe(2);
  });

  it("keeps the event loop free while generating", async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    let tokens = 0;
    await loop.generate(start(), { maxTokens: 200, onToken: () => tokens++ });
    clearInterval(timer);
    expect(tokens).toBe(200);
    expect(ticks).toBeGreaterThan(3);
  });

  it("stops before a stop string and never streams any part of it", async () => {
    const pieces: string[] = [];
    const result = await model.generate(start(), {
      stop: ["nothing", "is a"],
      onToken: (t) => pieces.push(t.text),
    });
    expect(result.finishReason).toBe("stop");
    expect(result.text).toBe(" Hello world! This ");
    expect(pieces.join("")).toBe(result.text);
  });

  it("cancels between tokens through an AbortSignal", async () => {
    const controller = new AbortController();
    let seen = 0;
    const result = await loop.generate(start(), {
      maxTokens: 100_000,
      signal: controller.signal,
      onToken: () => {
        if (++seen === 5) controller.abort();
      },
    });
    expect(result.finishReason).toBe("cancelled");
    expect(result.tokens.length).toBeGreaterThanOrEqual(5);
    expect(result.tokens.length).toBeLessThan(200);
    const already = await loop.generate(start(), { signal: AbortSignal.abort() });
    expect(already.finishReason).toBe("cancelled");
  });

  it("rejects a prompt longer than the context, and bad ids, with codes", async () => {
    const context = model.info.contextLength;
    await expect(model.generate(new Array(context + 5).fill(5))).rejects.toMatchObject({
      code: "CONTEXT_OVERFLOW",
      message: expect.stringContaining(String(context + 5)),
    });
    await expect(model.generate([1, 999_999])).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(model.generate([])).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(model.generate([1], { topP: 0 })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(() => model.detokenize([1, -4])).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
  });

  it("clips maxTokens to the context", async () => {
    const context = model.info.contextLength;
    const result = await loop.generate(new Array(context - 3).fill(5), { maxTokens: 50 });
    expect(result.tokens.length).toBe(3);
    expect(result.finishReason).toBe("length");
  });
});

describe("promptCache: false", () => {
  it("computes every prompt, sharing only between requests running at once", async () => {
    const path = await createSmallModel(dir, "no-cache.gguf");
    const model = await loadModel(path, { device: "cpu", threads: 2, promptCache: false });
    try {
      const p = prompt(40, 2);
      const a = await model.generate(p, { ...GREEDY, maxTokens: 4 });
      const b = await model.generate(p, { ...GREEDY, maxTokens: 4 });
      expect([a.sharedPromptTokens, b.sharedPromptTokens]).toEqual([0, 0]);
      expect(b.tokens).toEqual(a.tokens);
    } finally {
      model.dispose();
    }
  });

  it("shares one prefill within a generateGroup, however short the sequences", async () => {
    const path = await createSmallModel(dir, "group.gguf");
    const model = await loadModel(path, { device: "cpu", threads: 2, promptCache: false, maxSequences: 3 });
    try {
      const p = prompt(40, 3);
      const alone = await model.generate(p, { ...GREEDY, maxTokens: 2 });
      // Three one-token completions: separately submitted, the first could finish before the
      // others reached the scheduler; as a group they are admitted together.
      const group = await Promise.all(
        model.generateGroup([0, 1, 2].map(() => ({ promptTokens: p, options: { ...GREEDY, maxTokens: 2 } }))),
      );
      expect(group.map((r) => r.sharedPromptTokens)).toEqual([0, p.length - 1, p.length - 1]);
      expect(group.map((r) => r.tokens)).toEqual([alone.tokens, alone.tokens, alone.tokens]);
      // One invalid request rejects the whole group and runs nothing.
      const bad = model.generateGroup([
        { promptTokens: p, options: GREEDY },
        { promptTokens: [1, 1_000_000], options: GREEDY },
      ]);
      await expect(Promise.all(bad)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
      await Promise.allSettled(bad);
    } finally {
      model.dispose();
    }
  });
});

describe("dispose", () => {
  it("ends running requests with DISPOSED and refuses later calls", async () => {
    const path = await createSmallModel(dir, "dispose.gguf");
    const model = await loadModel(path, { device: "cpu", threads: 2 });
    const running: Promise<GenerateResult> = model.generate(prompt(4, 1), { ...GREEDY, maxTokens: 200 });
    model.dispose();
    await expect(running).rejects.toMatchObject({ code: "DISPOSED" });
    expect(() => model.tokenize("a")).toThrow(expect.objectContaining({ code: "DISPOSED" }));
    await expect(model.generate([1])).rejects.toMatchObject({ code: "DISPOSED" });
    await expect(model.evaluate([1])).rejects.toMatchObject({ code: "DISPOSED" });
    model.dispose(); // twice is fine
  });
});
