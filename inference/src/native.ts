// Loads the compiled addon (inference/build/Release/arbiter.node, or ARBITER_ADDON_PATH) and
// describes its raw interface. index.ts wraps it in the typed API; nothing else imports this.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/** The command that builds the addon, quoted in the error when it is missing. */
export const BUILD_COMMAND = "npm run build:addon";

export type NativeEvent =
  | { type: "token"; id: number; text: string }
  | {
      type: "done";
      finishReason: "stop" | "length" | "cancelled";
      tokens: number[];
      text: string;
      promptTokens: number;
      sharedPromptTokens: number;
      prefillMs: number;
      decodeMs: number;
      constraintMs: number;
      /** score requests: head . final normed hidden state of the last token + bias. */
      score: number;
      logits?: Float32Array;
    }
  | { type: "error"; error: Error & { code: string } };

export interface NativeGenerateOptions {
  temperature: number;
  topK: number;
  topP: number;
  repetitionPenalty: number;
  seed: number;
  maxTokens: number;
  stop: string[];
  ignoreEos: boolean;
  evaluate: boolean;
  /** Return the score head's value on the last prompt token instead of generating. */
  score?: boolean;
  /** A JSON grammar (json-schema-grammar.ts) the output must follow. */
  grammar?: string;
  adapter: number;
}

export interface NativeModel {
  info(): Record<string, unknown>;
  tokenize(text: string, addBos: boolean, special: boolean): number[];
  tokenizeSegments(segments: [text: string, special: boolean][], addBos: boolean): number[];
  detokenize(ids: number[] | Int32Array): string;
  /** Returns the request id; events arrive on `onEvent`, the last one "done" or "error". */
  generate(
    ids: number[] | Int32Array,
    options: NativeGenerateOptions,
    onEvent: (event: NativeEvent) => void,
  ): number;
  /** Several requests admitted together; returns their ids in order. */
  generateGroup(
    requests: [
      ids: number[] | Int32Array,
      options: NativeGenerateOptions,
      onEvent: (event: NativeEvent) => void,
    ][],
  ): number[];
  cancel(id: number): void;
  dispose(): void;
}

export interface NativeAddon {
  loadModel(
    path: string,
    options: {
      device: string;
      threads: number;
      contextLength: number;
      maxSequences: number;
      promptCache: boolean;
      kvCacheType: string;
      adapters: { path: string; scale: number }[];
    },
    onProgress?: (fraction: number) => void,
  ): Promise<NativeModel>;
  cudaCompiled(): boolean;
  cudaDeviceCount(): number;
  /** The C++ reference quantizer (quants_ref.h) for a ggml type id; for tests. */
  quantizeReference(typeId: number, values: Float32Array): Uint8Array;
}

/** Where the addon is looked for. */
export function addonPath(): string {
  return (
    process.env.ARBITER_ADDON_PATH || fileURLToPath(new URL("../build/Release/arbiter.node", import.meta.url))
  );
}

function nativeBuildMissing(message: string, cause?: unknown): Error & { code: string } {
  const error = new Error(message, cause === undefined ? undefined : { cause }) as Error & { code: string };
  error.code = "NATIVE_BUILD_MISSING";
  return error;
}

let cached: NativeAddon | null = null;

/** The addon, loaded once. Throws an Error with code NATIVE_BUILD_MISSING when it is absent. */
export function loadNative(): NativeAddon {
  if (cached) return cached;
  const path = addonPath();
  if (!existsSync(path)) {
    throw nativeBuildMissing(
      `The Arbiter inference addon is not built (looked for ${path}). Build it with \`${BUILD_COMMAND}\` ` +
        "(needs g++ and Node's headers; npm install runs it too).",
    );
  }
  try {
    cached = createRequire(import.meta.url)(path) as NativeAddon;
  } catch (error) {
    throw nativeBuildMissing(
      `The Arbiter inference addon at ${path} could not be loaded (${(error as Error).message}). ` +
        `Rebuild it for this Node version with \`${BUILD_COMMAND}\`.`,
      error,
    );
  }
  return cached;
}
