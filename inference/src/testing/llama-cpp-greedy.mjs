// llama.cpp's greedy tokens for engine-families.int.test.ts, through node-llama-cpp's prebuilt
// CPU binary. Run as a child process (node-llama-cpp keeps native threads alive); prints one
// JSON document: { tokens: number[][][] }, per model one list per prompt. A list ends early with
// the end-of-generation token where llama.cpp stops.
//   NODE_LLAMA_CPP=<package dir> node llama-cpp-greedy.mjs --models A,B --prompts '[[1,2],[3]]' --tokens N
// NODE_LLAMA_CPP unset: the project's own node-llama-cpp. UV_THREADPOOL_SIZE=1, as the benchmark
// (bench/llama-cpp/run.mjs), keeps decode on one libuv thread.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    models: { type: "string" },
    prompts: { type: "string" },
    tokens: { type: "string" },
    // One thread: on a loaded 2-core machine two spinning ggml threads took 15x longer.
    threads: { type: "string", default: "1" },
  },
});
const packageDir = process.env.NODE_LLAMA_CPP;
const { getLlama, LlamaLogLevel } = await import(
  packageDir ? pathToFileURL(join(packageDir, "dist", "index.js")).href : "node-llama-cpp"
);

const prompts = JSON.parse(values.prompts);
const n = Number(values.tokens);
const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
const tokens = [];
for (const modelPath of values.models.split(",")) {
  const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
  const context = await model.createContext({
    sequences: 1,
    contextSize: Math.max(...prompts.map((p) => p.length)) + n + 16,
    threads: Number(values.threads),
  });
  const sequence = context.getSequence();
  const perPrompt = [];
  for (const prompt of prompts) {
    const generated = [];
    for await (const token of sequence.evaluate(prompt, { temperature: 0, yieldEogToken: true })) {
      generated.push(token);
      if (generated.length === n) break;
    }
    perPrompt.push(generated);
    await sequence.clearHistory();
  }
  tokens.push(perPrompt);
  await context.dispose();
  await model.dispose();
}
process.stdout.write(`${JSON.stringify({ tokens })}\n`);
await llama.dispose();
