import { readFile } from "node:fs/promises";

import { gguf } from "@huggingface/gguf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { GGML_TYPE_ID } from "./ggml-types";
import { makeModel, tensorTypeFor } from "./make-model";
import { createSmallModel, createTempDir, type TempDir } from "./testing/fixtures";
import { readGguf, readTensor } from "./testing/gguf-reader";

let dir: TempDir;
beforeAll(async () => {
  dir = await createTempDir();
});
afterAll(async () => {
  await dir.remove();
});

const LAYER_TENSORS = [
  "attn_norm",
  "attn_q",
  "attn_k",
  "attn_v",
  "attn_output",
  "ffn_norm",
  "ffn_gate",
  "ffn_up",
  "ffn_down",
];

function std(values: Float32Array): { mean: number; std: number } {
  let sum = 0;
  let sq = 0;
  for (const v of values) {
    sum += v;
    sq += v * v;
  }
  const mean = sum / values.length;
  return { mean, std: Math.sqrt(sq / values.length - mean * mean) };
}

describe("makeModel", () => {
  it("writes every llama key and tensor llama.cpp expects, with llama.cpp's names and shapes", async () => {
    const path = dir.file("keys.gguf");
    const made = await makeModel({
      out: path,
      dim: 128,
      layers: 3,
      heads: 8,
      kvHeads: 2,
      ffn: 352,
      type: "q8_0",
      vocab: 1000,
      context: 2048,
    });
    const { metadata, tensorInfos } = await gguf(path, { allowLocalFile: true });
    const m = metadata as unknown as Record<string, unknown>;
    expect(m["general.architecture"]).toBe("llama");
    expect(m["general.file_type"]).toBe(7);
    expect(m["general.quantization_version"]).toBe(2);
    expect(m["llama.context_length"]).toBe(2048);
    expect(m["llama.embedding_length"]).toBe(128);
    expect(m["llama.block_count"]).toBe(3);
    expect(m["llama.feed_forward_length"]).toBe(352);
    expect(m["llama.attention.head_count"]).toBe(8);
    expect(m["llama.attention.head_count_kv"]).toBe(2);
    expect(m["llama.rope.dimension_count"]).toBe(16);
    expect(m["llama.rope.freq_base"]).toBe(10000);
    expect(m["llama.attention.layer_norm_rms_epsilon"]).toBeCloseTo(1e-5, 10);
    expect(m["tokenizer.ggml.model"]).toBe("llama");
    expect((m["tokenizer.ggml.tokens"] as string[]).length).toBe(1000);
    expect((m["tokenizer.ggml.scores"] as number[]).length).toBe(1000);
    expect((m["tokenizer.ggml.token_type"] as number[]).length).toBe(1000);
    expect([
      m["tokenizer.ggml.bos_token_id"],
      m["tokenizer.ggml.eos_token_id"],
      m["tokenizer.ggml.unknown_token_id"],
    ]).toEqual([1, 2, 0]);
    expect(m["tokenizer.ggml.add_bos_token"]).toBe(true);
    expect(m["tokenizer.ggml.add_space_prefix"]).toBe(true);

    const expected: [string, number[], number][] = [["token_embd.weight", [128, 1000], GGML_TYPE_ID.Q8_0]];
    for (let l = 0; l < 3; l++) {
      const shapes: Record<string, number[]> = {
        attn_norm: [128],
        attn_q: [128, 128],
        attn_k: [128, 32],
        attn_v: [128, 32],
        attn_output: [128, 128],
        ffn_norm: [128],
        ffn_gate: [128, 352],
        ffn_up: [128, 352],
        ffn_down: [352, 128],
      };
      for (const t of LAYER_TENSORS)
        expected.push([
          `blk.${l}.${t}.weight`,
          shapes[t]!,
          t.endsWith("norm") ? GGML_TYPE_ID.F32 : GGML_TYPE_ID.Q8_0,
        ]);
    }
    expected.push(
      ["output_norm.weight", [128], GGML_TYPE_ID.F32],
      ["output.weight", [128, 1000], GGML_TYPE_ID.Q8_0],
    );
    expect(tensorInfos.map((t) => [t.name, t.shape.map(Number), Number(t.dtype)])).toEqual(expected);
    expect(made.tensorCount).toBe(expected.length);
    expect(made.parameterCount).toBe(
      expected.reduce((n, [, shape]) => n + shape.reduce((a, b) => a * b, 1), 0),
    );
  }, 60_000);

  it("draws norms near 1 and weights with std 1/sqrt(n_in), the same for the same seed", async () => {
    const a = await createSmallModel(dir, "seed-a.gguf", { seed: 5 });
    const b = await createSmallModel(dir, "seed-b.gguf", { seed: 5 });
    const c = await createSmallModel(dir, "seed-c.gguf", { seed: 6 });
    const [bytesA, bytesB, bytesC] = await Promise.all([a, b, c].map((p) => readFile(p)));
    expect(Buffer.compare(bytesA!, bytesB!)).toBe(0);
    expect(Buffer.compare(bytesA!, bytesC!)).not.toBe(0);

    const file = readGguf(new Uint8Array(bytesA!));
    const norm = std(readTensor(file, "blk.1.ffn_norm.weight").values);
    expect(norm.mean).toBeGreaterThan(0.97);
    expect(norm.mean).toBeLessThan(1.03);
    expect(norm.std).toBeLessThan(0.1);
    const down = std(readTensor(file, "blk.0.ffn_down.weight").values); // n_in = ffn = 160
    expect(down.std).toBeGreaterThan(0.9 / Math.sqrt(160));
    expect(down.std).toBeLessThan(1.1 / Math.sqrt(160));
  });

  it.each(["f32", "f16", "bf16", "q8_0", "q4_0"] as const)(
    "writes %s weights and token embedding, quantized or sampled as random blocks",
    async (type) => {
      for (const randomBlocks of [false, true]) {
        const path = await createSmallModel(dir, `${type}-${randomBlocks}.gguf`, {
          type,
          randomBlocks,
          tied: true,
        });
        const file = readGguf(new Uint8Array(await readFile(path)));
        expect(file.tensors.some((t) => t.name === "output.weight")).toBe(false);
        const typeName = type.toUpperCase();
        expect(file.tensors.find((t) => t.name === "token_embd.weight")!.typeName).toBe(typeName);
        expect(file.tensors.find((t) => t.name === "blk.0.attn_q.weight")!.typeName).toBe(typeName);
        expect(file.tensors.find((t) => t.name === "output_norm.weight")!.typeName).toBe("F32");
        const q = std(readTensor(file, "blk.0.attn_q.weight").values);
        expect(q.std).toBeGreaterThan(0.85 / 8);
        expect(q.std).toBeLessThan(1.15 / 8);
        expect(Math.abs(q.mean)).toBeLessThan(0.01);
      }
    },
  );

  it("mixes types as llama-quantize's Q4_K_M does, with its fallbacks, in a file @huggingface/gguf reads", async () => {
    // 16 layers: use_more_bits picks layers 0, 1 (first eighth), 4, 7, 10, 13 (every third
    // after), 14, 15 (last eighth) for Q6_K attn_v and ffn_down. ffn 288 is not a multiple of
    // 256, so ffn_down falls back: Q4_K -> Q5_0, Q6_K -> Q8_0.
    const path = dir.file("q4_k_m.gguf");
    const made = await makeModel({
      out: path,
      dim: 256,
      layers: 16,
      heads: 4,
      kvHeads: 2,
      ffn: 288,
      type: "q4_k_m",
      vocab: 400,
    });
    const { metadata, tensorInfos } = await gguf(path, { allowLocalFile: true });
    expect((metadata as unknown as Record<string, unknown>)["general.file_type"]).toBe(15);
    const typeOf = (name: string) => tensorInfos.find((t) => t.name === name)!.dtype;
    const moreBits = [0, 1, 4, 7, 10, 13, 14, 15];
    for (let l = 0; l < 16; l++) {
      const more = moreBits.includes(l);
      expect(typeOf(`blk.${l}.attn_v.weight`), `layer ${l}`).toBe(
        more ? GGML_TYPE_ID.Q6_K : GGML_TYPE_ID.Q4_K,
      );
      expect(typeOf(`blk.${l}.ffn_down.weight`), `layer ${l}`).toBe(
        more ? GGML_TYPE_ID.Q8_0 : GGML_TYPE_ID.Q5_0,
      );
      for (const name of ["attn_q", "attn_k", "attn_output", "ffn_gate", "ffn_up"])
        expect(typeOf(`blk.${l}.${name}.weight`)).toBe(GGML_TYPE_ID.Q4_K);
    }
    expect(typeOf("output.weight")).toBe(GGML_TYPE_ID.Q6_K);
    expect(typeOf("token_embd.weight")).toBe(GGML_TYPE_ID.Q4_K);
    expect(made.tensorTypes).toEqual({ Q4_K: 1 + 16 * 5 + 8, Q6_K: 1 + 8, Q5_0: 8, Q8_0: 8, F32: 33 });
  }, 60_000);

  it("gives a tied output's Q6_K to token_embd and falls back to Q8_0 for rows that are not super-blocks", () => {
    const at = (name: string, cols: number, tied = false) =>
      tensorTypeFor("q4_k_m", { name, cols, layer: null, layers: 8, tied });
    expect(at("token_embd.weight", 4096, true)).toBe("Q6_K");
    expect(at("token_embd.weight", 4096)).toBe("Q4_K");
    expect(at("output.weight", 4096)).toBe("Q6_K");
    expect(at("output.weight", 4000)).toBe("Q8_0");
    expect(
      tensorTypeFor("q4_k", { name: "blk.0.ffn_down.weight", cols: 5504, layer: 0, layers: 32, tied: false }),
    ).toBe("Q5_0");
    expect(
      tensorTypeFor("q6_k", { name: "blk.0.ffn_down.weight", cols: 5504, layer: 0, layers: 32, tied: false }),
    ).toBe("Q8_0");
    expect(
      tensorTypeFor("q8_0", { name: "blk.0.ffn_down.weight", cols: 5504, layer: 0, layers: 32, tied: false }),
    ).toBe("Q8_0");
  });

  it.each(["q4_k", "q6_k", "q5_0"] as const)(
    "writes %s files whose tensors @huggingface/gguf reads",
    async (type) => {
      const path = dir.file(`${type}.gguf`);
      await makeModel({ out: path, dim: 256, layers: 1, heads: 4, kvHeads: 4, ffn: 512, type, vocab: 400 });
      const { tensorInfos } = await gguf(path, { allowLocalFile: true });
      const expected = GGML_TYPE_ID[type.toUpperCase() as "Q4_K" | "Q6_K" | "Q5_0"];
      expect(tensorInfos.filter((t) => t.dtype === expected)).toHaveLength(9);
      // The reader dequantizes what the writer encoded: weights with std 1/sqrt(n_in).
      const file = readGguf(new Uint8Array(await readFile(path)));
      const { values } = readTensor(file, "blk.0.ffn_gate.weight");
      expect(std(values).std).toBeGreaterThan(0.8 / 16);
      expect(std(values).std).toBeLessThan(1.2 / 16);
    },
  );

  it("embeds the full Llama 2 vocabulary on request", async () => {
    const path = await createSmallModel(dir, "llama2-vocab.gguf", { vocab: "llama2" });
    const file = readGguf(new Uint8Array(await readFile(path)));
    const tokens = file.metadata.get("tokenizer.ggml.tokens")!.value as string[];
    expect(tokens.length).toBe(32000);
    expect(tokens[15043]).toBe("▁Hello");
    expect(file.tensors.find((t) => t.name === "output.weight")!.shape).toEqual([64, 32000]);
  }, 60_000);

  it("rejects shapes a llama cannot have", async () => {
    const base = {
      out: dir.file("bad.gguf"),
      dim: 64,
      layers: 1,
      heads: 4,
      kvHeads: 2,
      ffn: 128,
      type: "q8_0" as const,
      vocab: 400,
    };
    await expect(makeModel({ ...base, heads: 5 })).rejects.toThrow(/not divisible by --heads/);
    await expect(makeModel({ ...base, kvHeads: 3 })).rejects.toThrow(/multiple of --kv-heads/);
    await expect(makeModel({ ...base, ffn: 100 })).rejects.toThrow(/--ffn 100 must be a multiple of 32/);
    await expect(makeModel({ ...base, dim: 48, heads: 4 })).rejects.toThrow(
      /--dim 48 must be a multiple of 32/,
    );
    await expect(makeModel({ ...base, dim: 36, heads: 4, type: "f32" })).rejects.toThrow(
      /head size 9 must be even/,
    );
    await expect(makeModel({ ...base, layers: 0 })).rejects.toThrow(/--layers must be a positive integer/);
    await expect(makeModel({ ...base, type: "q5_1" as never })).rejects.toThrow(/--type must be one of/);
  });
});
