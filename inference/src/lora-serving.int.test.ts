// LoRA adapters through the outer contracts: the `infer` CLI (make-lora, convert-lora,
// generate --lora, bench --lora) and the OpenAI-compatible server, which lists each adapter as a
// model and picks it by the request's `model`, as vLLM serves LoRA modules.

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { loadModel, type Model } from "./index";
import { InferenceServer } from "./server";
import { createSmallModel, createTempDir, type TempDir } from "./testing/fixtures";
import { infer, inferJson } from "./testing/infer-cli";

let dir: TempDir;
let base: string;
let sft: string;
let rlhf: string;
beforeAll(async () => {
  dir = await createTempDir("arbiter-lora-serving-");
  base = await createSmallModel(dir, "base.gguf", { type: "q8_0", dim: 128, ffn: 352, heads: 4, kvHeads: 2 });
  sft = dir.file("sft.gguf");
  rlhf = dir.file("rlhf.gguf");
  // One adapter written directly, one converted from a PEFT folder.
  expect(
    await inferJson("make-lora", "--base", base, "--out", sft, "--rank", "8", "--seed", "1"),
  ).toMatchObject({ pairs: 14 });
  const peft = dir.file("rlhf-peft");
  await inferJson(
    "make-lora",
    "--base",
    base,
    "--out",
    peft,
    "--rank",
    "16",
    "--alpha",
    "32",
    "--type",
    "f32",
    "--peft",
    "--seed",
    "2",
  );
  expect(await inferJson("convert-lora", "--peft", peft, "--base", base, "--out", rlhf)).toEqual({
    out: rlhf,
    pairs: 14,
    alpha: 32,
    type: "F32",
  });
}, 120_000);
afterAll(async () => {
  await dir?.remove();
});

describe("infer --lora", () => {
  it("generate gives one completion per adapter, each the engine's greedy output with that adapter", async () => {
    const out = await inferJson(
      "generate",
      "--model",
      base,
      "--prompt",
      "hello world",
      "--temperature",
      "0",
      "--max-tokens",
      "6",
      "--lora",
      sft,
      "--lora",
      `${rlhf}:0.5`,
    );
    const runs = out.adapters as { path: string; scale: number; tokens: number[] }[];
    expect(runs.map((r) => [r.path, r.scale])).toEqual([
      [sft, 1],
      [rlhf, 0.5],
    ]);
    const model = await loadModel(base, {
      device: "cpu",
      threads: 2,
      adapters: [{ path: sft }, { path: rlhf, scale: 0.5 }],
    });
    try {
      const prompt = model.tokenize("hello world", { addBos: true });
      for (const [adapter, run] of runs.entries()) {
        expect(run.tokens).toEqual(
          (await model.generate(prompt, { temperature: 0, maxTokens: 6, adapter })).tokens,
        );
      }
    } finally {
      model.dispose();
    }
  }, 60_000);

  it("bench runs the batch over the adapters and reports them", async () => {
    const out = await inferJson(
      "bench",
      "--model",
      base,
      "--prompt-tokens",
      "8",
      "--gen-tokens",
      "4",
      "--batch",
      "2",
      "--lora",
      sft,
      "--lora",
      rlhf,
    );
    expect((out.adapters as { path: string }[]).map((a) => a.path)).toEqual([sft, rlhf]);
    expect((out.results as { batch: number }[])[0]!.batch).toBe(2);
  }, 60_000);

  it("refuses an adapter made for another base, with the reason", async () => {
    const other = await createSmallModel(dir, "other.gguf", { dim: 64 });
    const run = await infer("generate", "--model", other, "--prompt", "hi", "--lora", sft);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/INVALID_MODEL: LoRA adapter .*wrong base model/);
  }, 60_000);
});

describe("server with adapters", () => {
  let model: Model;
  let server: InferenceServer;
  let url: string;
  beforeAll(async () => {
    model = await loadModel(base, {
      device: "cpu",
      threads: 2,
      contextLength: 128,
      maxSequences: 4,
      adapters: [{ path: sft }, { path: rlhf }],
    });
    server = new InferenceServer({ modelName: "base", adapterNames: ["sft", "rlhf-v1"] });
    server.setModel(model, { bosToken: "<s>", eosToken: "</s>" });
    url = `http://127.0.0.1:${(await server.listen(0)).port}`;
  });
  afterAll(async () => {
    await server?.close();
    model?.dispose();
  });

  it("lists the base and each adapter, naming its parent", async () => {
    const list = (await (await fetch(`${url}/v1/models`)).json()) as {
      data: { id: string; parent?: string }[];
    };
    expect(list.data.map((m) => [m.id, m.parent])).toEqual([
      ["base", undefined],
      ["sft", "base"],
      ["rlhf-v1", "base"],
    ]);
    const card = (await (await fetch(`${url}/v1/models/rlhf-v1`)).json()) as { id: string };
    expect(card.id).toBe("rlhf-v1");
    expect((await fetch(`${url}/v1/models/nope`)).status).toBe(404);
  });

  it("runs the adapter the request's model names, in one batch with the others", async () => {
    const prompt = "the quick brown fox";
    const tokens = model.tokenize(prompt, { addBos: true });
    const expected = await Promise.all(
      [undefined, 0, 1].map(
        async (adapter) =>
          (await model.generate(tokens, { temperature: 0, maxTokens: 8, ignoreEos: true, adapter })).text,
      ),
    );
    const answers = await Promise.all(
      ["base", "sft", "rlhf-v1"].map(async (name) => {
        const res = await fetch(`${url}/v1/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ model: name, prompt, max_tokens: 8, temperature: 0, ignore_eos: true }),
        });
        expect(res.status).toBe(200);
        return (await res.json()) as { model: string; choices: { text: string }[] };
      }),
    );
    expect(answers.map((a) => a.model)).toEqual(["base", "sft", "rlhf-v1"]);
    expect(answers.map((a) => a.choices[0]!.text)).toEqual(expected);
    expect(new Set(expected).size).toBe(3);
  });
});
