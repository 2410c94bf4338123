// Tokenizer speed on the real Llama 3 vocabulary (byte-level BPE, 128256 tokens, 280147 merges):
// model load (vocabulary and merge table included), tokenize and detokenize of about 100 KB of
// varied text through the addon. Prints JSON. Run: npx tsx inference/bench/bench-tokenizer.ts

import { cpus } from "node:os";

import { loadModel } from "../src/index";
import { createTempDir } from "../src/testing/fixtures";
import { createLlama3VocabModel } from "../src/testing/llama3-vocab-fixture";
import { randomTexts, VARIED_TEXTS } from "../src/testing/text-corpus";

const TARGET_CHARACTERS = 100_000;
const RUNS = 9;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function corpus(): string {
  const random = randomTexts(5000, 11);
  let text = "";
  for (let i = 0; text.length < TARGET_CHARACTERS; i++) {
    text += `${VARIED_TEXTS[i % VARIED_TEXTS.length]} ${random[i % random.length]}\n`;
  }
  return text;
}

async function main(): Promise<void> {
  const dir = await createTempDir("arbiter-bench-tokenizer-");
  try {
    const path = await createLlama3VocabModel(dir, "llama3-vocab.gguf");
    const loadStarted = performance.now();
    const model = await loadModel(path, { device: "cpu", threads: 1, contextLength: 64, maxSequences: 1 });
    const loadMs = performance.now() - loadStarted;
    try {
      const text = corpus();
      const tokenizeMs: number[] = [];
      const detokenizeMs: number[] = [];
      let ids: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        let started = performance.now();
        ids = model.tokenize(text, { addBos: false, special: true });
        tokenizeMs.push(performance.now() - started);
        started = performance.now();
        model.detokenize(ids);
        detokenizeMs.push(performance.now() - started);
      }
      const bytes = Buffer.byteLength(text);
      const tokenize = median(tokenizeMs);
      console.log(
        JSON.stringify(
          {
            benchmark: "tokenizer",
            machine: { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, node: process.version },
            vocabulary: "llama3 (gpt2, llama-bpe)",
            input: { bytes, tokens: ids.length, runs: RUNS },
            loadMs: Number(loadMs.toFixed(1)),
            tokenizeMs: Number(tokenize.toFixed(2)),
            tokenizeMegabytesPerSecond: Number((bytes / 1e6 / (tokenize / 1000)).toFixed(2)),
            detokenizeMs: Number(median(detokenizeMs).toFixed(2)),
          },
          null,
          2,
        ),
      );
    } finally {
      model.dispose();
    }
  } finally {
    await dir.remove();
  }
}

void main();
