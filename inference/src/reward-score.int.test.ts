// Reward-model scoring (Model.score): a llama file with a scalar score head (make-model
// --reward-head) against the float64 reference of the same head, the shared-prompt batch against
// each response scored alone, the loader's refusals, and the server's vLLM-shaped POST /pooling.

import { readFile, writeFile } from "node:fs/promises";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ggufValue } from "./gguf-writer";
import { loadModel, type Model } from "./index";
import { InferenceServer } from "./server";
import { createSmallModel, createTempDir, type TempDir } from "./testing/fixtures";
import { editGguf } from "./testing/gguf-edit";
import { readGguf } from "./testing/gguf-reader";
import { loadReferenceModel, referenceScore } from "./testing/reference-forward";

// F32 weights: float32 accumulation against float64, over a 2-layer dim-64 model (~1e-6 seen).
const TOLERANCE = 1e-4;

const PROMPT = [1, 17, 300, 45, 45, 2, 511, 100, 9];
const RESPONSES = [[250, 3, 77], [5], [400, 401, 402, 403, 404, 405], [77, 3], [12, 13, 14, 15]];

let dir: TempDir;
let rewardPath: string;
let model: Model;

beforeAll(async () => {
  dir = await createTempDir();
  rewardPath = await createSmallModel(dir, "reward.gguf", { rewardHead: true });
  model = await loadModel(rewardPath, { device: "cpu", threads: 2, contextLength: 64, maxSequences: 8 });
});

afterAll(async () => {
  model?.dispose();
  await dir?.remove();
});

describe("Model.score", () => {
  it("reports the head and matches the float64 reference of the same head", async () => {
    expect(model.info.scoreHead).toBe(true);
    const reference = loadReferenceModel(rewardPath);
    const results = await model.score(PROMPT, RESPONSES);
    expect(results).toHaveLength(RESPONSES.length);
    results.forEach((result, i) => {
      const expected = referenceScore(reference, [...PROMPT, ...RESPONSES[i]!]);
      expect(result.tokens).toBe(PROMPT.length + RESPONSES[i]!.length);
      expect(Math.abs(result.score - expected)).toBeLessThan(TOLERANCE * Math.max(1, Math.abs(expected)));
    });
    // Different responses get different scores (the head is not reading a constant).
    expect(new Set(results.map((r) => r.score)).size).toBe(RESPONSES.length);
  });

  it("prefills the shared prompt once, and each score equals the response scored alone", async () => {
    const batched = await model.score(PROMPT, RESPONSES);
    // Every member after the first copies the prompt from an earlier member's cache.
    expect(batched.slice(1).every((r) => r.sharedPromptTokens >= PROMPT.length)).toBe(true);
    for (const [i, response] of RESPONSES.entries()) {
      const [alone] = await model.score(PROMPT, [response]);
      expect(alone!.score).toBe(batched[i]!.score);
    }
  });

  it("scores more responses than there are slots, in waves, with the same scores", async () => {
    const small = await loadModel(rewardPath, {
      device: "cpu",
      threads: 2,
      contextLength: 64,
      maxSequences: 2,
    });
    try {
      const many = [...RESPONSES, [9, 9, 9], [100]];
      const waves = await small.score(PROMPT, many);
      const alone = await Promise.all(many.map(async (r) => (await model.score(PROMPT, [r]))[0]!.score));
      expect(waves.map((r) => r.score)).toEqual(alone);
    } finally {
      small.dispose();
    }
  });

  it("scores an empty response on the prompt's last token", async () => {
    const [empty] = await model.score(PROMPT, [[]]);
    expect(Math.abs(empty!.score - referenceScore(loadReferenceModel(rewardPath), PROMPT))).toBeLessThan(
      TOLERANCE * Math.max(1, Math.abs(empty!.score)),
    );
  });

  it("refuses a model without a score head, and bad arguments", async () => {
    const plain = await loadModel(await createSmallModel(dir, "plain.gguf"), {
      device: "cpu",
      threads: 2,
      contextLength: 64,
    });
    try {
      expect(plain.info.scoreHead).toBe(false);
      await expect(plain.score(PROMPT, RESPONSES)).rejects.toMatchObject({
        code: "UNSUPPORTED",
        message: expect.stringContaining("no score head"),
      });
    } finally {
      plain.dispose();
    }
    await expect(model.score(PROMPT, [])).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(model.score(PROMPT, [[512]])).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(model.score(PROMPT, [new Array(60).fill(3)])).rejects.toMatchObject({
      code: "CONTEXT_OVERFLOW",
    });
  });
});

describe("loading a score head", () => {
  async function edited(name: string, edit: Parameters<typeof editGguf>[1]): Promise<string> {
    const path = dir.file(name);
    await writeFile(path, editGguf(readGguf(new Uint8Array(await readFile(rewardPath))), edit));
    return path;
  }

  it("refuses a head with more than one output", async () => {
    const path = await edited("two-outputs.gguf", {
      tensors: { "cls.output.weight": { type: "F32", shape: [64, 2], data: new Uint8Array(64 * 2 * 4) } },
    });
    await expect(loadModel(path, { device: "cpu", threads: 2, contextLength: 64 })).rejects.toMatchObject({
      code: "UNSUPPORTED",
      message: expect.stringContaining("only a scalar score head"),
    });
  });

  it("refuses pooling other than LAST or RANK, and accepts LAST", async () => {
    const mean = await edited("mean.gguf", { setKeys: { "llama.pooling_type": ggufValue.uint32(1) } });
    await expect(loadModel(mean, { device: "cpu", threads: 2, contextLength: 64 })).rejects.toMatchObject({
      code: "UNSUPPORTED",
      message: expect.stringContaining("llama.pooling_type LAST (3) or RANK (4)"),
    });
    const none = await edited("no-pooling.gguf", { dropKeys: ["llama.pooling_type"] });
    await expect(loadModel(none, { device: "cpu", threads: 2, contextLength: 64 })).rejects.toMatchObject({
      code: "UNSUPPORTED",
    });
    const last = await edited("last.gguf", { setKeys: { "llama.pooling_type": ggufValue.uint32(3) } });
    const lastModel = await loadModel(last, { device: "cpu", threads: 2, contextLength: 64 });
    try {
      const [a] = await lastModel.score(PROMPT, [RESPONSES[0]!]);
      const [b] = await model.score(PROMPT, [RESPONSES[0]!]);
      expect(a!.score).toBe(b!.score);
    } finally {
      lastModel.dispose();
    }
  });
});

describe("POST /pooling", () => {
  let server: InferenceServer;
  let url: string;
  const post = (body: unknown) =>
    fetch(`${url}/pooling`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    server = new InferenceServer({ modelName: "rm", maxBodyBytes: 10_000 });
    server.setModel(model, { bosToken: "<s>", eosToken: "</s>" });
    url = `http://127.0.0.1:${(await server.listen(0)).port}`;
  });

  afterAll(async () => {
    await server?.close();
  });

  const tokens = (text: string) => model.tokenize(text, { addBos: model.info.addBosToken });

  it("answers vLLM's pooling shape, one score per input, equal to Model.score", async () => {
    const inputs = ["Question: 2+2? Answer: 4", "Question: 2+2? Answer: 5", "Something else"];
    const response = await post({ model: "rm", input: inputs });
    expect(response.status).toBe(200);
    const body = await response.json();
    const expected = await Promise.all(
      inputs.map(async (text) => (await model.score([], [tokens(text)]))[0]!.score),
    );
    const promptTokens = inputs.reduce((sum, text) => sum + tokens(text).length, 0);
    expect(body).toEqual({
      id: expect.stringMatching(/^pool-[0-9a-f]{32}$/),
      object: "list",
      created: expect.any(Number),
      model: "rm",
      data: expected.map((score, index) => ({ index, object: "pooling", data: [score] })),
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens, completion_tokens: 0 },
    });

    const single = await (await post({ model: "rm", input: inputs[1] })).json();
    expect(single.data).toEqual([{ index: 0, object: "pooling", data: [expected[1]] }]);
  });

  it("scores a conversation given as messages, its assistant turn included", async () => {
    const conversation = (answer: string) => ({
      model: "rm",
      messages: [
        { role: "user", content: "What is 2+2?" },
        { role: "assistant", content: answer },
      ],
    });
    const [four, five] = await Promise.all([post(conversation("4")), post(conversation("5"))]);
    expect([four.status, five.status]).toEqual([200, 200]);
    const [a, b] = [await four.json(), await five.json()];
    expect(a.data).toHaveLength(1);
    expect(Number.isFinite(a.data[0].data[0])).toBe(true);
    expect(a.data[0].data[0]).not.toBe(b.data[0].data[0]);
    expect(a.usage.prompt_tokens).toBeGreaterThan(0);

    // A list of conversations (Arbiter's extension) is one request, each scored as it is alone.
    const both = await post({
      model: "rm",
      messages: [conversation("4").messages, conversation("5").messages],
    });
    expect(both.status).toBe(200);
    const batched = await both.json();
    expect(batched.data.map((row: { index: number }) => row.index)).toEqual([0, 1]);
    const [batchedFour, batchedFive] = batched.data.map((row: { data: number[] }) => row.data[0]);
    // Scored in one group (a shared prefix's prefill): float32 sums in another order.
    expect(batchedFour).toBeCloseTo(a.data[0].data[0], 4);
    expect(batchedFive).toBeCloseTo(b.data[0].data[0], 4);
    expect(batched.usage.prompt_tokens).toBe(a.usage.prompt_tokens + b.usage.prompt_tokens);
  });

  it("refuses bad requests with the server's 400 shape, and oversized bodies", async () => {
    for (const body of [
      { model: "rm" },
      { input: "a", messages: [{ role: "user", content: "a" }] },
      { input: [] },
    ]) {
      const response = await post(body);
      expect(response.status).toBe(400);
      expect((await response.json()).error).toMatchObject({ type: "invalid_request_error" });
    }
    const tooMany = await post({ input: Array.from({ length: 17 }, (_, i) => `input ${i}`) });
    expect(tooMany.status).toBe(400);
    expect((await tooMany.json()).error.code).toBe("too_many_sequences");
    const tooLong = await post({ input: "x ".repeat(200) });
    expect(tooLong.status).toBe(400);
    expect((await tooLong.json()).error.code).toBe("context_length_exceeded");
    const huge = await post({ input: "x".repeat(20_000) });
    expect(huge.status).toBe(413);
    expect(server.activeSequences).toBe(0);
  });

  it("answers 400 when the model has no score head", async () => {
    const plain = await loadModel(await createSmallModel(dir, "plain-server.gguf"), {
      device: "cpu",
      threads: 2,
      contextLength: 64,
    });
    const plainServer = new InferenceServer({ modelName: "plain" });
    plainServer.setModel(plain, { bosToken: "<s>", eosToken: "</s>" });
    try {
      const address = await plainServer.listen(0);
      const response = await fetch(`http://127.0.0.1:${address.port}/pooling`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "plain", input: "hello" }),
      });
      expect(response.status).toBe(400);
      expect((await response.json()).error).toMatchObject({
        type: "invalid_request_error",
        code: "not_a_reward_model",
        message: expect.stringContaining("no score head"),
      });
    } finally {
      await plainServer.close();
      plain.dispose();
    }
  });
});
