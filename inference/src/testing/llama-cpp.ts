// llama.cpp as an outside oracle for the engine's tests, through node-llama-cpp's prebuilt x64
// CPU binary (a devDependency; never built or downloaded: build "never", postinstall skipped in
// package.json). Logits come back as log-probabilities (node-llama-cpp exposes no raw logits):
// log p_i = logit_i - logsumexp, so a row minus its mean is the logit row minus its mean.

import { getLlama, type Llama, LlamaLogLevel, type LlamaModel, type Token } from "node-llama-cpp";

let llama: Promise<Llama> | null = null;

/** What llama.cpp printed about the last context it created (node-llama-cpp echoes requests). */
const lastContext: { flashAttention: string | null; contextPerSequence: number | null } = {
  flashAttention: null,
  contextPerSequence: null,
};

/** The CPU build of llama.cpp, loaded once per test file. */
export function loadLlamaCpp(): Promise<Llama> {
  llama ??= getLlama({
    gpu: false,
    build: "never",
    logLevel: LlamaLogLevel.info,
    logger: (level, message) => {
      const flashAttention = /Flash Attention (enabled|disabled)|flash_attn\s*=\s*(enabled|disabled)/.exec(
        message,
      );
      if (flashAttention) lastContext.flashAttention = flashAttention[1] ?? flashAttention[2]!;
      const perSequence = /n_ctx_seq\s*=\s*(\d+)/.exec(message);
      if (perSequence) lastContext.contextPerSequence = Number(perSequence[1]);
      if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal)
        process.stderr.write(`llama.cpp: ${message}\n`);
    },
  });
  return llama;
}

export async function loadLlamaCppModel(path: string): Promise<LlamaModel> {
  return (await loadLlamaCpp()).loadModel({ modelPath: path, gpuLayers: 0, useMmap: true });
}

/**
 * A context for comparisons with the engine: one thread (llama.cpp's threads spin at barriers,
 * which on a busy 2-core machine costs more than they save on tiny models), F16 keys and values
 * (the engine's KV cache is binary16 too), and flash attention off (llama.cpp's CPU flash
 * attention adds the values up in binary16; without it the sums are float32, as the engine's).
 * `printed` holds the flash attention and context per sequence llama.cpp printed when it made
 * the context. `lora`: LoRA adapters llama.cpp applies to every token of the context.
 */
export async function llamaCppSequence(
  model: LlamaModel,
  contextSize: number,
  lora?: { filePath: string; scale?: number }[],
) {
  lastContext.flashAttention = null;
  lastContext.contextPerSequence = null;
  const context = await model.createContext({
    contextSize,
    sequences: 1,
    threads: 1,
    batchSize: contextSize,
    flashAttention: false,
    experimentalKvCacheKeyType: "F16",
    experimentalKvCacheValueType: "F16",
    ...(lora ? { lora: { adapters: lora } } : {}),
  });
  // The log comes through a thread-safe function, one event-loop turn behind createContext.
  await new Promise(setImmediate);
  return { context, sequence: context.getSequence(), printed: { ...lastContext } };
}

type Sequence = Awaited<ReturnType<typeof llamaCppSequence>>["sequence"];

/**
 * The full next-token distribution after every position of `tokens` (evaluated from an empty
 * sequence), as log-probabilities centred on their mean: the logits centred on theirs.
 */
export async function llamaCppCentredLogits(
  sequence: Sequence,
  tokens: readonly number[],
  vocabSize: number,
): Promise<Float64Array[]> {
  await sequence.clearHistory();
  // Temperature 1 and every filter off: the probabilities are the softmax of the raw logits.
  const options = { temperature: 1, topK: 0, topP: 1, minP: 0 };
  const outputs = await sequence.controlledEvaluate(
    tokens.map((t) => [t as Token, { generateNext: { probabilities: true, options } }]),
  );
  return outputs.map((output, p) => {
    const probabilities = output?.next.probabilities;
    if (!probabilities || probabilities.size !== vocabSize)
      throw new Error(
        `llama.cpp gave ${probabilities?.size ?? 0} probabilities at position ${p}, not ${vocabSize}`,
      );
    const row = new Float64Array(vocabSize);
    for (const [token, probability] of probabilities) {
      if (!(probability > 0))
        throw new Error(`token ${token} has probability ${probability} at position ${p}`);
      row[token] = Math.log(probability);
    }
    return centred(row);
  });
}

/** llama.cpp's greedy continuation of `prompt` (BOS included by the caller), past any EOS. */
export async function llamaCppGreedy(
  sequence: Sequence,
  prompt: readonly number[],
  count: number,
): Promise<number[]> {
  await sequence.clearHistory();
  const tokens: number[] = [];
  for await (const token of sequence.evaluate(prompt as Token[], { temperature: 0, yieldEogToken: true })) {
    tokens.push(token);
    if (tokens.length === count) break;
  }
  return tokens;
}

/** A row minus its mean. */
export function centred(row: ArrayLike<number>): Float64Array {
  let mean = 0;
  for (let i = 0; i < row.length; i++) mean += row[i]!;
  mean /= row.length;
  return Float64Array.from(row, (v) => v - mean);
}

/** llama.cpp's view of a GGUF's vocabulary alone (the reference tokenizer in the tokenizer tests). */
export interface LlamaCppVocabulary {
  /** common_tokenize without BOS; `special` parses control tokens written in the text. */
  tokenize(text: string, special: boolean): number[];
  isEogToken(token: number): boolean;
  tokens: { bos: number | null; eos: number | null; eot: number | null; shouldPrependBosToken: boolean };
  dispose(): Promise<void>;
}

export async function loadLlamaCppVocabulary(path: string): Promise<LlamaCppVocabulary> {
  const model = (await (
    await loadLlamaCpp()
  ).loadModel({ modelPath: path, vocabOnly: true, gpuLayers: 0 })) as unknown as Omit<
    LlamaCppVocabulary,
    "dispose"
  > & { dispose(): Promise<void> };
  return {
    tokenize: (text, special) => model.tokenize(text, special),
    isEogToken: (token) => model.isEogToken(token),
    tokens: model.tokens,
    dispose: () => model.dispose(),
  };
}
