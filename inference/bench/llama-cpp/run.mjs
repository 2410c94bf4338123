// llama.cpp's figures for bench-inference.ts, through node-llama-cpp's prebuilt CPU binary:
// prefill and decode tokens/s at each batch size on the same GGUF file and thread count.
// Run by the benchmark as a child process; prints one JSON document.
//   node run.mjs --model F --threads T --prompt-tokens P --gen-tokens G --batch 1,2,4
//
// Run it with UV_THREADPOOL_SIZE=1 (the benchmark does). node-llama-cpp runs each decode on a
// libuv pool thread and llama.cpp starts a fresh ggml worker for it; with the default pool of 4,
// consecutive tokens land on different pool threads and, on a 2-core machine, decode at two
// threads took 14-20 ms per token instead of 3.5 (llama.cpp's own timing; threads spinning in
// ggml_barrier). One pool thread removes that; nothing else in llama.cpp changes.
//
// Besides the wall-clock figures (measured as the engine's are: first token of every sequence
// to the end, all JavaScript per-token work included), batch 1 also reports llama.cpp's own
// decode timing (llama_perf "eval time": the decode calls alone, without node-llama-cpp's
// per-token sampling round trip and scheduling).
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

// llama.cpp's perf report arrives through the logger ("eval time = X ms / N runs").
let evalTimings = [];
const llama = await getLlama({
  gpu: false,
  build: "never",
  logLevel: LlamaLogLevel.info,
  logger: (level, message) => {
    const m = /eval time =\s*([\d.]+) ms \/\s*(\d+) runs/.exec(message);
    if (m && !/prompt eval/.test(message)) evalTimings.push({ ms: Number(m[1]), runs: Number(m[2]) });
    else if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal)
      process.stderr.write(`${message}\n`);
  },
});
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
    contextSize: promptTokens + genTokens + 16, // per sequence
    threads,
    batchSize: 512,
    performanceTracking: true,
  });
  const sequences = Array.from({ length: batch }, () => context.getSequence());
  const started = performance.now();
  const firstTokenAt = [];
  const generated = await Promise.all(
    sequences.map(async (sequence, s) => {
      let n = 0;
      // yieldEogToken: go on past an end-of-generation token (the engine's ignoreEos).
      for await (const _token of sequence.evaluate(prompt(s), { temperature: 0, yieldEogToken: true })) {
        if (n === 0) firstTokenAt[s] = performance.now();
        if (++n === genTokens) break;
      }
      return n;
    }),
  );
  const ended = performance.now();
  if (generated.some((n) => n !== genTokens))
    throw new Error(`generated ${generated} tokens, not ${genTokens}`);
  const prefillEnd = Math.max(...firstTokenAt);
  evalTimings = [];
  await context.printTimings();
  const evalTiming = evalTimings.at(-1);
  await context.dispose();
  return {
    batch,
    prefillTokensPerSecond: (batch * promptTokens) / ((prefillEnd - started) / 1000),
    decodeTokensPerSecond: (batch * (genTokens - 1)) / ((ended - prefillEnd) / 1000),
    // llama.cpp's own decode timing (one token per run at batch 1).
    ...(batch === 1 && evalTiming
      ? { engineDecodeTokensPerSecond: evalTiming.runs / (evalTiming.ms / 1000) }
      : {}),
  };
}

const results = [];
await runBatch(1); // warm-up: pages in, thread pool started
for (const batch of batches) results.push(await runBatch(batch));
process.stdout.write(
  JSON.stringify({
    engine: "llama.cpp via node-llama-cpp 3.21.1 (prebuilt CPU binary)",
    llamaCppRelease: llama.llamaCppRelease?.release ?? null,
    // The CPU features of the ggml CPU variant node-llama-cpp loaded (it picks the best one).
    cpuVariant: llama.systemInfo,
    settings: {
      flashAttention: "auto (llama.cpp enables it on the CPU)",
      mmap: true,
      batchSize: 512,
      uvThreadpoolSize: process.env.UV_THREADPOOL_SIZE ?? "4 (default)",
    },
    threads,
    results,
    rssAfterLoadBytes,
    rssLoadIncreaseBytes: rssAfterLoadBytes - rssBefore,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  }) + "\n",
);
await model.dispose();
await llama.dispose();
