// `npm run --silent infer -- <command>`: tokenize, generate, bench, make-model, make-lora,
// convert-lora, info. Prints one
// JSON document on stdout (the contract in shared/ARCHITECTURE.md that outside checks read);
// progress and errors go to stderr, errors with a non-zero exit. Bundleable into one .mjs: the
// engine is imported on demand, so make-model runs without the native build.

import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";

import { z } from "zod";

import type { Device, GenerateResult, KvCacheType, LoadOptions, Model } from "./index";
import { compileJsonSchema, SchemaError } from "./json-schema-grammar";
import {
  convertPeftAdapter,
  LORA_TENSOR_TYPES,
  type LoraBase,
  type LoraTensorType,
  makeLoraAdapter,
  parseAdapterSpec,
} from "./lora-adapter";
import {
  MODEL_ARCHS,
  MODEL_TYPES,
  type ModelArch,
  type ModelType,
  makeModel,
  parseRopeScaling,
} from "./make-model";

class UsageError extends Error {}

const USAGE = `usage: npm run --silent infer -- <command> [options]

  tokenize   --model F (--text S | --file T.json) [--special]
  generate   --model F --prompt S [--max-tokens N] [--temperature T] [--top-p P] [--top-k K]
             [--seed S] [--threads N] [--device auto|cpu|cuda] [--context N] [--cache-type f16|q8_0]
             [--json-schema F]   (the output is a JSON document valid under the schema in F)
             [--lora FILE[:SCALE] ...]   one completion per adapter, together in one batch
  bench      --model F --prompt-tokens P --gen-tokens G [--batch 1,2,4] [--threads N]
             [--device auto|cpu|cuda] [--cache-type f16|q8_0] [--lora FILE[:SCALE] ...]
             (sequence i runs adapter i mod count; --cache-type q8_0: the 8-bit KV cache, CPU)
  make-lora  --base MODEL.gguf --out F --rank R [--alpha A] [--type f32|f16|bf16|q8_0] [--seed S]
             [--peft]   a random adapter of every attention and FFN projection (F: a PEFT folder)
  convert-lora --peft DIR --base MODEL.gguf --out ADAPTER.gguf [--type f32|f16|bf16|q8_0]
  make-model --out F --dim D --layers L --heads H --kv-heads K --ffn N --type ${MODEL_TYPES.join("|")}
             [--arch ${MODEL_ARCHS.join("|")}] [--rope-scaling llama3:ORIG_CTX[:FACTOR] | linear:F]
             [--head-dim N] [--sliding-window N]
             [--vocab N | --vocab-from llama2 | --tokenizer-json F] [--seed S] [--context N] [--tied]
             [--chat-template-file F] [--reward-head]   (a scalar score head: a reward model)
  info       --model F [--device auto|cpu|cuda]

Prints one JSON document on stdout; progress and errors go to stderr.`;

type OptionSpec = Record<string, { type: "string" | "boolean" }>;

function parse<T extends OptionSpec>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function required(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== "string" || v === "") throw new UsageError(`--${name} is required`);
  return v;
}

function integer(values: Record<string, unknown>, name: string, min: number, fallback?: number): number {
  const v = values[name];
  if (v === undefined) {
    if (fallback === undefined) throw new UsageError(`--${name} is required`);
    return fallback;
  }
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min)
    throw new UsageError(`--${name} must be an integer >= ${min}, got ${String(v)}`);
  return n;
}

function number(values: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new UsageError(`--${name} must be a number in [${min}, ${max}], got ${String(v)}`);
  return n;
}

function device(values: Record<string, unknown>): Device | undefined {
  const v = values.device;
  if (v === undefined) return undefined;
  if (v !== "auto" && v !== "cpu" && v !== "cuda")
    throw new UsageError(`--device must be auto, cpu or cuda, got ${String(v)}`);
  return v;
}

function cacheType(values: Record<string, unknown>): KvCacheType | undefined {
  const v = values["cache-type"];
  if (v === undefined) return undefined;
  if (v !== "f16" && v !== "q8_0") throw new UsageError(`--cache-type must be f16 or q8_0, got ${String(v)}`);
  return v;
}

const DEVICE_OPTIONS = {
  device: { type: "string" },
  threads: { type: "string" },
  context: { type: "string" },
  "cache-type": { type: "string" },
  lora: { type: "string", multiple: true },
} as const;

function loadOptionsFrom(values: Record<string, unknown>): LoadOptions {
  const threads = values.threads === undefined ? undefined : integer(values, "threads", 1);
  const contextLength = values.context === undefined ? undefined : integer(values, "context", 1);
  const adapters = ((values.lora as string[] | undefined) ?? []).map((spec) => {
    try {
      return parseAdapterSpec(spec);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  });
  return { device: device(values), threads, contextLength, kvCacheType: cacheType(values), adapters };
}

function loraType(values: Record<string, unknown>): LoraTensorType | undefined {
  const v = values.type;
  if (v === undefined) return undefined;
  const type = String(v).toUpperCase();
  if (!LORA_TENSOR_TYPES.includes(type as LoraTensorType))
    throw new UsageError(
      `--type must be one of ${LORA_TENSOR_TYPES.join(", ").toLowerCase()}, got ${String(v)}`,
    );
  return type as LoraTensorType;
}

/** Loads a model, showing progress on stderr. */
async function load(path: string, options: LoadOptions): Promise<Model> {
  const { loadModel } = await import("./index");
  const started = performance.now();
  let shown = -1;
  const model = await loadModel(path, {
    ...options,
    onProgress: (fraction) => {
      const percent = Math.floor(fraction * 10) * 10;
      if (percent > shown) {
        shown = percent;
        process.stderr.write(`loading ${path}: ${percent}%\n`);
      }
    },
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stderr.write(`loaded ${path} on ${model.info.deviceDescription} in ${seconds}s\n`);
  return model;
}

async function withModel<T>(
  path: string,
  options: LoadOptions,
  use: (model: Model) => Promise<T>,
): Promise<T> {
  const model = await load(path, options);
  try {
    return await use(model);
  } finally {
    model.dispose();
  }
}

// ---------------------------------------------------------------------------------------------

async function tokenize(argv: string[]) {
  const values = parse(argv, {
    model: { type: "string" },
    text: { type: "string" },
    file: { type: "string" },
    special: { type: "boolean" },
  });
  const path = required(values, "model");
  if ((values.text === undefined) === (values.file === undefined))
    throw new UsageError("give exactly one of --text and --file");
  const special = values.special ?? false;
  let texts: string[] | null = null;
  if (values.file !== undefined) {
    const parsed = z.array(z.string()).safeParse(JSON.parse(await readFile(values.file, "utf8")));
    if (!parsed.success) throw new UsageError(`--file ${values.file} must hold a JSON array of strings`);
    texts = parsed.data;
  }
  // Tokenizing needs the vocabulary only: one thread, a minimal context.
  return withModel(path, { device: "cpu", threads: 1, contextLength: 16, maxSequences: 1 }, async (model) => {
    const encode = (text: string) => model.tokenize(text, { addBos: false, special });
    return texts === null ? { ids: encode(values.text!) } : { ids: texts.map(encode) };
  });
}

async function generate(argv: string[]) {
  const values = parse(argv, {
    model: { type: "string" },
    prompt: { type: "string" },
    "max-tokens": { type: "string" },
    temperature: { type: "string" },
    "top-p": { type: "string" },
    "top-k": { type: "string" },
    seed: { type: "string" },
    "json-schema": { type: "string" },
    ...DEVICE_OPTIONS,
  });
  const path = required(values, "model");
  if (values.prompt === undefined) throw new UsageError("--prompt is required");
  const prompt = values.prompt;
  const schemaFile = values["json-schema"];
  const grammar = schemaFile === undefined ? undefined : await schemaGrammar(schemaFile);
  const sampling = {
    maxTokens: integer(values, "max-tokens", 1, 256),
    temperature: number(values, "temperature", 0, 100),
    topP: number(values, "top-p", 0, 1),
    topK: values["top-k"] === undefined ? undefined : integer(values, "top-k", 0),
    seed: values.seed === undefined ? undefined : integer(values, "seed", 0),
    grammar,
  };
  const options = loadOptionsFrom(values);
  const adapters = options.adapters ?? [];
  return withModel(path, { ...options, maxSequences: Math.max(1, adapters.length) }, async (model) => {
    // Raw completion: BOS + the prompt's tokens, no chat template, no special-token parsing.
    const promptTokens = model.tokenize(prompt, { addBos: true, special: false });
    const summary = (result: GenerateResult) => ({
      tokens: result.tokens,
      text: result.text,
      prefillTokensPerSecond: result.prefillTokensPerSecond,
      decodeTokensPerSecond: result.decodeTokensPerSecond,
    });
    if (adapters.length === 0) return summary(await model.generate(promptTokens, sampling));
    const results = await Promise.all(
      model.generateGroup(
        adapters.map((_, adapter) => ({ promptTokens, options: { ...sampling, adapter } })),
      ),
    );
    return { adapters: results.map((r, i) => ({ ...adapters[i]!, ...summary(r) })) };
  });
}

/** The grammar of the JSON Schema in `file`; a file that is not JSON or a schema the engine cannot follow is a usage error. */
async function schemaGrammar(file: string): Promise<string> {
  let schema: unknown;
  try {
    schema = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new UsageError(`--json-schema ${file}: ${(error as Error).message}`);
  }
  try {
    return compileJsonSchema(schema);
  } catch (error) {
    if (error instanceof SchemaError) throw new UsageError(`--json-schema ${file}: ${error.message}`);
    throw error;
  }
}

/** `count` ordinary tokens (no BOS) that differ for each `variant`, from tokenized prose. */
function benchPrompt(model: Model, count: number, variant: number): number[] {
  const words = [
    "the",
    "quick",
    "brown",
    "fox",
    "jumps",
    "over",
    "lazy",
    "dog",
    "and",
    "then",
    "runs",
    "far",
    "away",
    "into",
    "forest",
  ];
  const ids: number[] = [];
  let text = `Story ${variant}:`;
  for (let i = 0; ids.length < count; i++) {
    for (let j = 0; j < 64; j++)
      text += " " + words[(variant * 7 + i * 64 + j * (variant + 3)) % words.length];
    ids.splice(0, ids.length, ...model.tokenize(text, { addBos: false, special: false }));
  }
  return ids.slice(0, count);
}

async function bench(argv: string[]) {
  const values = parse(argv, {
    model: { type: "string" },
    "prompt-tokens": { type: "string" },
    "gen-tokens": { type: "string" },
    batch: { type: "string" },
    ...DEVICE_OPTIONS,
  });
  const path = required(values, "model");
  const promptTokens = integer(values, "prompt-tokens", 1);
  const genTokens = integer(values, "gen-tokens", 2);
  const batches = (values.batch ?? "1").split(",").map((b) => {
    const n = Number(b.trim());
    if (!Number.isSafeInteger(n) || n < 1)
      throw new UsageError(
        `--batch must be a comma-separated list of positive integers, got ${values.batch}`,
      );
    return n;
  });
  const options = loadOptionsFrom(values);
  const adapterCount = options.adapters?.length ?? 0;
  const maxBatch = Math.max(...batches);
  return withModel(
    path,
    {
      ...options,
      contextLength: options.contextLength ?? promptTokens + genTokens + 8,
      maxSequences: maxBatch,
      // Every batch size reuses the same prompts: without this, later runs would start from
      // the caches earlier ones left and the prefill figures would count work not done.
      promptCache: false,
    },
    async (model) => {
      const bos = model.info.bosTokenId;
      const prompts = Array.from({ length: maxBatch }, (_, i) => [
        ...(bos !== null ? [bos] : []),
        ...benchPrompt(model, promptTokens, i),
      ]);
      // Warm-up: thread pool, caches and first-touch of the weights are not part of the figures.
      await model.generate(prompts[0]!.slice(0, 8), { maxTokens: 2, temperature: 0, ignoreEos: true });
      const results = [];
      for (const batch of batches) {
        process.stderr.write(
          `bench: batch ${batch}, ${promptTokens} prompt tokens, ${genTokens} generated tokens each\n`,
        );
        // All sequences are submitted together, so the scheduler steps them as one batch. Figures
        // are wall-clock: prefill ends when every sequence has its first token.
        const started = performance.now();
        let prefillDone = 0;
        let firstTokens = 0;
        const runs = prompts.slice(0, batch).map((prompt, i) => {
          let first = true;
          return model.generate(prompt, {
            maxTokens: genTokens,
            temperature: 0,
            ignoreEos: true,
            adapter: adapterCount > 0 ? i % adapterCount : undefined,
            onToken: () => {
              if (!first) return;
              first = false;
              if (++firstTokens === batch) prefillDone = performance.now();
            },
          });
        });
        const done = await Promise.all(runs);
        const finished = performance.now();
        const generated = done.reduce((n, r) => n + r.tokens.length, 0);
        const prefilled = prompts.slice(0, batch).reduce((n, p) => n + p.length, 0);
        results.push({
          batch,
          prefillTokensPerSecond: prefilled / ((prefillDone - started) / 1000),
          // The first token of each sequence comes from its prefill; the rest are decode steps.
          decodeTokensPerSecond: (generated - batch) / ((finished - prefillDone) / 1000),
        });
      }
      return {
        model: path,
        device: model.info.device,
        threads: model.info.threads,
        kvCacheType: model.info.kvCacheType,
        kvCacheBytes: model.info.kvCacheBytes,
        adapters: model.info.adapters,
        peakRssBytes: process.resourceUsage().maxRSS * 1024,
        results,
      };
    },
  );
}

async function makeModelCommand(argv: string[]) {
  const values = parse(argv, {
    out: { type: "string" },
    dim: { type: "string" },
    layers: { type: "string" },
    heads: { type: "string" },
    "kv-heads": { type: "string" },
    ffn: { type: "string" },
    type: { type: "string" },
    arch: { type: "string" },
    "rope-scaling": { type: "string" },
    "head-dim": { type: "string" },
    "sliding-window": { type: "string" },
    vocab: { type: "string" },
    "vocab-from": { type: "string" },
    "tokenizer-json": { type: "string" },
    seed: { type: "string" },
    context: { type: "string" },
    tied: { type: "boolean" },
    "reward-head": { type: "boolean" },
    "chat-template-file": { type: "string" },
  });
  const type = required(values, "type");
  if (!MODEL_TYPES.includes(type as ModelType))
    throw new UsageError(`--type must be one of ${MODEL_TYPES.join(", ")}, got ${type}`);
  const vocabularies = [values.vocab, values["vocab-from"], values["tokenizer-json"]];
  if (vocabularies.filter((v) => v !== undefined).length > 1)
    throw new UsageError("give one of --vocab, --vocab-from and --tokenizer-json");
  if (values["vocab-from"] !== undefined && values["vocab-from"] !== "llama2")
    throw new UsageError(`--vocab-from must be llama2, got ${values["vocab-from"]}`);
  if (values.arch !== undefined && !MODEL_ARCHS.includes(values.arch as ModelArch))
    throw new UsageError(`--arch must be one of ${MODEL_ARCHS.join(", ")}, got ${values.arch}`);
  let ropeScaling;
  try {
    ropeScaling = values["rope-scaling"] === undefined ? undefined : parseRopeScaling(values["rope-scaling"]);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const heads = integer(values, "heads", 1);
  const out = required(values, "out");
  let lastPercent = -1;
  const made = await makeModel({
    out,
    dim: integer(values, "dim", 1),
    layers: integer(values, "layers", 1),
    heads,
    kvHeads: integer(values, "kv-heads", 1, heads),
    ffn: integer(values, "ffn", 1),
    type: type as ModelType,
    arch: values.arch as ModelArch | undefined,
    ropeScaling,
    headDim: values["head-dim"] === undefined ? undefined : integer(values, "head-dim", 2),
    slidingWindow: values["sliding-window"] === undefined ? undefined : integer(values, "sliding-window", 1),
    vocab:
      values["vocab-from"] === "llama2"
        ? "llama2"
        : values.vocab === undefined
          ? undefined
          : integer(values, "vocab", 1),
    tokenizerJson: values["tokenizer-json"],
    seed: values.seed === undefined ? undefined : integer(values, "seed", 0),
    context: values.context === undefined ? undefined : integer(values, "context", 1),
    tied: values.tied ?? false,
    rewardHead: values["reward-head"] ?? false,
    chatTemplate:
      values["chat-template-file"] === undefined
        ? undefined
        : await readFile(values["chat-template-file"], "utf8"),
    onProgress: ({ bytesWritten, totalBytes }) => {
      const percent = Math.floor((bytesWritten / totalBytes) * 10) * 10;
      if (percent > lastPercent && totalBytes > 64 << 20)
        process.stderr.write(`writing ${out}: ${percent}%\n`);
      lastPercent = percent;
    },
  });
  return made;
}

async function makeLoraCommand(argv: string[]) {
  const values = parse(argv, {
    base: { type: "string" },
    out: { type: "string" },
    rank: { type: "string" },
    alpha: { type: "string" },
    type: { type: "string" },
    seed: { type: "string" },
    peft: { type: "boolean" },
  });
  const rank = integer(values, "rank", 1);
  const out = required(values, "out");
  const base = await baseOf(required(values, "base"));
  const made = await makeLoraAdapter({
    base,
    out,
    rank,
    alpha: number(values, "alpha", 0, 1e6) ?? rank,
    format: values.peft ? "peft" : "gguf",
    type: loraType(values) ?? "F16",
    seed: values.seed === undefined ? undefined : integer(values, "seed", 0),
  });
  return { out, ...made };
}

async function convertLoraCommand(argv: string[]) {
  const values = parse(argv, {
    peft: { type: "string" },
    base: { type: "string" },
    out: { type: "string" },
    type: { type: "string" },
  });
  const out = required(values, "out");
  const base = await baseOf(required(values, "base"));
  const converted = await convertPeftAdapter({
    peftDir: required(values, "peft"),
    base,
    out,
    type: loraType(values),
  });
  return { out, ...converted };
}

/** The base model's shapes, read by loading it (which also checks it) with the smallest state. */
function baseOf(path: string): Promise<LoraBase> {
  return withModel(
    path,
    { device: "cpu", threads: 1, contextLength: 16, maxSequences: 1 },
    async (m) => m.info,
  );
}

async function info(argv: string[]) {
  const values = parse(argv, { model: { type: "string" }, ...DEVICE_OPTIONS });
  return withModel(
    required(values, "model"),
    { ...loadOptionsFrom(values), maxSequences: 1 },
    async (model) => model.info,
  );
}

const COMMANDS: Record<string, (argv: string[]) => Promise<unknown>> = {
  tokenize,
  generate,
  bench,
  "make-model": makeModelCommand,
  "make-lora": makeLoraCommand,
  "convert-lora": convertLoraCommand,
  info,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    process.stderr.write(USAGE + "\n");
    return command === undefined ? 2 : 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    process.stderr.write(`unknown command "${command}"\n\n${USAGE}\n`);
    return 2;
  }
  try {
    const result = await run(rest);
    process.stdout.write(JSON.stringify(result) + "\n");
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`infer ${command}: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    const e = error as Error & { code?: string };
    process.stderr.write(`infer ${command} failed: ${e.code ? `${e.code}: ` : ""}${e.message}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`infer: ${String(error)}\n`);
    process.exit(1);
  },
);
