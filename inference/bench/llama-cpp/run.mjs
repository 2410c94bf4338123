// llama.cpp's figures for bench-inference.ts, through node-llama-cpp's prebuilt CPU binary:
// prefill and decode tokens/s at each batch size on the same GGUF file and thread count.
// Run by the benchmark as a child process; prints one JSON document. node-llama-cpp is the
// project's devDependency (x64 CPU binary only; never built or downloaded).
//   node run.mjs --model F --threads T --prompt-tokens P --gen-tokens G --batch 1,2,4 --context C
//                [--lora ADAPTER.gguf]   (applied to every sequence of the context)
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
// per-token sampling round trip and scheduling). llama.cpp counts a decode call of more than one
// token as prompt evaluation, so its own decode timing exists for batch 1 only.
//
// What llama.cpp did is read back from its log, not from node-llama-cpp's options (which echo the
// request): flash attention ("auto" resolves per model and CPU) and the context per sequence
// (padded to a multiple of 256). Every sequence is checked to have evaluated its prompt and the
// tokens it yielded.
import { parseArgs } from "node:util";

import { getLlama, LlamaLogLevel } from "node-llama-cpp";

const { values } = parseArgs({
  options: {
    model: { type: "string" },
    threads: { type: "string", default: "2" },
    "prompt-tokens": { type: "string", default: "64" },
    "gen-tokens": { type: "string", default: "64" },
    batch: { type: "string", default: "1,2,4" },
    context: { type: "string", default: "256" },
    lora: { type: "string" },
  },
});
const threads = Number(values.threads);
const promptTokens = Number(values["prompt-tokens"]);
const genTokens = Number(values["gen-tokens"]);
const batches = values.batch.split(",").map(Number);
const contextPerSequence = Number(values.context);

// llama.cpp's perf report ("eval time = X ms / N runs") and its context settings arrive through
// the logger.
let evalTimings = [];
const contextLog = { flashAttention: null, contextPerSequence: null };
const llama = await getLlama({
  gpu: false,
  build: "never",
  logLevel: LlamaLogLevel.info,
  logger: (level, message) => {
    const m = /eval time =\s*([\d.]+) ms \/\s*(\d+) runs/.exec(message);
    const flash = /Flash Attention (enabled|disabled)|flash_attn\s*=\s*(enabled|disabled)/.exec(message);
    const perSequence = /n_ctx_seq\s*=\s*(\d+)/.exec(message);
    if (m && !/prompt eval/.test(message)) evalTimings.push({ ms: Number(m[1]), runs: Number(m[2]) });
    else if (flash) contextLog.flashAttention = flash[1] ?? flash[2];
    else if (perSequence) contextLog.contextPerSequence = Number(perSequence[1]);
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

const contextSettings = [];

async function runBatch(batch) {
  contextLog.flashAttention = contextLog.contextPerSequence = null;
  const context = await model.createContext({
    sequences: batch,
    contextSize: contextPerSequence, // per sequence, as the engine's contextLength
    threads,
    batchSize: 512,
    performanceTracking: true,
    ...(values.lora ? { lora: { adapters: [{ filePath: values.lora }] } } : {}),
  });
  const sequences = Array.from({ length: batch }, () => context.getSequence());
  const started = performance.now();
  const firstTokenAt = [];
  const generated = await Promise.all(
    sequences.map(async (sequence, s) => {
      const tokens = [];
      // yieldEogToken: go on past an end-of-generation token (the engine's ignoreEos).
      for await (const token of sequence.evaluate(prompt(s), { temperature: 0, yieldEogToken: true })) {
        if (tokens.length === 0) firstTokenAt[s] = performance.now();
        tokens.push(token);
        if (tokens.length === genTokens) break;
      }
      return tokens;
    }),
  );
  const ended = performance.now();
  // The log arrives through a thread-safe callback, by now (it may trail createContext).
  contextSettings.push({ batch, ...contextLog });
  // Each sequence yielded genTokens tokens and evaluated its prompt and all but the last of them.
  sequences.forEach((sequence, s) => {
    if (generated[s].length !== genTokens || sequence.nextTokenIndex !== promptTokens + genTokens - 1)
      throw new Error(
        `sequence ${s} yielded ${generated[s].length} tokens and evaluated ${sequence.nextTokenIndex}, ` +
          `not ${genTokens} and ${promptTokens + genTokens - 1}`,
      );
  });
  const prefillEnd = Math.max(...firstTokenAt);
  evalTimings = [];
  await context.printTimings();
  const evalTiming = evalTimings.at(-1);
  await context.dispose();
  return {
    batch,
    prefillTokensPerSecond: (batch * promptTokens) / ((prefillEnd - started) / 1000),
    decodeTokensPerSecond: (batch * (genTokens - 1)) / ((ended - prefillEnd) / 1000),
    // llama.cpp's own decode timing (one token per run at batch 1), and the greedy tokens.
    ...(batch === 1 && evalTiming
      ? { engineDecodeTokensPerSecond: evalTiming.runs / (evalTiming.ms / 1000), tokens: generated[0] }
      : {}),
  };
}

const results = [];
await runBatch(1); // warm-up: pages in, thread pool started
contextSettings.length = 0;
for (const batch of batches) results.push(await runBatch(batch));
const flashAttention = [...new Set(contextSettings.map((c) => c.flashAttention))];
const contextPerSequenceRead = [...new Set(contextSettings.map((c) => c.contextPerSequence))];
if (flashAttention.includes(null) || contextPerSequenceRead.join() !== String(contextPerSequence))
  throw new Error(
    `llama.cpp's log does not show a context of ${contextPerSequence} per sequence: ${JSON.stringify(contextSettings)}`,
  );
process.stdout.write(
  JSON.stringify({
    engine: "llama.cpp via node-llama-cpp 3.21.1 (prebuilt CPU binary)",
    llamaCppRelease: llama.llamaCppRelease?.release ?? null,
    // The CPU features of the ggml CPU variant node-llama-cpp loaded (it picks the best one).
    cpuVariant: llama.systemInfo,
    settings: {
      // Asked "auto"; what llama.cpp chose, from its log.
      flashAttention: flashAttention.join(","),
      contextPerSequence: contextPerSequenceRead.join(","),
      kvCacheType: "F16",
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
