// llama.cpp's figures for bench-inference.ts, through node-llama-cpp's prebuilt CPU binary:
// prefill and decode tokens/s at each batch size on the same GGUF file and thread count.
// Run by the benchmark as a child process; prints one JSON document.
//   node run.mjs --model F --threads T --prompt-tokens P --gen-tokens G --batch 1,2,4
import { parseArgs } from "node:util";

import { getLlama, LlamaLogLevel } from "node-llama-cpp";

const { values } = parseArgs({
  options: {
    model: { type: "string" },
    threads: { type: "string", default: "2" },
    "prompt-tokens": { type: "string", default: "64" },
    "gen-tokens": { type: "string", default: "64" },
    batch: { type: "string", default: "1,2,4" },
  },
});
const threads = Number(values.threads);
const promptTokens = Number(values["prompt-tokens"]);
const genTokens = Number(values["gen-tokens"]);
const batches = values.batch.split(",").map(Number);

const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
const rssBefore = process.memoryUsage().rss;
const model = await llama.loadModel({ modelPath: values.model, gpuLayers: 0, useMmap: true });
const rssAfterLoadBytes = process.memoryUsage().rss;
const vocab = model.tokens;

// Sequence s: BOS, then ordinary tokens (ids after the byte tokens), different per sequence so
// that nothing is shared between them.
function prompt(s) {
  const ids = [vocab.bos ?? 1];
  for (let i = 1; i < promptTokens; i++) ids.push(300 + ((i * 7 + s * 131) % 3000));
  return ids;
}

async function runBatch(batch) {
  const context = await model.createContext({
    sequences: batch,
    contextSize: batch * (promptTokens + genTokens + 16),
    threads,
    batchSize: 512,
  });
  const sequences = Array.from({ length: batch }, () => context.getSequence());
  const started = performance.now();
  const firstTokenAt = [];
  await Promise.all(
    sequences.map(async (sequence, s) => {
      let n = 0;
      for await (const _token of sequence.evaluate(prompt(s), { temperature: 0 })) {
        if (n === 0) firstTokenAt[s] = performance.now();
        if (++n === genTokens) break;
      }
    }),
  );
  const ended = performance.now();
  const prefillEnd = Math.max(...firstTokenAt);
  await context.dispose();
  return {
    batch,
    prefillTokensPerSecond: (batch * promptTokens) / ((prefillEnd - started) / 1000),
    decodeTokensPerSecond: (batch * (genTokens - 1)) / ((ended - prefillEnd) / 1000),
  };
}

const results = [];
await runBatch(1); // warm-up: pages in, thread pool started
for (const batch of batches) results.push(await runBatch(batch));
process.stdout.write(
  JSON.stringify({
    engine: "llama.cpp via node-llama-cpp 3.21.1 (prebuilt CPU binary)",
    llamaCppRelease: llama.llamaCppRelease?.release ?? null,
    threads,
    results,
    rssAfterLoadBytes,
    rssLoadIncreaseBytes: rssAfterLoadBytes - rssBefore,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  }) + "\n",
);
await model.dispose();
await llama.dispose();
