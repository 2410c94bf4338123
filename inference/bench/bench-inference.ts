// `npm run bench:inference`: the engine's CPU figures on the benchmark models of issues 3 and 4
// (dim 1024, 8 layers, 16 heads, 4 KV heads, FFN 2816 = 11 x 256, in Q8_0, Q4_0, Q4_K, Q4_K_M
// and F16) next to llama.cpp's on the same files and thread count, in the same run. Prints one
// JSON document.
//
// Comparisons lead with each engine's own decode-step timing (engineDecodeBatch1VsLlamaCpp): the
// wall-clock figures include node-llama-cpp's per-token JavaScript (a sampling round trip through
// N-API per token), which slows llama.cpp's side more than ours.
//
//   prefill tokens/s  all prompt tokens of the batch / time until every sequence has its first token
//   decode tokens/s   tokens generated after the first, all sequences together / the rest of the time
//                     (wall clock in the benchmark process, per-token JavaScript callbacks included,
//                     measured the same way for both engines)
//   engineDecodeTokensPerSecond  batch 1 only: each engine's own timing of its decode steps
//                     (ours: the scheduler thread's; llama.cpp: llama_perf "eval time")
//   rssAfterLoadBytes resident memory once the model is loaded; rssLoadIncreaseBytes is what
//                     loading added (mmap, no copy: about the file size)
//   peakRssBytes      the most the process ever held
//
// Both engines get the same prompts (BOS + 127 tokens, different per sequence) and the same
// context per sequence (prompt + generated tokens rounded up to llama.cpp's 256), generate the
// same number of tokens past any end-of-generation token, after one warm-up batch. Each side is
// checked to have generated what it claims (every sequence's token count; llama.cpp's evaluated
// positions), and batch 1's greedy tokens are compared between the engines (greedyAgreement: the
// leading tokens both chose; quantized types may part at a near-tie). Each engine
// runs in its own child process per model (clean RSS figures), in alternating rounds; the
// figures are the median of the rounds (every round's decode figure is listed, and the
// machine's load average is recorded: on a shared machine other processes skew them, llama.cpp's
// spinning thread barriers most). llama.cpp comes from node-llama-cpp 3.21.1's prebuilt CPU
// binary (the project's devDependency; its flash attention as llama.cpp resolved "auto", read
// from its log), run with UV_THREADPOOL_SIZE=1 (see llama-cpp/run.mjs).
//
// The other architectures (qwen2, qwen3, gemma3) run at the same shape in --family-types, with
// llama.cpp on the same file. Their decode against llama's (target: within 10%) is measured apart,
// in one process holding the llama file and the family's, alternating llama, family, llama
// decode runs (median of the per-triple ratios): figures taken minutes apart on a shared
// machine differed by 3x with the load, alternating cancels that ("familiesVsLlama").
//
// Structured output ("structuredOutput"): batch-1 decode on the llama q8_0 file with and without
// a JSON schema constraint (a judge verdict whose rationale is at least 60 characters, so both
// sides decode about as many tokens), alternating unconstrained and constrained runs in one
// process after a warm-up of each (the constrained warm-up fills the schema's mask cache, as the
// first request of a judge would); figures are each run's own decode-step timing, the ratio is
// the median of the per-round ratios (target: at most 1.15). On a loaded machine that ratio is
// noise, so the engine also times the constraint itself (constraintMs, the masks and the budget
// check within decodeMs): decode time with it over decode time without it, per run. The first
// constrained request's figures, with a cold mask cache, are listed apart.
//
// LoRA (--lora TYPES, e.g. --lora q4_k): two rank-16 adapters (F16, alpha 32) on every attention
// and FFN projection of llama's file of each type, served over one loaded base, in one process,
// alternating in each round: batch-1 decode on the base alone, batch 1 with an adapter (target
// >= 0.85x the base), and a pair of sequences on the two different adapters (target >= 1.7x
// the adapter's batch 1: the base weights are read once for both), then the base alone on two
// sequences (baseBatch2OverBatch1: the ceiling of the pair's ratio, since each sequence of the
// pair reads its own adapter). Ratios are the medians of the per-round ratios, by the wall clock
// and per CPU-second of the process (perCpuSecond: steadier on a shared machine, at --threads 1). llama.cpp runs the same base and adapter file at batch 1 (node-llama-cpp
// applies an adapter to the whole context, so it has no per-sequence pair).
//
// Reward-model scoring ("scoring"): the llama q8_0 shape with a score head (make-model
// --reward-head), in one process alternating, per round: the prefill of one prompt by generate
// (its prefillTokensPerSecond), the same prompt scored alone (Model.score: tokens / prefillMs),
// and one prompt with 4 responses of 32 tokens scored as a group (the prompt prefilled once:
// scored tokens, the prompt counted once per response, and computed tokens, the prompt counted
// once, over the wall time). Medians of 3 rounds, with the load average before and after; on a
// shared machine the figures are indicative.
//
// Shapes and the machine's bounds (issue 18): --vocab llama2 (the Llama 2 vocabulary, 32,000
// tokens; a number picks make-model's smaller ASCII vocabulary) gives the models a Llama-sized
// output projection (a fifth of the small model's bytes); --shape 7b writes Llama 2 7B-shaped files (dim 4096, 32 layers, 32 heads, FFN 11008;
// Q4_0 3.8 GB, written once into models/, minutes each). --kv-cache f16,q8_0 runs this engine once
// per KV cache type in each round (kvCache: batch-1 decode of each against the first). Unless
// --no-probes, the run starts with kernel_bench --probes (read bandwidth, int8 multiply-accumulate
// and fp32 FMA throughput on 1 and --threads threads: "probes"), and each model reports the
// bandwidth its batch-1 decode reads weights at (weight bytes a token reads x tokens/s) against
// the probe's.
//
// Options: --threads 2 --prompt-tokens 128 --gen-tokens 128 --batch 1,2,4 --rounds 3
//          --types q8_0,q4_0,q4_k,q4_k_m,f16 --archs qwen2,qwen3,gemma3 --family-types q8_0
//          --lora q4_k (default: none) --no-llama-cpp --vocab 4096 --shape small|7b
//          --kv-cache f16 --no-probes
//          (--types "" --archs "" --lora q4_k runs the LoRA section alone)
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import { ggmlTensorBytes, ggmlTypeTraits, type GgmlTypeName } from "../src/ggml-types";
import { type KvCacheType, loadModel, type ModelInfo } from "../src/index";
import { compileJsonSchema } from "../src/json-schema-grammar";
import { makeLoraAdapter } from "../src/lora-adapter";
import { type ModelArch, makeModel, type ModelType } from "../src/make-model";

const benchDir = dirname(fileURLToPath(import.meta.url));
const llamaCppDir = join(benchDir, "llama-cpp");
const SHAPES = {
  small: { dim: 1024, layers: 8, heads: 16, kvHeads: 4, ffn: 2816 },
  "7b": { dim: 4096, layers: 32, heads: 32, kvHeads: 32, ffn: 11008 },
} as const;

interface BatchFigures {
  batch: number;
  prefillTokensPerSecond: number;
  decodeTokensPerSecond: number;
  engineDecodeTokensPerSecond?: number;
  /** Batch 1: the greedy tokens generated. */
  tokens?: number[];
}

interface RunFigures {
  results: BatchFigures[];
  rssAfterLoadBytes: number;
  rssLoadIncreaseBytes: number;
  peakRssBytes: number;
  [key: string]: unknown;
}

const { values } = parseArgs({
  options: {
    worker: { type: "boolean", default: false },
    interleave: { type: "string" },
    model: { type: "string" },
    threads: { type: "string", default: "2" },
    "prompt-tokens": { type: "string", default: "128" },
    "gen-tokens": { type: "string", default: "128" },
    batch: { type: "string", default: "1,2,4" },
    rounds: { type: "string", default: "3" },
    types: { type: "string", default: "q8_0,q4_0,q4_k,q4_k_m,f16" },
    archs: { type: "string", default: "qwen2,qwen3,gemma3" },
    "family-types": { type: "string", default: "q8_0" },
    lora: { type: "string", default: "" },
    "lora-adapters": { type: "string" },
    "no-llama-cpp": { type: "boolean", default: false },
    structured: { type: "string" },
    "no-structured": { type: "boolean", default: false },
    scoring: { type: "string" },
    "no-scoring": { type: "boolean", default: false },
    vocab: { type: "string", default: "4096" },
    shape: { type: "string", default: "small" },
    "kv-cache": { type: "string", default: "f16" },
    "no-probes": { type: "boolean", default: false },
  },
});
if (!(values.shape! in SHAPES)) throw new Error(`--shape must be small or 7b, got ${values.shape}`);
const SHAPE = SHAPES[values.shape as keyof typeof SHAPES];
const vocab: number | "llama2" = values.vocab === "llama2" ? "llama2" : Number(values.vocab);
if (vocab !== "llama2" && !(Number.isSafeInteger(vocab) && vocab >= 512))
  throw new Error(`--vocab must be a number of tokens (at least 512) or llama2, got ${values.vocab}`);
const kvCaches = values["kv-cache"]!.split(",") as KvCacheType[];
if (kvCaches.some((t) => t !== "f16" && t !== "q8_0"))
  throw new Error(`--kv-cache must list f16 and/or q8_0, got ${values["kv-cache"]}`);
const threads = Number(values.threads);
const promptTokens = Number(values["prompt-tokens"]);
const genTokens = Number(values["gen-tokens"]);
const batches = values.batch!.split(",").map(Number);
// Positions per sequence for both engines: llama.cpp pads its context to a multiple of 256.
const contextPerSequence = Math.ceil((promptTokens + genTokens) / 256) * 256;

/** Sequence s: BOS, then ordinary tokens, different for every sequence (nothing is shared). */
function prompt(s: number): number[] {
  const ids = [1];
  for (let i = 1; i < promptTokens; i++) ids.push(300 + ((i * 7 + s * 131) % 3000));
  return ids;
}

// ---- worker: this engine on one model ------------------------------------------------------

/** Bytes of weights one decode step reads: every matrix, but one row of the token embeddings. */
function weightBytesPerToken(info: ModelInfo): number {
  const bytes = (t: ModelInfo["tensors"][number]) =>
    ggmlTensorBytes(
      ggmlTypeTraits(t.type as GgmlTypeName),
      t.shape.reduce((a, b) => a * b, 1),
    );
  const tied = !info.tensors.some((t) => t.name === "output.weight");
  return info.tensors
    .filter((t) => t.name !== "token_embd.weight" || tied)
    .reduce((sum, t) => sum + bytes(t), 0);
}

async function runArbiter(path: string, kvCacheType: KvCacheType): Promise<RunFigures> {
  const rssBefore = process.memoryUsage().rss;
  // No prompt cache: every run must compute its prompts.
  const model = await loadModel(path, {
    device: "cpu",
    threads,
    maxSequences: Math.max(...batches),
    contextLength: contextPerSequence,
    promptCache: false,
    kvCacheType,
  });
  if (model.info.contextLength !== contextPerSequence)
    throw new Error(`the engine took a context of ${model.info.contextLength}, not ${contextPerSequence}`);
  const rssAfterLoadBytes = process.memoryUsage().rss;
  const runBatch = async (batch: number): Promise<BatchFigures> => {
    const started = performance.now();
    const firstTokenAt: number[] = [];
    const streamed = new Array<number>(batch).fill(0);
    const done = await Promise.all(
      Array.from({ length: batch }, (_, s) =>
        model.generate(prompt(s), {
          temperature: 0,
          maxTokens: genTokens,
          ignoreEos: true,
          onToken: () => {
            firstTokenAt[s] ??= performance.now();
            streamed[s]!++;
          },
        }),
      ),
    );
    const ended = performance.now();
    // Each sequence computed its whole prompt (no cache) and streamed every token it returns.
    done.forEach((result, s) => {
      if (
        result.tokens.length !== genTokens ||
        streamed[s] !== genTokens ||
        result.promptTokens !== promptTokens ||
        result.sharedPromptTokens !== 0
      )
        throw new Error(
          `sequence ${s}: ${JSON.stringify({ ...result, text: undefined, streamed: streamed[s] })}`,
        );
    });
    const prefillEnd = Math.max(...firstTokenAt);
    return {
      batch,
      prefillTokensPerSecond: (batch * promptTokens) / ((prefillEnd - started) / 1000),
      decodeTokensPerSecond: (batch * (genTokens - 1)) / ((ended - prefillEnd) / 1000),
      ...(batch === 1
        ? { engineDecodeTokensPerSecond: done[0]!.decodeTokensPerSecond, tokens: done[0]!.tokens }
        : {}),
    };
  };
  await runBatch(1); // warm-up: first-touch of the KV cache and scratch buffers
  const results: BatchFigures[] = [];
  for (const batch of batches) results.push(await runBatch(batch));
  const device = model.info.deviceDescription;
  const { kvCacheBytes } = model.info;
  const weightBytes = weightBytesPerToken(model.info);
  model.dispose();
  return {
    engine: "arbiter",
    device,
    kvCacheType,
    kvCacheBytes,
    weightBytesPerToken: weightBytes,
    results,
    rssAfterLoadBytes,
    rssLoadIncreaseBytes: rssAfterLoadBytes - rssBefore,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

// ---- worker: llama against each family, alternating ---------------------------------------

async function runInterleaved(llamaPath: string, familyPaths: string[]) {
  const open = (path: string) =>
    loadModel(path, { device: "cpu", threads, maxSequences: 1, promptCache: false });
  const llama = await open(llamaPath);
  const rate = async (model: Awaited<ReturnType<typeof open>>) =>
    (await model.generate(prompt(0), { temperature: 0, maxTokens: genTokens, ignoreEos: true }))
      .decodeTokensPerSecond;
  await rate(llama); // warm-up
  const families = [];
  for (const path of familyPaths) {
    const family = await open(path);
    await rate(family);
    const ratios: number[] = [];
    const llamaRates: number[] = [];
    const familyRates: number[] = [];
    for (let r = 0; r < 5; r++) {
      const before = await rate(llama);
      const ours = await rate(family);
      const after = await rate(llama);
      llamaRates.push((before + after) / 2);
      familyRates.push(ours);
      ratios.push(ours / ((before + after) / 2));
    }
    families.push({
      architecture: family.info.architecture,
      path,
      llamaDecodeTokensPerSecond: round(median(llamaRates)),
      decodeTokensPerSecond: round(median(familyRates)),
      decodeVsLlama: Math.round(median(ratios) * 100) / 100,
      decodeVsLlamaRounds: ratios.map((x) => Math.round(x * 100) / 100),
      decodeVsLlamaTarget: 0.9,
    });
    family.dispose();
  }
  llama.dispose();
  return families;
}

// ---- worker: constrained against unconstrained decode ----------------------------------------

const VERDICT_SCHEMA = {
  type: "object",
  properties: {
    winner: { enum: ["A", "B", "tie"] },
    strength: { enum: ["significantly_better", "better", "slightly_better", "negligibly_better"] },
    rationale: { type: "string", minLength: 60, maxLength: 4000 },
  },
  required: ["winner", "strength", "rationale"],
};

async function runStructured(path: string) {
  const model = await loadModel(path, { device: "cpu", threads, maxSequences: 1, promptCache: false });
  const grammar = compileJsonSchema(VERDICT_SCHEMA);
  const decode = async (constrained: boolean, seed: number) => {
    const result = await model.generate(prompt(0), {
      temperature: 0.8,
      seed,
      maxTokens: genTokens,
      ignoreEos: true,
      ...(constrained ? { grammar } : {}),
    });
    if (constrained) JSON.parse(result.text); // a complete document, or the figures mean nothing
    // The engine's own timing of the constraint: decode time with it over decode time without it.
    const constraintCost = result.decodeMs / (result.decodeMs - result.constraintMs);
    return { rate: result.decodeTokensPerSecond, tokens: result.tokens.length, constraintCost };
  };
  const cold = await decode(true, 1);
  await decode(false, 1);
  const rounds = [];
  for (let r = 0; r < 5; r++) {
    const plain = await decode(false, 2 + r);
    const constrained = await decode(true, 2 + r);
    rounds.push({ plain, constrained, ratio: plain.rate / constrained.rate });
  }
  model.dispose();
  return {
    path,
    schema: VERDICT_SCHEMA,
    unconstrainedDecodeTokensPerSecond: round(median(rounds.map((x) => x.plain.rate))),
    constrainedDecodeTokensPerSecond: round(median(rounds.map((x) => x.constrained.rate))),
    constrainedTokensPerRun: rounds.map((x) => x.constrained.tokens),
    coldCacheConstrainedDecodeTokensPerSecond: round(cold.rate),
    // Robust to the machine's load: both parts of one run slow down alike.
    decodeTimeWithConstraintOverWithoutFromEngineTiming:
      Math.round(median(rounds.map((x) => x.constrained.constraintCost)) * 1000) / 1000,
    coldCacheDecodeTimeWithConstraintOverWithout: Math.round(cold.constraintCost * 1000) / 1000,
    decodeTimeConstrainedOverUnconstrained: Math.round(median(rounds.map((x) => x.ratio)) * 100) / 100,
    decodeTimeConstrainedOverUnconstrainedRounds: rounds.map((x) => Math.round(x.ratio * 100) / 100),
    decodeTimeConstrainedOverUnconstrainedTarget: 1.15,
  };
}

// ---- worker: LoRA adapters over one base ---------------------------------------------------

async function runLora(path: string, adapterPaths: string[]) {
  const model = await loadModel(path, {
    device: "cpu",
    threads,
    maxSequences: 2,
    contextLength: contextPerSequence,
    promptCache: false,
    adapters: adapterPaths.map((p) => ({ path: p })),
  });
  // Decode tokens/s of sequences run together, from the last first token on: by the wall clock
  // (as above) and per CPU-second of this process (all its threads).
  const cpuSeconds = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const rate = async (adapters: (number | undefined)[]) => {
    const firstTokenAt: number[] = [];
    const cpuAtFirstToken: number[] = [];
    const done = await Promise.all(
      adapters.map((adapter, s) =>
        model.generate(prompt(s), {
          temperature: 0,
          maxTokens: genTokens,
          ignoreEos: true,
          adapter,
          onToken: () => {
            if (firstTokenAt[s] !== undefined) return;
            firstTokenAt[s] = performance.now();
            cpuAtFirstToken[s] = cpuSeconds();
          },
        }),
      ),
    );
    const ended = performance.now();
    const cpuEnded = cpuSeconds();
    if (done.some((r) => r.tokens.length !== genTokens)) throw new Error("a sequence stopped early");
    const tokens = adapters.length * (genTokens - 1);
    return {
      wall: tokens / ((ended - Math.max(...firstTokenAt)) / 1000),
      cpu: tokens / (cpuEnded - Math.max(...cpuAtFirstToken)),
    };
  };
  await rate([undefined]);
  await rate([0, 1]); // warm-up: the adapters' pages and scratch
  const rounds = [];
  for (let r = 0; r < 5; r++) {
    const base = await rate([undefined]);
    const adapter = await rate([0]);
    const pair = await rate([0, 1]);
    // The base alone on two sequences: the ceiling of pair / adapter (the kernels' own batch 2).
    const basePair = await rate([undefined, undefined]);
    rounds.push({
      base: base.wall,
      adapter: adapter.wall,
      pair: pair.wall,
      basePair: basePair.wall,
      cpu: { base: base.cpu, adapter: adapter.cpu, pair: pair.cpu, basePair: basePair.cpu },
    });
  }
  model.dispose();
  return rounds;
}

async function runLlamaCppLora(path: string, adapterPath: string) {
  const common = [
    "--threads",
    String(threads),
    "--prompt-tokens",
    String(promptTokens),
    "--gen-tokens",
    String(genTokens),
    "--batch",
    "1",
    "--context",
    String(contextPerSequence),
  ];
  const env = { ...process.env, UV_THREADPOOL_SIZE: "1" };
  const decode = (f: RunFigures) => f.results[0]!.engineDecodeTokensPerSecond ?? NaN;
  const base = runChild(process.execPath, ["run.mjs", "--model", path, ...common], llamaCppDir, env);
  const adapter = runChild(
    process.execPath,
    ["run.mjs", "--model", path, "--lora", adapterPath, ...common],
    llamaCppDir,
    env,
  );
  return {
    baseDecodeTokensPerSecond: round(decode(base)),
    adapterDecodeTokensPerSecond: round(decode(adapter)),
    adapterOverBase: ratio(decode(adapter), decode(base)),
  };
}

interface LoraRates {
  base: number;
  adapter: number;
  pair: number;
  basePair: number;
}
type LoraRound = LoraRates & { cpu: LoraRates };

/** The section's ratios, medians of the per-round ones. */
function loraRatios(rounds: LoraRates[]) {
  const medianRatio = (of: (r: LoraRates) => number) => Math.round(median(rounds.map(of)) * 100) / 100;
  return {
    adapterOverBase: medianRatio((r) => r.adapter / r.base),
    pairOverAdapterBatch1: medianRatio((r) => r.pair / r.adapter),
    baseBatch2OverBatch1: medianRatio((r) => r.basePair / r.base),
  };
}

async function loraSection(type: ModelType, tsx: string, llamaError: string | null) {
  const path = await ensureModel("llama", type);
  const base = await loadModel(path, { device: "cpu", threads: 1, contextLength: 16, maxSequences: 1 });
  const adapterPaths = [];
  for (const seed of [1, 2]) {
    const out = path.replace(/\.gguf$/, `.lora-r16-${seed}.gguf`);
    if (!existsSync(out))
      await makeLoraAdapter({ base: base.info, out, rank: 16, alpha: 32, format: "gguf", type: "F16", seed });
    adapterPaths.push(out);
  }
  base.dispose();
  process.stderr.write(`[bench] LoRA over llama ${type}: base, adapter, pair of adapters, alternating\n`);
  const { loadAverage, result: rounds } = runWorker<LoraRound[]>(tsx, [
    "--model",
    path,
    "--lora-adapters",
    adapterPaths.join(","),
    "--threads",
    String(threads),
    "--prompt-tokens",
    String(promptTokens),
    "--gen-tokens",
    String(genTokens),
  ]);
  return {
    type,
    path,
    adapters: adapterPaths,
    rank: 16,
    adapterType: "F16",
    targets: "attn_q, attn_k, attn_v, attn_output, ffn_gate, ffn_up, ffn_down of every layer",
    loadAverage,
    baseBatch1DecodeTokensPerSecond: round(median(rounds.map((r) => r.base))),
    adapterBatch1DecodeTokensPerSecond: round(median(rounds.map((r) => r.adapter))),
    pairOnTwoAdaptersDecodeTokensPerSecond: round(median(rounds.map((r) => r.pair))),
    ...loraRatios(rounds),
    adapterOverBaseTarget: 0.85,
    pairOverAdapterBatch1Target: 1.7,
    // The same ratios in tokens per CPU-second of the process: steadier than the wall clock on a
    // machine shared with other work, and meaningful at --threads 1 (with more, idle workers spin).
    perCpuSecond: loraRatios(rounds.map((r) => r.cpu)),
    rounds: rounds.map((r) => ({
      base: round(r.base),
      adapter: round(r.adapter),
      pair: round(r.pair),
      basePair: round(r.basePair),
      cpu: {
        base: round(r.cpu.base),
        adapter: round(r.cpu.adapter),
        pair: round(r.cpu.pair),
        basePair: round(r.cpu.basePair),
      },
    })),
    llamaCpp: llamaError ? { error: llamaError } : await runLlamaCppLora(path, adapterPaths[0]!),
  };
}

const SCORING_RESPONSES = 4;
const SCORING_RESPONSE_TOKENS = 32;

async function runScoring(path: string) {
  const model = await loadModel(path, { device: "cpu", threads, maxSequences: 8, promptCache: false });
  const responses = (seed: number) =>
    Array.from({ length: SCORING_RESPONSES }, (_, r) =>
      Array.from({ length: SCORING_RESPONSE_TOKENS }, (_, i) => 300 + ((i * 11 + r * 97 + seed * 13) % 3000)),
    );
  const rounds: {
    prefill: number;
    alone: number;
    groupScored: number;
    groupComputed: number;
    scored: number;
    computed: number;
  }[] = [];
  for (let r = 0; r < 4; r++) {
    const generated = await model.generate(prompt(r), { temperature: 0, maxTokens: 1 });
    const [alone] = await model.score(prompt(r), [[]]);
    const started = performance.now();
    const group = await model.score(prompt(r + 100), responses(r));
    const groupMs = performance.now() - started;
    const scored = group.reduce((sum, g) => sum + g.tokens, 0);
    const computed = scored - group.reduce((sum, g) => sum + g.sharedPromptTokens, 0);
    rounds.push({
      prefill: generated.prefillTokensPerSecond,
      alone: (alone!.tokens / alone!.prefillMs) * 1000,
      groupScored: (scored / groupMs) * 1000,
      groupComputed: (computed / groupMs) * 1000,
      scored,
      computed,
    });
  }
  model.dispose();
  const measured = rounds.slice(1); // the first round warms up
  const med = (pick: (x: (typeof rounds)[number]) => number) => round(median(measured.map(pick)));
  return {
    path,
    promptTokens,
    responses: SCORING_RESPONSES,
    responseTokens: SCORING_RESPONSE_TOKENS,
    prefillTokensPerSecond: med((x) => x.prefill),
    scoreAloneTokensPerSecond: med((x) => x.alone),
    groupScoredTokensPerSecond: med((x) => x.groupScored),
    groupComputedTokensPerSecond: med((x) => x.groupComputed),
    groupScoredTokens: measured[0]!.scored,
    groupComputedTokens: measured[0]!.computed,
  };
}

// ---- parent ---------------------------------------------------------------------------------

function ensureModel(arch: ModelArch, type: ModelType, rewardHead = false): Promise<string> | string {
  const dir = join(benchDir, "models");
  mkdirSync(dir, { recursive: true });
  const path = join(
    dir,
    `${arch}-d${SHAPE.dim}-l${SHAPE.layers}-h${SHAPE.heads}-kv${SHAPE.kvHeads}-ff${SHAPE.ffn}-${type}` +
      `${vocab === 4096 ? "" : `-v${vocab}`}${rewardHead ? "-reward" : ""}.gguf`,
  );
  if (existsSync(path)) return path;
  process.stderr.write(`[bench] writing ${path}\n`);
  return makeModel({ out: path, ...SHAPE, arch, type, seed: 1, rewardHead, vocab }).then(() => path);
}

/** Null when node-llama-cpp (a devDependency) is installed, else why llama.cpp is left out. */
function llamaCppMissing(): string | null {
  return existsSync(join(benchDir, "..", "..", "node_modules", "node-llama-cpp", "package.json"))
    ? null
    : "node-llama-cpp is not installed (a devDependency: npm install without --omit=dev)";
}

// Runs this file as a worker (--worker and args) in a process of its own: the JSON of its last line,
// with the machine's load average before and after.
function runWorker<T>(tsx: string, args: string[]) {
  const before = os.loadavg().map(round);
  const run = spawnSync(tsx, [fileURLToPath(import.meta.url), "--worker", ...args], {
    cwd: benchDir,
    encoding: "utf8",
    maxBuffer: 16 << 20,
  });
  if (run.status !== 0) throw new Error(`worker ${args[0]} failed (status ${run.status}):\n${run.stderr}`);
  const result = JSON.parse(run.stdout.trim().split("\n").at(-1)!) as T;
  return { loadAverage: { before, after: os.loadavg().map(round) }, result };
}

function runChild(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): RunFigures {
  const run = spawnSync(command, args, { cwd, encoding: "utf8", maxBuffer: 16 << 20, env });
  if (run.status !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} failed (status ${run.status}, signal ${run.signal}):\n${run.stderr}`,
    );
  }
  const figures = JSON.parse(run.stdout.trim().split("\n").at(-1)!) as RunFigures;
  process.stderr.write(
    `[bench]   ${JSON.stringify(figures.results.map((r) => [r.batch, round(r.decodeTokensPerSecond)]))}\n`,
  );
  return figures;
}

/** Batch 1's greedy tokens: how many leading ones the engines share, per round. */
function greedyAgreement(ours: RunFigures[], theirs: RunFigures[]) {
  const tokens = (run: RunFigures) => run.results.find((r) => r.batch === 1)?.tokens ?? [];
  return {
    leadingTokensEqualPerRound: ours.map((run, r) => {
      const [a, b] = [tokens(run), tokens(theirs[r]!)];
      const firstDifference = a.findIndex((t, i) => t !== b[i]);
      return firstDifference === -1 ? Math.min(a.length, b.length) : firstDifference;
    }),
    of: genTokens,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** Median over rounds of (batch a's decode rate / batch b's) within the same round. */
function perRoundRatio(s: ReturnType<typeof summarize>, a: number, b: number): number {
  const rounds = (batch: number) =>
    s.results.find((r) => r.batch === batch)?.decodeTokensPerSecondRounds ?? [];
  const [ra, rb] = [rounds(a), rounds(b)];
  if (ra.length === 0 || ra.length !== rb.length) return NaN;
  return Math.round(median(ra.map((x, i) => x / rb[i]!)) * 100) / 100;
}

function summarize(rounds: RunFigures[]) {
  return {
    results: batches.map((batch) => {
      const of = (key: "prefillTokensPerSecond" | "decodeTokensPerSecond" | "engineDecodeTokensPerSecond") =>
        rounds.map((r) => r.results.find((x) => x.batch === batch)![key] ?? NaN);
      return {
        batch,
        // Batch 1: the engine's own step timing first (see the header).
        ...(batch === 1
          ? {
              engineDecodeTokensPerSecond: round(median(of("engineDecodeTokensPerSecond"))),
              engineDecodeTokensPerSecondRounds: of("engineDecodeTokensPerSecond").map(round),
            }
          : {}),
        decodeTokensPerSecond: round(median(of("decodeTokensPerSecond"))),
        decodeTokensPerSecondRounds: of("decodeTokensPerSecond").map(round),
        prefillTokensPerSecond: round(median(of("prefillTokensPerSecond"))),
      };
    }),
    rssAfterLoadBytes: median(rounds.map((r) => r.rssAfterLoadBytes)),
    rssLoadIncreaseBytes: median(rounds.map((r) => r.rssLoadIncreaseBytes)),
    peakRssBytes: Math.max(...rounds.map((r) => r.peakRssBytes)),
  };
}

const round = (x: number) => Math.round(x * 10) / 10;
const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;

function machine() {
  const flags =
    readFileSync("/proc/cpuinfo", "utf8")
      .match(/^flags\s*:(.*)$/m)?.[1]
      ?.trim()
      .split(/\s+/) ?? [];
  return {
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    simd: ["avx2", "fma", "f16c", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16"].filter((f) =>
      flags.includes(f),
    ),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    loadAverageAtEnd: os.loadavg().map(round),
  };
}

async function main() {
  if (values.worker && values.interleave) {
    const [llamaPath, ...familyPaths] = values.interleave.split(",");
    process.stdout.write(`${JSON.stringify(await runInterleaved(llamaPath!, familyPaths))}\n`);
    return;
  }
  if (values.worker && values.scoring) {
    process.stdout.write(`${JSON.stringify(await runScoring(values.scoring))}\n`);
    return;
  }
  if (values.worker && values.structured) {
    process.stdout.write(`${JSON.stringify(await runStructured(values.structured))}\n`);
    return;
  }
  if (values.worker && values["lora-adapters"]) {
    process.stdout.write(
      `${JSON.stringify(await runLora(values.model!, values["lora-adapters"].split(",")))}\n`,
    );
    return;
  }
  if (values.worker) {
    process.stdout.write(`${JSON.stringify(await runArbiter(values.model!, kvCaches[0]!))}\n`);
    return;
  }
  const loadAverageAtStart = os.loadavg().map(round);
  const llamaError = values["no-llama-cpp"] ? "skipped (--no-llama-cpp)" : llamaCppMissing();
  const common = [
    "--threads",
    String(threads),
    "--prompt-tokens",
    String(promptTokens),
    "--gen-tokens",
    String(genTokens),
    "--batch",
    values.batch!,
  ];
  const tsx = join(benchDir, "..", "..", "node_modules", ".bin", "tsx");
  const models = [];
  const runs: [ModelArch, ModelType][] = [
    ...(values.types!.split(",").filter(Boolean) as ModelType[]).map((t): [ModelArch, ModelType] => [
      "llama",
      t,
    ]),
    ...(values.archs!.split(",").filter(Boolean) as ModelArch[]).flatMap((arch) =>
      (values["family-types"]!.split(",") as ModelType[]).map((t): [ModelArch, ModelType] => [arch, t]),
    ),
  ];
  const probes = values["no-probes"] ? "skipped (--no-probes)" : runProbes();
  const probeReadGBps = typeof probes === "string" ? NaN : probes.readGBps[String(threads)]!;
  for (const [arch, type] of runs) {
    const path = await ensureModel(arch, type);
    const loadAverageBefore = os.loadavg().map(round);
    // Per KV cache type (the first is the one the figures below are for).
    const oursByKvCache = new Map<KvCacheType, RunFigures[]>(kvCaches.map((t) => [t, []]));
    const ours = oursByKvCache.get(kvCaches[0]!)!;
    const theirs: RunFigures[] = [];
    for (let r = 0; r < Number(values.rounds); r++) {
      process.stderr.write(`[bench] ${arch} ${type} round ${r + 1}\n`);
      for (const kvCache of kvCaches)
        oursByKvCache
          .get(kvCache)!
          .push(
            runChild(
              tsx,
              [fileURLToPath(import.meta.url), "--worker", "--model", path, "--kv-cache", kvCache, ...common],
              benchDir,
            ),
          );
      if (!llamaError)
        theirs.push(
          runChild(
            process.execPath,
            ["run.mjs", "--model", path, ...common, "--context", String(contextPerSequence)],
            llamaCppDir,
            {
              ...process.env,
              UV_THREADPOOL_SIZE: "1",
            },
          ),
        );
    }
    const arbiter = summarize(ours);
    const llamaCpp = llamaError ? { error: llamaError } : summarize(theirs);
    const decode = (s: ReturnType<typeof summarize>, batch: number) =>
      s.results.find((x) => x.batch === batch)?.decodeTokensPerSecond ?? NaN;
    const engineDecode = (s: ReturnType<typeof summarize>) =>
      s.results.find((x) => x.batch === 1)?.engineDecodeTokensPerSecond ?? NaN;
    const prefill = (s: ReturnType<typeof summarize>) =>
      s.results.find((x) => x.batch === 1)?.prefillTokensPerSecond ?? NaN;
    const theirSummary = llamaCpp as ReturnType<typeof summarize>;
    const weightBytes = (ours[0]?.weightBytesPerToken as number | undefined) ?? NaN;
    // Batch-1 decode of each KV cache type against the first's, per round (same process order).
    const kvCache =
      kvCaches.length < 2
        ? undefined
        : kvCaches.map((t) => {
            const runs = oursByKvCache.get(t)!;
            const b1 = (run: RunFigures) =>
              run.results.find((x) => x.batch === 1)?.engineDecodeTokensPerSecond ?? NaN;
            return {
              kvCacheType: t,
              kvCacheBytes: runs[0]?.kvCacheBytes,
              engineDecodeBatch1TokensPerSecond: round(median(runs.map(b1))),
              engineDecodeBatch1OverFirstPerRound: runs.map((run, r) => ratio(b1(run), b1(ours[r]!))),
            };
          });
    models.push({
      arch,
      type,
      path,
      fileSizeBytes: statSync(path).size,
      // Each engine's own decode-step timing first; the wall clock adds node-llama-cpp's
      // per-token JavaScript to llama.cpp's side.
      versusLlamaCpp: llamaError
        ? null
        : {
            engineDecodeBatch1VsLlamaCpp: ratio(engineDecode(arbiter), engineDecode(theirSummary)),
            wallClockDecodeBatch1VsLlamaCpp: ratio(decode(arbiter, 1), decode(theirSummary, 1)),
            decodeBatch1VsLlamaCppTarget: 1.0,
            prefillBatch1VsLlamaCpp: ratio(prefill(arbiter), prefill(theirSummary)),
            prefillBatch1VsLlamaCppTarget: 1.0,
            greedyAgreement: greedyAgreement(ours, theirs),
          },
      ...(kvCache ? { kvCache } : {}),
      loadAverage: { before: loadAverageBefore, after: os.loadavg().map(round) },
      arbiter: { device: ours[0]?.device, ...arbiter },
      llamaCpp: llamaError
        ? llamaCpp
        : {
            engine: theirs[0]?.engine,
            release: theirs[0]?.llamaCppRelease,
            cpuVariant: theirs[0]?.cpuVariant,
            settings: theirs[0]?.settings,
            ...llamaCpp,
          },
      targets: {
        batch2OverBatch1: ratio(decode(arbiter, 2), decode(arbiter, 1)),
        // The same ratio taken within each round (batch 1 and 2 run back to back in one process)
        // and then the median: the machine's memory bandwidth drifts between rounds.
        batch2OverBatch1PerRoundMedian: perRoundRatio(arbiter, 2, 1),
        batch2OverBatch1Target: 1.85,
        batch4OverBatch1: ratio(decode(arbiter, 4), decode(arbiter, 1)),
        batch4OverBatch1PerRoundMedian: perRoundRatio(arbiter, 4, 1),
        batch4OverBatch1Target: 3.3,
        rssLoadIncreaseOverFileSize: ratio(arbiter.rssLoadIncreaseBytes, statSync(path).size),
        // The bandwidth batch-1 decode reads weights at, against the read probe's (same threads).
        weightBytesPerToken: weightBytes,
        engineDecodeBatch1GBps: round((weightBytes * engineDecode(arbiter)) / 1e9),
        engineDecodeBatch1OverProbeBandwidth: ratio(
          (weightBytes * engineDecode(arbiter)) / 1e9,
          probeReadGBps,
        ),
      },
    });
  }
  // Each family type against llama's file of that type, alternating in one process.
  const familiesVsLlama = [];
  for (const type of values["family-types"]!.split(",") as ModelType[]) {
    const familyPaths = models.filter((m) => m.arch !== "llama" && m.type === type).map((m) => m.path);
    if (familyPaths.length === 0) continue;
    process.stderr.write(`[bench] ${type}: llama vs ${familyPaths.length} families, alternating\n`);
    const interleaved = [await ensureModel("llama", type), ...familyPaths].join(",");
    const { result } = runWorker<unknown>(tsx, ["--interleave", interleaved, ...common]);
    familiesVsLlama.push({ type, families: result });
  }
  let structuredOutput: unknown = "skipped (--no-structured)";
  if (!values["no-structured"]) {
    process.stderr.write("[bench] structured output: constrained vs unconstrained decode, alternating\n");
    const { loadAverage, result } = runWorker<object>(tsx, [
      "--structured",
      await ensureModel("llama", "q8_0"),
      ...common,
    ]);
    structuredOutput = { loadAverage, ...result };
  }
  const lora = [];
  for (const type of values.lora!.split(",").filter(Boolean) as ModelType[]) {
    lora.push(await loraSection(type, tsx, llamaError));
  }
  let scoring: unknown = "skipped (--no-scoring)";
  if (!values["no-scoring"]) {
    process.stderr.write("[bench] reward-model scoring: prefill, score alone, a shared-prompt group\n");
    const { loadAverage, result } = runWorker<object>(tsx, [
      "--scoring",
      await ensureModel("llama", "q8_0", true),
      ...common,
    ]);
    scoring = { loadAverage, ...result };
  }
  const output = {
    benchmark: "inference-cpu",
    date: new Date().toISOString(),
    commit: tryGit(),
    machine: { ...machine(), loadAverageAtStart },
    probes,
    inputs: {
      ...SHAPE,
      threads,
      promptTokens,
      genTokens,
      batches,
      contextPerSequence,
      rounds: Number(values.rounds),
      vocab,
      shape: values.shape,
      kvCaches,
    },
    models,
    familiesVsLlama,
    structuredOutput,
    lora,
    scoring,
  };
  process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
}

/** kernel_bench --probes (built by the addon's build script when missing or out of date). */
function runProbes(): { readGBps: Record<string, number>; [key: string]: unknown } {
  const root = join(benchDir, "..", "..");
  execFileSync(process.execPath, [join(root, "inference", "scripts", "build-addon.mjs"), "kernel_bench"], {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"],
  });
  process.stderr.write("[bench] probes: read bandwidth, int8 multiply-accumulate, fp32 FMA\n");
  const out = execFileSync(
    join(root, "inference", "build", "Release", "kernel_bench"),
    ["--probes", "--threads", String(threads)],
    { encoding: "utf8" },
  );
  return JSON.parse(out) as { readGBps: Record<string, number> };
}

function tryGit(): string | null {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8", cwd: benchDir }).trim();
  } catch {
    return null;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench-inference failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
