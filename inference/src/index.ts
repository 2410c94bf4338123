// The Arbiter inference engine as TypeScript sees it: load a GGUF model, tokenize, generate
// (continuous batching: concurrent calls share each forward step), evaluate logits. The CLI, the
// OpenAI-compatible server and the web app all go through this module. Errors are `Error`s with
// a `code`: the engine's status names (INVALID_MODEL, INVALID_ARGUMENT, UNSUPPORTED, IO,
// OUT_OF_MEMORY, DEVICE_UNAVAILABLE, CONTEXT_OVERFLOW, CANCELLED, INTERNAL) or, from this
// wrapper, NATIVE_BUILD_MISSING and DISPOSED.
import { randomInt } from "node:crypto";

import { loadNative, type NativeEvent, type NativeModel } from "./native";

export type Device = "auto" | "cpu" | "cuda";

/** The KV cache's formats (LoadOptions.kvCacheType). */
export type KvCacheType = "f16" | "q8_0";

export type EngineErrorCode =
  | "INVALID_ARGUMENT"
  | "INVALID_MODEL"
  | "UNSUPPORTED"
  | "IO"
  | "OUT_OF_MEMORY"
  | "DEVICE_UNAVAILABLE"
  | "CONTEXT_OVERFLOW"
  | "CANCELLED"
  | "INTERNAL"
  | "NATIVE_BUILD_MISSING"
  | "DISPOSED";

/** An error from the engine or this wrapper; `code` says which kind. */
export type EngineError = Error & { code: EngineErrorCode };

export interface LoadOptions {
  /** Default "auto": CUDA when compiled in and a GPU is present. */
  device?: Device;
  /** CPU threads; default: the cores this process may use. */
  threads?: number;
  /** Positions per sequence; default min(model's context, 4096). */
  contextLength?: number;
  /** KV slots, i.e. sequences generated at once; default 8. */
  maxSequences?: number;
  /**
   * Default true: a request whose prompt starts like one that already finished (the same
   * prompt, or 32+ common tokens, e.g. the next turn of a conversation) starts from the keys and
   * values that request left in its slot, while the slot is free. Requests with the same prompt
   * running at once always share one prefill. Benchmarks that repeat prompts turn it off.
   */
  promptCache?: boolean;
  /**
   * The KV cache's format. Default "f16" (binary16). "q8_0": blocks of 32 8-bit values with a
   * binary16 scale, as llama.cpp's --cache-type-k/v q8_0: 34 bytes per 32 values instead of 64,
   * logits within 1% (float weights) or 3% (quantized weights) of the f16 cache's largest logit
   * (tested); CPU only (device "auto" picks the CPU), head sizes a multiple of 32.
   */
  kvCacheType?: KvCacheType;
  /** 0..1 while the weights are brought into memory (CPU) or uploaded (CUDA). */
  onProgress?: (fraction: number) => void;
  /**
   * LoRA adapters (llama.cpp's GGUF adapter format) served over this base without merging: a
   * request picks one with GenerateOptions.adapter (its index here). y = W x + scale ·
   * (alpha / r) · B (A x) on each adapted projection; scale defaults to 1.
   */
  adapters?: AdapterSpec[];
}

export interface AdapterSpec {
  path: string;
  scale?: number;
}

export interface AdapterInfo {
  path: string;
  scale: number;
  /** adapter.lora.alpha; 0 when the file has none (then the scale alone multiplies B A). */
  alpha: number;
  /** The largest rank of its tensor pairs. */
  rank: number;
  /** Adapted projections over all layers. */
  tensorPairs: number;
}

export interface ModelInfo {
  path: string;
  architecture: "llama" | "qwen2" | "qwen3" | "gemma3";
  name: string | null;
  device: "cpu" | "cuda";
  deviceDescription: string;
  threads: number;
  fileSize: number;
  parameterCount: number;
  /** The context this instance uses. */
  contextLength: number;
  kvCacheType: KvCacheType;
  /** Keys and values of every sequence slot and position (reserved; pages are touched as used). */
  kvCacheBytes: number;
  trainedContextLength: number;
  embeddingLength: number;
  blockCount: number;
  headCount: number;
  headCountKv: number;
  feedForwardLength: number;
  vocabSize: number;
  ropeFreqBase: number;
  rmsEpsilon: number;
  vocabType: "llama" | "gpt2";
  bosTokenId: number | null;
  /** Whether a prompt starts with BOS (tokenizer.ggml.add_bos_token; Llama: yes, Qwen: no). */
  addBosToken: boolean;
  /** A reward model: the file has a scalar score head (cls.output.weight), so `score` works. */
  scoreHead: boolean;
  eosTokenId: number | null;
  /** End of turn (Llama 3's <|eot_id|>), when the vocabulary names one. */
  eotTokenId: number | null;
  /** eos, eot, ...: sampling one of these ends generation. */
  endOfGenerationTokenIds: number[];
  /** The same tokens with their texts. */
  endOfGenerationTokens: SpecialToken[];
  /** The special tokens the vocabulary names (null when it names none for a role). */
  specialTokens: Record<"bos" | "eos" | "eot" | "eom" | "unk", SpecialToken | null>;
  chatTemplate: string | null;
  /** Tensors per type, e.g. { Q4_K: 50, Q6_K: 7, F32: 17 } for a Q4_K_M file. */
  tensorTypes: Record<string, number>;
  /** Every tensor with its weight type ("Q4_K", "F32", ...) and shape (ggml order). */
  tensors: { name: string; type: string; shape: number[] }[];
  /**
   * CPU only: the instruction set each kernel runs on, per weight type of the products and for
   * "attention", e.g. { Q4_K: "AVX-512+VNNI", F32: "AVX-512+VNNI", attention: "AVX-512+VNNI" }
   * ("portable", "AVX2+FMA+F16C" or "AVX-512+VNNI"). Empty on CUDA.
   */
  cpuKernels: Record<string, string>;
  /** The loaded LoRA adapters, in LoadOptions.adapters order. */
  adapters: AdapterInfo[];
}

/** A token id with its text in the vocabulary, e.g. { id: 128009, text: "<|eot_id|>" }. */
export interface SpecialToken {
  id: number;
  text: string;
}

export interface SamplingOptions {
  /** Default 0.8; 0 = greedy (deterministic). */
  temperature?: number;
  /** Default 40; 0 = off. */
  topK?: number;
  /** Default 0.95; 1 = off. */
  topP?: number;
  /** Default 1.0 (off); applies to the last 64 tokens (prompt included). */
  repetitionPenalty?: number;
  /** Default random; the same seed and the same request give the same sample. */
  seed?: number;
}

export interface GenerateOptions extends SamplingOptions {
  /** Default 256; clipped so that prompt + completion fits the context. */
  maxTokens?: number;
  /** Text stop sequences: generation ends before the first one, which is not in the output. */
  stop?: string[];
  /** Keep going past end-of-generation tokens (benchmarks). */
  ignoreEos?: boolean;
  /**
   * A JSON grammar the output must follow (compileJsonSchema() or jsonObjectGrammar() of
   * ./json-schema-grammar): the text is then one complete, valid JSON document, whatever the
   * model, provided maxTokens holds the schema's shortest document (else INVALID_ARGUMENT) and no
   * stop string cuts it. The document ends the generation (finishReason "stop").
   */
  grammar?: string;
  /** Cancels between tokens; the result then has finishReason "cancelled". */
  signal?: AbortSignal;
  /**
   * Called once per generated token. `text` is the UTF-8 that became final with it: empty while
   * a multi-byte character or a possible stop string is held back; the last call carries the
   * rest. The texts concatenate to the result's `text`.
   */
  onToken?: (token: { id: number; text: string }) => void;
  /** Index of the LoRA adapter (ModelInfo.adapters) to run with; default: the base model alone. */
  adapter?: number;
}

export interface GenerateResult {
  /** Generated ids (prompt excluded), a final end-of-generation token included. */
  tokens: number[];
  /** Detokenized, stop string removed. */
  text: string;
  /** "stop" = an end-of-generation token or a stop string. */
  finishReason: "stop" | "length" | "cancelled";
  promptTokens: number;
  /** Prompt positions reused from another sequence's cache (live or finished) instead of computed. */
  sharedPromptTokens: number;
  prefillMs: number;
  decodeMs: number;
  /** Of decodeMs: choosing tokens under `grammar` (masks and budget); 0 without one. */
  constraintMs: number;
  prefillTokensPerSecond: number;
  decodeTokensPerSecond: number;
}

/** One response's reward-model score (Model.score). */
export interface ScoreResult {
  /** score head . final normed hidden state of the response's last token (+ bias). */
  score: number;
  /** Prompt + response tokens. */
  tokens: number;
  /** Positions copied from another member's cache (the shared prompt) instead of computed. */
  sharedPromptTokens: number;
  prefillMs: number;
}

function engineError(code: EngineErrorCode, message: string): EngineError {
  const error = new Error(message) as EngineError;
  error.code = code;
  return error;
}

function disposedError(): EngineError {
  return engineError("DISPOSED", "this model has been disposed");
}

function checkInteger(name: string, value: number | undefined, min: number): void {
  if (value !== undefined && (!Number.isInteger(value) || value < min)) {
    throw engineError("INVALID_ARGUMENT", `${name} must be an integer >= ${min}, got ${value}`);
  }
}

/** Loads a GGUF model. Rejects with INVALID_MODEL, UNSUPPORTED, IO, DEVICE_UNAVAILABLE, ... */
export async function loadModel(path: string, options: LoadOptions = {}): Promise<Model> {
  const native = loadNative();
  checkInteger("threads", options.threads, 0);
  checkInteger("contextLength", options.contextLength, 0);
  checkInteger("maxSequences", options.maxSequences, 1);
  const device = options.device ?? "auto";
  if (device !== "auto" && device !== "cpu" && device !== "cuda") {
    throw engineError("INVALID_ARGUMENT", `device must be "auto", "cpu" or "cuda", got "${String(device)}"`);
  }
  const kvCacheType = options.kvCacheType ?? "f16";
  if (kvCacheType !== "f16" && kvCacheType !== "q8_0") {
    throw engineError(
      "INVALID_ARGUMENT",
      `kvCacheType must be "f16" or "q8_0", got "${String(kvCacheType)}"`,
    );
  }
  // Progress events cross threads and may trail the result: report them in order, end at 1.
  let last = 0;
  let loaded = false;
  const onProgress = options.onProgress;
  const report = (fraction: number) => {
    if (loaded || fraction < last) return;
    last = fraction;
    onProgress?.(fraction);
  };
  const model = await native.loadModel(
    path,
    {
      device,
      threads: options.threads ?? 0,
      contextLength: options.contextLength ?? 0,
      maxSequences: options.maxSequences ?? 8,
      promptCache: options.promptCache ?? true,
      kvCacheType,
      adapters: (options.adapters ?? []).map((a) => ({ path: a.path, scale: a.scale ?? 1 })),
    },
    onProgress ? report : undefined,
  );
  if (last < 1) report(1);
  loaded = true;
  return new Model(model);
}

/** Number of CUDA devices; 0 without a driver or GPU, or in a build without CUDA. */
export function cudaDeviceCount(): number {
  return loadNative().cudaDeviceCount();
}

/** Whether the addon was compiled with the CUDA backend. */
export function cudaCompiled(): boolean {
  return loadNative().cudaCompiled();
}

interface Pending {
  reject: (error: Error) => void;
}

export class Model {
  readonly info: ModelInfo;
  #native: NativeModel | null;
  readonly #pending = new Set<Pending>();

  /** Use loadModel(). */
  constructor(native: NativeModel) {
    this.#native = native;
    this.info = native.info() as unknown as ModelInfo;
  }

  #engine(): NativeModel {
    if (!this.#native) throw disposedError();
    return this.#native;
  }

  /** Text -> ids. No BOS unless addBos; `special` parses control tokens written in the text. */
  tokenize(text: string, options: { addBos?: boolean; special?: boolean } = {}): number[] {
    return this.#engine().tokenize(text, options.addBos ?? false, options.special ?? false);
  }

  /**
   * The concatenated texts -> ids, control tokens parsed only in the segments marked special.
   * Plain text runs on across segments, so the ids are those of the whole text except that
   * no control token comes from a plain segment (chat templates: markers vs. messages).
   */
  tokenizeSegments(
    segments: readonly { text: string; special: boolean }[],
    options: { addBos?: boolean } = {},
  ): number[] {
    return this.#engine().tokenizeSegments(
      segments.map((s) => [s.text, s.special]),
      options.addBos ?? false,
    );
  }

  /** Ids -> text as a standalone string (detokenize(tokenize(s)) === s). */
  detokenize(ids: number[]): string {
    return this.#engine().detokenize(ids);
  }

  /**
   * Raw completion from token ids (the caller adds BOS). Joins the continuous batch: concurrent
   * calls advance together, one forward step for all of them.
   */
  generate(promptTokens: number[], options: GenerateOptions = {}): Promise<GenerateResult> {
    return this.generateGroup([{ promptTokens, options }])[0]!;
  }

  /**
   * Several completions submitted at once (e.g. the n choices of one API request): the engine
   * admits them together, and those with the same prompt share one prefill whatever the thread
   * timing. One promise per request, in order; invalid arguments reject them all.
   */
  generateGroup(
    requests: { promptTokens: number[]; options?: GenerateOptions }[],
  ): Promise<GenerateResult>[] {
    let engine: NativeModel;
    try {
      engine = this.#engine();
      for (const { options = {} } of requests) {
        checkInteger("maxTokens", options.maxTokens, 0);
        checkInteger("topK", options.topK, 0);
        checkInteger("seed", options.seed, 0);
        checkInteger("adapter", options.adapter, -1);
      }
    } catch (error) {
      return requests.map(() => Promise.reject(error as Error));
    }
    const started = requests.map(({ promptTokens, options = {} }) =>
      this.#track(engine, promptTokens, options),
    );
    let ids: number[];
    try {
      ids = engine.generateGroup(started.map((s) => s.request));
    } catch (error) {
      for (const s of started) s.fail(error as Error);
      return started.map((s) => s.promise);
    }
    started.forEach((s, i) => s.submitted(ids[i]!));
    return started.map((s) => s.promise);
  }

  // One request's promise and event handling; `submitted(id)` registers it once the engine
  // has accepted it (cancellation through the signal needs the id).
  #track(engine: NativeModel, promptTokens: number[], options: GenerateOptions) {
    let resolve!: (result: GenerateResult) => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<GenerateResult>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const signal = options.signal;
    const pending: Pending = { reject };
    let id = -1;
    let settled = false;
    const onAbort = () => {
      if (id >= 0) engine.cancel(id);
    };
    const settle = () => {
      settled = true;
      this.#pending.delete(pending);
      signal?.removeEventListener("abort", onAbort);
    };
    pending.reject = (error) => {
      if (settled) return;
      settle();
      reject(error);
    };
    const onEvent = (event: NativeEvent) => {
      if (settled) return;
      if (event.type === "token") {
        if (!options.onToken) return;
        try {
          options.onToken({ id: event.id, text: event.text });
        } catch (error) {
          engine.cancel(id);
          pending.reject(error as Error);
        }
      } else if (event.type === "done") {
        settle();
        resolve(toResult(event));
      } else {
        pending.reject(event.error);
      }
    };
    const request: [number[], ReturnType<typeof nativeOptions>, (event: NativeEvent) => void] = [
      promptTokens,
      nativeOptions(options, false),
      onEvent,
    ];
    return {
      promise,
      request,
      fail: (error: Error) => reject(error),
      submitted: (requestId: number) => {
        id = requestId;
        this.#pending.add(pending);
        if (signal) {
          if (signal.aborted) onAbort();
          else signal.addEventListener("abort", onAbort, { once: true });
        }
      },
    };
  }

  /** Logits of every position of one sequence: tokens.length x vocabSize, row-major. */
  evaluate(tokens: number[], options: { adapter?: number } = {}): Promise<Float32Array> {
    return new Promise<Float32Array>((resolve, reject) => {
      const pending: Pending = { reject };
      let engine: NativeModel;
      try {
        engine = this.#engine();
        checkInteger("adapter", options.adapter, -1);
        const evaluateOptions = { temperature: 0, maxTokens: 0, adapter: options.adapter };
        engine.generate(tokens, nativeOptions(evaluateOptions, true), (event) => {
          if (!this.#pending.delete(pending)) return;
          if (event.type === "done") resolve(event.logits ?? new Float32Array(0));
          else if (event.type === "error") reject(event.error);
        });
      } catch (error) {
        reject(error);
        return;
      }
      this.#pending.add(pending);
    });
  }

  /**
   * Reward-model scores of several responses to one prompt (each response's tokens follow the
   * prompt's; the caller adds BOS to the prompt). Submitted as one group: the prompt is
   * prefilled once and its cache copied to each response. Needs a model with a score head
   * (info.scoreHead); others reject with UNSUPPORTED. CPU backend only.
   */
  score(promptTokens: number[], responsesTokens: number[][]): Promise<ScoreResult[]> {
    let engine: NativeModel;
    try {
      engine = this.#engine();
      if (responsesTokens.length === 0) {
        throw engineError(
          "INVALID_ARGUMENT",
          "score(promptTokens, responsesTokens) needs at least one response",
        );
      }
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const options = { ...nativeOptions({ temperature: 0, maxTokens: 0 }, false), score: true };
    const members = responsesTokens.map((response) => {
      const pending: Pending = { reject: () => {} };
      let onEvent!: (event: NativeEvent) => void;
      const promise = new Promise<ScoreResult>((resolve, reject) => {
        pending.reject = reject;
        onEvent = (event) => {
          if (!this.#pending.delete(pending)) return;
          if (event.type === "done") {
            resolve({
              score: event.score,
              tokens: event.promptTokens,
              sharedPromptTokens: event.sharedPromptTokens,
              prefillMs: event.prefillMs,
            });
          } else if (event.type === "error") {
            reject(event.error);
          }
        };
      });
      const request: [number[], typeof options, (event: NativeEvent) => void] = [
        [...promptTokens, ...response],
        options,
        onEvent,
      ];
      return { pending, promise, request };
    });
    try {
      engine.generateGroup(members.map((m) => m.request));
    } catch (error) {
      return Promise.reject(error as Error);
    }
    for (const m of members) this.#pending.add(m.pending);
    return Promise.all(members.map((m) => m.promise));
  }

  /** Frees the weights and caches; running requests reject with DISPOSED, later calls throw it. */
  dispose(): void {
    if (!this.#native) return;
    const native = this.#native;
    this.#native = null;
    native.dispose();
    for (const pending of [...this.#pending]) pending.reject(disposedError());
    this.#pending.clear();
  }
}

function nativeOptions(options: GenerateOptions, evaluate: boolean) {
  return {
    temperature: options.temperature ?? 0.8,
    topK: options.topK ?? 40,
    topP: options.topP ?? 0.95,
    repetitionPenalty: options.repetitionPenalty ?? 1.0,
    seed: options.seed ?? randomInt(0, 2 ** 47),
    maxTokens: options.maxTokens ?? 256,
    stop: options.stop ?? [],
    ignoreEos: options.ignoreEos ?? false,
    evaluate,
    ...(options.grammar === undefined ? {} : { grammar: options.grammar }),
    adapter: options.adapter ?? -1,
  };
}

function toResult(event: Extract<NativeEvent, { type: "done" }>): GenerateResult {
  const decodeTokens = Math.max(0, event.tokens.length - 1); // the first comes from the prefill
  return {
    tokens: event.tokens,
    text: event.text,
    finishReason: event.finishReason,
    promptTokens: event.promptTokens,
    sharedPromptTokens: event.sharedPromptTokens,
    prefillMs: event.prefillMs,
    decodeMs: event.decodeMs,
    constraintMs: event.constraintMs,
    prefillTokensPerSecond: event.prefillMs > 0 ? event.promptTokens / (event.prefillMs / 1000) : 0,
    decodeTokensPerSecond: event.decodeMs > 0 ? decodeTokens / (event.decodeMs / 1000) : 0,
  };
}
