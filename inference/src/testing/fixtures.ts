// Fixture builders for inference tests: temp directories and small generated GGUF models
// (never committed; *.gguf is gitignored).

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { type MakeModelOptions, makeModel } from "../make-model";

export interface TempDir {
  path: string;
  file(name: string): string;
  remove(): Promise<void>;
}

export async function createTempDir(prefix = "arbiter-inference-"): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return {
    path,
    file: (name) => join(path, name),
    remove: () => rm(path, { recursive: true, force: true }),
  };
}

export type SmallModelOptions = Partial<Omit<MakeModelOptions, "out">>;

/** A small random llama (dim 64, 2 layers, GQA 4/2 heads, 512-token vocabulary) written to dir. */
export async function createSmallModel(dir: TempDir, name: string, options: SmallModelOptions = {}): Promise<string> {
  const out = dir.file(name);
  await makeModel({
    out,
    dim: 64,
    layers: 2,
    heads: 4,
    kvHeads: 2,
    ffn: 160,
    type: "f32",
    vocab: 512,
    seed: 1,
    context: 256,
    ...options,
  });
  return out;
}
