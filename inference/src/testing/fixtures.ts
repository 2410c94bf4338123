// Fixture builders for inference tests: temp directories and small generated GGUF models
// (never committed; *.gguf is gitignored).

import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { encodeTensorData } from "../gguf-writer";
import { type MakeModelOptions, makeModel, tensorTypeFor } from "../make-model";
import { editGguf } from "./gguf-edit";
import { readGguf } from "./gguf-reader";

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
export async function createSmallModel(
  dir: TempDir,
  name: string,
  options: SmallModelOptions = {},
): Promise<string> {
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

export interface ChainModelOptions {
  /**
   * Greedy output, whatever the prompt: chain[0], chain[1], ... Each token except the last
   * must appear once. After the last token generation goes back to chain[0] (make the last
   * token EOS (2) for a sequence that ends).
   */
  chain: number[];
  vocab?: number | "llama2";
  /** A Hugging Face tokenizer.json for the vocabulary (instead of `vocab`). */
  tokenizerJson?: string;
  type?: MakeModelOptions["type"];
  context?: number;
}

/**
 * A model whose next token depends only on the current one (attention and FFN outputs are
 * zero, so logits = output · rmsnorm(embedding)), wired so that greedy decoding follows a given
 * chain of tokens: deterministic text for streaming, stop-string and cancellation tests.
 * The margin is about 60 logits, so any temperature follows the chain too.
 */
export async function createChainModel(
  dir: TempDir,
  name: string,
  options: ChainModelOptions,
): Promise<string> {
  const dim = 64;
  const reserved = dim - 1; // the direction of every token outside the chain
  const sources = options.chain.slice(0, -1);
  if (new Set(sources).size !== sources.length)
    throw new Error("chain tokens (but the last) must be distinct");
  if (sources.length > reserved) throw new Error(`a chain has at most ${reserved + 1} tokens`);
  const scratch = await createSmallModel(dir, `${name}.base`, {
    dim,
    layers: 1,
    heads: 4,
    kvHeads: 4,
    ffn: 64,
    vocab: options.vocab ?? 512,
    tokenizerJson: options.tokenizerJson,
    type: "f32",
    context: options.context ?? 256,
  });
  const base = readGguf(new Uint8Array(await readFile(scratch)));
  await rm(scratch);
  const nVocab = (base.metadata.get("tokenizer.ggml.tokens")!.value as string[]).length;

  const embedding = new Float32Array(nVocab * dim);
  for (let t = 0; t < nVocab; t++) embedding[t * dim + reserved] = 1;
  const output = new Float32Array(nVocab * dim);
  output[options.chain[0]! * dim + reserved] = 10;
  sources.forEach((token, i) => {
    embedding.fill(0, token * dim, (token + 1) * dim);
    embedding[token * dim + i] = 1;
    output[options.chain[i + 1]! * dim + i] = 10;
  });
  const type = options.type ?? "f32";
  const ggmlType = (name: string) =>
    tensorTypeFor(type, { name, cols: dim, layer: null, layers: 1, tied: false });
  const zeros = (cols: number, rows: number) => ({
    type: "F32" as const,
    shape: [cols, rows],
    data: encodeTensorData("F32", new Float32Array(cols * rows)),
  });
  const bytes = editGguf(base, {
    tensors: {
      "token_embd.weight": {
        type: ggmlType("token_embd.weight"),
        shape: [dim, nVocab],
        data: encodeTensorData(ggmlType("token_embd.weight"), embedding),
      },
      "output.weight": {
        type: ggmlType("output.weight"),
        shape: [dim, nVocab],
        data: encodeTensorData(ggmlType("output.weight"), output),
      },
      "blk.0.attn_output.weight": zeros(dim, dim),
      "blk.0.ffn_down.weight": zeros(64, dim),
    },
  });
  const path = dir.file(name);
  await writeFile(path, bytes);
  return path;
}
