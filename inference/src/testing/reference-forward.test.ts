// Checks of the float64 reference itself, before anything is measured against it: closed-form
// cases, causality, GQA == MHA with repeated K/V heads, tied == untied with a copied embedding.

import { readFile, writeFile } from "node:fs/promises";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { encodeTensorData, ggufValue } from "../gguf-writer";
import { createChainModel, createSmallModel, createTempDir, type TempDir } from "./fixtures";
import { editGguf } from "./gguf-edit";
import { readGguf, type ReadGguf, readTensor } from "./gguf-reader";
import { applyRope, loadReferenceModel, referenceForward } from "./reference-forward";

let dir: TempDir;
let base: ReadGguf;
let basePath: string;
beforeAll(async () => {
  dir = await createTempDir();
  basePath = await createSmallModel(dir, "base.gguf"); // dim 64, 4 heads, 2 kv heads, f32
  base = readGguf(new Uint8Array(await readFile(basePath)));
});
afterAll(async () => {
  await dir.remove();
});

async function variant(name: string, edit: Parameters<typeof editGguf>[1]): Promise<string> {
  const path = dir.file(name);
  await writeFile(path, editGguf(base, edit));
  return path;
}

function maxRelativeDifference(a: Float64Array[], b: Float64Array[]): number {
  let worst = 0;
  a.forEach((row, p) => {
    const scale = Math.max(...Array.from(b[p]!, Math.abs));
    row.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - b[p]![i]!) / scale)));
  });
  return worst;
}

const TOKENS = [1, 17, 300, 45, 45, 2, 511, 100];

describe("referenceForward", () => {
  it("rotates pairs (2i, 2i+1) by pos * base^(-2i/rope_dim)", () => {
    const v = Float64Array.from([1, 0, 0, 1]);
    applyRope(v, 1, 4, 1, { ropeFreqBase: 10000, ropeDim: 4 });
    expect(Array.from(v)).toEqual([Math.cos(1), Math.sin(1), -Math.sin(0.01), Math.cos(0.01)]);
    // rope_dim < head_dim leaves the last dimensions alone.
    const w = Float64Array.from([1, 0, 5, 6]);
    applyRope(w, 1, 4, 3, { ropeFreqBase: 10000, ropeDim: 2 });
    expect(Array.from(w)).toEqual([Math.cos(3), Math.sin(3), 5, 6]);
  });

  it("reduces to output · rmsnorm(embedding) when attention and FFN outputs are zero", async () => {
    const zero = (shape: number[]) => ({
      type: "F32" as const,
      shape,
      data: encodeTensorData("F32", new Float32Array(shape[0]! * shape[1]!)),
    });
    const path = await variant("no-blocks.gguf", {
      tensors: Object.fromEntries(
        [0, 1].flatMap((l) => [
          [`blk.${l}.attn_output.weight`, zero([64, 64])],
          [`blk.${l}.ffn_down.weight`, zero([160, 64])],
        ]),
      ),
    });
    const logits = referenceForward(loadReferenceModel(path), [7, 9]);
    const embd = readTensor(base, "token_embd.weight").values;
    const norm = readTensor(base, "output_norm.weight").values;
    const out = readTensor(base, "output.weight").values;
    [7, 9].forEach((token, p) => {
      const x = Array.from(embd.subarray(token * 64, token * 64 + 64));
      const scale = 1 / Math.sqrt(x.reduce((s, v) => s + v * v, 0) / 64 + 1e-5);
      const h = x.map((v, i) => v * scale * norm[i]!);
      for (const row of [0, 3, 511]) {
        const expected = h.reduce((s, v, i) => s + v * out[row * 64 + i]!, 0);
        expect(logits[p]![row]).toBeCloseTo(expected, 9);
      }
    });
  });

  it("is causal: later tokens do not change earlier logits", () => {
    const model = loadReferenceModel(basePath);
    const full = referenceForward(model, TOKENS);
    const prefix = referenceForward(model, TOKENS.slice(0, 4));
    expect(maxRelativeDifference(prefix, full.slice(0, 4))).toBeLessThan(1e-12);
    expect(maxRelativeDifference([full[4]!], [prefix[3]!])).toBeGreaterThan(1e-3);
  });

  it("gives grouped-query attention the same result as MHA with each K/V head repeated", async () => {
    // kv head j serves query heads 2j and 2j+1: repeat each 16-row block of wk/wv twice.
    const tensors: Record<string, { type: "F32"; shape: number[]; data: Uint8Array }> = {};
    for (const l of [0, 1]) {
      for (const t of ["attn_k", "attn_v"]) {
        const w = readTensor(base, `blk.${l}.${t}.weight`).values; // [64 cols x 32 rows]
        const repeated = new Float32Array(64 * 64);
        for (let head = 0; head < 4; head++)
          repeated.set(
            w.subarray(Math.floor(head / 2) * 16 * 64, (Math.floor(head / 2) + 1) * 16 * 64),
            head * 16 * 64,
          );
        tensors[`blk.${l}.${t}.weight`] = {
          type: "F32",
          shape: [64, 64],
          data: encodeTensorData("F32", repeated),
        };
      }
    }
    const mha = await variant("mha.gguf", {
      tensors,
      setKeys: { "llama.attention.head_count_kv": ggufValue.uint32(4) },
    });
    const gqaLogits = referenceForward(loadReferenceModel(basePath), TOKENS);
    const mhaLogits = referenceForward(loadReferenceModel(mha), TOKENS);
    expect(maxRelativeDifference(gqaLogits, mhaLogits)).toBeLessThan(1e-12);
  });

  it("uses token_embd as the output matrix when output.weight is absent", async () => {
    const embd = readTensor(base, "token_embd.weight").values;
    const untied = await variant("untied-copy.gguf", {
      tensors: { "output.weight": { type: "F32", shape: [64, 512], data: encodeTensorData("F32", embd) } },
    });
    const tied = await variant("tied.gguf", { dropTensors: ["output.weight"] });
    const tiedModel = loadReferenceModel(tied);
    expect(tiedModel.tiedOutput).toBe(true);
    expect(
      maxRelativeDifference(
        referenceForward(tiedModel, TOKENS),
        referenceForward(loadReferenceModel(untied), TOKENS),
      ),
    ).toBe(0);
  });

  it("keeps activations sane through many layers of a generated model", async () => {
    const path = await createSmallModel(dir, "deep.gguf", { layers: 16, type: "q4_0" });
    const logits = referenceForward(loadReferenceModel(path), TOKENS);
    for (const row of logits) {
      const rms = Math.sqrt(row.reduce((s, v) => s + v * v, 0) / row.length);
      expect(rms).toBeGreaterThan(0.3);
      expect(rms).toBeLessThan(3);
    }
  });
});

describe("createChainModel", () => {
  it("makes greedy decoding follow the chain from any prompt, then loop", async () => {
    const chain = [300, 12, 511, 40, 2];
    const model = loadReferenceModel(await createChainModel(dir, "chain.gguf", { chain }));
    const argmax = (row: Float64Array) => row.indexOf(Math.max(...row));
    const tokens = [1, 77];
    for (let i = 0; i < 7; i++) tokens.push(argmax(referenceForward(model, tokens).at(-1)!));
    expect(tokens.slice(2)).toEqual([300, 12, 511, 40, 2, 300, 12]);
    const last = referenceForward(model, [5]).at(-1)!;
    const sorted = Array.from(last).sort((a, b) => b - a);
    expect(sorted[0]! - sorted[1]!).toBeGreaterThan(50);
  });
});
