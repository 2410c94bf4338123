// One streamed chat completion through the `openai` client, against any OpenAI-compatible
// server (Arbiter's engine, vLLM, TGI, Ollama). Reports text as it arrives and returns what a
// response records: finish reason, token counts, time to first token and total latency.
import OpenAI, { APIConnectionError, APIError, APIUserAbortError } from "openai";
import type { Fetch } from "@/server/net/outbound-fetch";
import { outboundRefusalIn } from "@/server/net/outbound-policy";

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface ChatRequest {
  baseUrl: string;
  apiKey: string | null;
  /** The endpoint's fetch (ResolvedEndpoint.fetch): the outbound policy for an admin's URL. */
  fetch: Fetch;
  model: string;
  messages: ChatMessage[];
  temperature: number;
  topP: number;
  topK: number | null;
  maxTokens: number;
  seed: number;
}

export interface ChatResult {
  text: string;
  finishReason: string | null;
  promptTokens: number | null;
  completionTokens: number | null;
  firstTokenMs: number | null;
  latencyMs: number;
}

export interface StreamChatOptions {
  signal?: AbortSignal;
  onText?: (text: string) => void;
  /** The server is considered stuck when no chunk arrives for this long. */
  idleTimeoutMs?: number;
}

/** What a generation had produced, and how long it had taken, when it stopped. */
export interface PartialChatResult {
  text: string;
  firstTokenMs: number | null;
  latencyMs: number;
}

/**
 * A generation that failed, with a sentence for admins (stored with the response; annotators see
 * a generic one) and the timing so far.
 */
export class GenerationError extends Error {
  override name = "GenerationError";
  constructor(
    message: string,
    readonly partial: PartialChatResult,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Clients per fetch (the policy each applies), then per address and key. */
const clientsByFetch = new WeakMap<Fetch, Map<string, OpenAI>>();

function clientFor(baseUrl: string, apiKey: string | null, endpointFetch: Fetch) {
  let clients = clientsByFetch.get(endpointFetch);
  if (!clients) {
    clients = new Map();
    clientsByFetch.set(endpointFetch, clients);
  }
  const key = `${baseUrl}\n${apiKey ?? ""}`;
  let client = clients.get(key);
  if (!client) {
    // A restarted local server listens on a new port: forget clients of old addresses.
    if (clients.size >= 64) clients.clear();
    // No hidden retries: a failed generation is shown to the annotator, who retries it.
    client = new OpenAI({
      baseURL: baseUrl,
      apiKey: apiKey ?? "not-needed",
      maxRetries: 0,
      timeout: 120_000,
      fetch: endpointFetch,
    });
    clients.set(key, client);
  }
  return client;
}

export const STOPPED_MESSAGE = "Generation was stopped.";

/** The stream ended without a finish reason: the server went away mid-answer. */
class StreamEndedEarly extends Error {}

/** Node's code for a network failure (ECONNRESET, UND_ERR_SOCKET), from the innermost cause. */
function networkCodeOf(error: unknown): string | null {
  let code: string | null = null;
  for (let cause = error, depth = 0; cause instanceof Error && depth < 8; cause = cause.cause, depth++) {
    const own = (cause as { code?: unknown }).code;
    if (typeof own === "string" && /^[A-Z][A-Z0-9_]+$/.test(own)) code = own;
  }
  return code;
}

/**
 * What went wrong, for admins: the HTTP status or the network error, never the server's words.
 * An error body can quote anything (the model's name, or, from a host that is not a model server,
 * that host's data), and a parse error quotes the answer it could not parse.
 */
function describeGenerationFailure(error: unknown, idle: boolean, idleTimeoutMs: number): string {
  if (idle) {
    return `The model server sent nothing for ${Math.round(idleTimeoutMs / 1000)} seconds, so generation was stopped. Retry to try again.`;
  }
  const refusal = outboundRefusalIn(error);
  if (refusal) return refusal.message;
  const code = networkCodeOf(error);
  if (error instanceof APIConnectionError) {
    return `Could not reach the model server (${code ?? "connection error"}). Retry in a moment; if it keeps failing, ask an admin to check the inference server.`;
  }
  if (error instanceof APIError) {
    if (error.code === "context_length_exceeded") {
      return "The conversation no longer fits in the model's context window. End this conversation and start a new one.";
    }
    return error.status
      ? `The model server answered HTTP ${error.status}. Retry to try again.`
      : "The model server reported an error while streaming. Retry to try again.";
  }
  if (error instanceof StreamEndedEarly || code !== null) {
    return `The connection to the model server broke while generating (${code ?? "the stream ended early"}). Retry to generate this response again.`;
  }
  return `Generation failed: the model server's answer could not be read (${(error as Error)?.name ?? "unknown error"}; is it OpenAI-compatible?). Retry to try again.`;
}

export async function streamChat(request: ChatRequest, options: StreamChatOptions = {}): Promise<ChatResult> {
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  const started = performance.now();
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) controller.abort(options.signal.reason);
  options.signal?.addEventListener("abort", onOuterAbort, { once: true });
  let idle = false;
  let idleTimer: NodeJS.Timeout | null = null;
  // Called per token: restarting the one timer costs less than a new one each time.
  const touch = () => {
    idleTimer =
      idleTimer?.refresh() ??
      setTimeout(() => {
        idle = true;
        controller.abort(new Error("idle"));
      }, idleTimeoutMs);
  };

  let text = "";
  let firstTokenMs: number | null = null;
  let finishReason: string | null = null;
  let promptTokens: number | null = null;
  let completionTokens: number | null = null;
  const elapsed = () => Math.round(performance.now() - started);
  try {
    touch();
    const body = {
      model: request.model,
      messages: request.messages,
      temperature: request.temperature,
      top_p: request.topP,
      max_tokens: request.maxTokens,
      seed: request.seed,
      n: 1,
      stream: true as const,
      stream_options: { include_usage: true },
      // Not in OpenAI's API; Arbiter's engine, vLLM and llama.cpp read it.
      ...(request.topK ? { top_k: request.topK } : {}),
    };
    const client = clientFor(request.baseUrl, request.apiKey, request.fetch);
    const stream = await client.chat.completions.create(body, { signal: controller.signal });
    for await (const chunk of stream) {
      touch();
      const choice = chunk.choices[0];
      // PostgreSQL text cannot hold NUL, and a model can emit it (byte tokens): shown as U+FFFD.
      const delta = choice?.delta?.content?.replaceAll("\u0000", "\uFFFD");
      if (delta) {
        firstTokenMs ??= elapsed();
        text += delta;
        options.onText?.(delta);
      }
      if (choice?.finish_reason) finishReason = choice.finish_reason;
      if (chunk.usage) {
        promptTokens = chunk.usage.prompt_tokens ?? null;
        completionTokens = chunk.usage.completion_tokens ?? null;
      }
    }
    if (finishReason === null) {
      throw new StreamEndedEarly("the stream ended before the response was complete");
    }
    return { text, finishReason, promptTokens, completionTokens, firstTokenMs, latencyMs: elapsed() };
  } catch (error) {
    if (options.signal?.aborted && !idle) {
      throw new GenerationError(
        STOPPED_MESSAGE,
        { text, firstTokenMs, latencyMs: elapsed() },
        { cause: error },
      );
    }
    const message =
      error instanceof APIUserAbortError && !idle
        ? STOPPED_MESSAGE
        : describeGenerationFailure(error, idle, idleTimeoutMs);
    throw new GenerationError(message, { text, firstTokenMs, latencyMs: elapsed() }, { cause: error });
  } finally {
    if (idleTimer) clearTimeout(idleTimer);
    options.signal?.removeEventListener("abort", onOuterAbort);
  }
}
