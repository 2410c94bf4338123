// The OpenAI-compatible HTTP server over one loaded model: /v1/models, /v1/completions,
// /v1/chat/completions (streaming SSE or not, n choices, seed, temperature, top_p, top_k,
// max_tokens, stop) and /health. Every request's sequences join the engine's continuous batch;
// a client that disconnects cancels its sequences.
//
// Anyone on the host can reach a loopback port, and any web page can make a browser send to one
// (through DNS rebinding, under a name the page controls). So: an optional bearer key, a Host
// allowlist, and caps on sequences per request and in flight, answered before any work is done.
//
// Structured outputs: response_format json_object or json_schema (json-schema-grammar.ts) makes
// the engine's decoding follow the schema token by token; a keyword it cannot follow is a 400
// that names it.
//
// Reward models (a file with a score head, make-model --reward-head): POST /pooling with vLLM's
// request and response shapes ({"model","input"} or {"model","messages"} in; one
// {"index","object":"pooling","data":[score]} per input out), so the app calls a vLLM-served
// reward model and this engine the same way. Inputs of one request share their common prefix's
// prefill.
//
// Sampling parameters beyond OpenAI's: top_k, repetition_penalty and ignore_eos (as vLLM and
// llama.cpp's server name them). frequency_penalty and presence_penalty are accepted and
// ignored: the engine's penalty is llama's multiplicative repetition penalty, which has a
// different scale; ask for it with repetition_penalty.

import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { z } from "zod";

import { type ChatMessage, chatPromptTokens, ChatTemplateError, renderChatSegments } from "./chat-template";
import type { GenerateOptions, GenerateResult, Model, ScoreResult } from "./index";
import { compileJsonSchema, jsonObjectGrammar, SchemaError } from "./json-schema-grammar";

export const DEFAULT_MAX_BODY_BYTES = 1 << 20;
/** Prompts x n of one request. */
export const DEFAULT_MAX_REQUEST_SEQUENCES = 16;
/** Sequences generating or waiting in the engine's queue, across requests. */
export const DEFAULT_MAX_QUEUED_SEQUENCES = 64;
/** Host names every server answers to: the loopback names (the bound address is added). */
const LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "[::1]"];
const DEFAULT_MAX_TOKENS = 256;

export interface ServerEvent {
  kind: "request" | "sequence";
  line: string;
  /** For "sequence": how the sequence ended and how many tokens it produced. */
  finishReason?: GenerateResult["finishReason"];
  tokens?: number;
  /** Prompt positions copied from a concurrent sequence with the same prompt. */
  sharedPromptTokens?: number;
}

export interface InferenceServerOptions {
  /** The id /v1/models reports and responses carry. */
  modelName: string;
  /**
   * The names of the model's LoRA adapters, in LoadOptions.adapters order. Each is listed in
   * /v1/models (parent: modelName) and picked by a request's `model`, as vLLM serves its LoRA
   * modules; any other `model` runs the base.
   */
  adapterNames?: readonly string[];
  maxBodyBytes?: number;
  /** When set, /v1 routes want `Authorization: Bearer <apiKey>`, and /health says only its status. */
  apiKey?: string;
  /** Host header names accepted besides the loopback names and the bound address; "*": any. */
  allowedHosts?: readonly string[];
  maxRequestSequences?: number;
  maxQueuedSequences?: number;
  /** Request and sequence log lines (server-main prints them to stderr). */
  onEvent?: (event: ServerEvent) => void;
}

/** Text of the special tokens chat templates use, read from the GGUF vocabulary. */
export interface SpecialTokenTexts {
  bosToken: string;
  eosToken: string;
}

// ---------------------------------------------------------------------------------------------
// Request schemas

const stopSchema = z
  .union([z.string(), z.array(z.string()).max(16)])
  .nullable()
  .optional();

const samplingSchema = {
  model: z.string().optional(),
  max_tokens: z.number().int().min(1).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  top_k: z.number().int().min(0).nullable().optional(),
  repetition_penalty: z.number().min(0.01).max(10).nullable().optional(),
  frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
  presence_penalty: z.number().min(-2).max(2).nullable().optional(),
  seed: z.number().int().nullable().optional(),
  n: z.number().int().min(1).max(16).nullable().optional(),
  stop: stopSchema,
  stream: z.boolean().nullable().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullable().optional(),
  ignore_eos: z.boolean().optional(),
  logprobs: z.union([z.boolean(), z.number()]).nullable().optional(),
  logit_bias: z.record(z.string(), z.number()).nullable().optional(),
};

const contentSchema = z.union([
  z.string(),
  z.array(z.object({ type: z.literal("text"), text: z.string() }), {
    error: "only text content parts are supported",
  }),
]);

const messagesSchema = z
  .array(
    z.object({
      role: z.enum(["system", "developer", "user", "assistant"]),
      content: contentSchema.nullable(),
    }),
  )
  .min(1);

const chatRequestSchema = z.object({
  ...samplingSchema,
  messages: messagesSchema,
  max_completion_tokens: z.number().int().min(1).nullable().optional(),
  response_format: z
    .discriminatedUnion("type", [
      z.object({ type: z.literal("text") }),
      z.object({ type: z.literal("json_object") }),
      z.object({
        type: z.literal("json_schema"),
        json_schema: z.object({
          name: z.string().max(64),
          description: z.string().optional(),
          schema: z.record(z.string(), z.unknown()).optional(),
          strict: z.boolean().nullable().optional(),
        }),
      }),
    ])
    .nullable()
    .optional(),
  tools: z.array(z.unknown()).max(0, { error: "tools are not supported" }).nullable().optional(),
});

const completionRequestSchema = z.object({
  ...samplingSchema,
  prompt: z.union([z.string(), z.array(z.string()).min(1).max(16)]),
  echo: z.literal(false, { error: "echo is not supported" }).nullable().optional(),
  suffix: z.literal("", { error: "suffix is not supported" }).nullable().optional(),
  best_of: z.literal(1, { error: "best_of is not supported" }).nullable().optional(),
});

// vLLM's pooling request: completion-style `input` (one text or several) or chat-style
// `messages` (one conversation, its last assistant turn included: it is what gets scored). As an
// extension, `messages` may also be a list of conversations, scored as one group like `input`'s
// list (vLLM takes one conversation per request).
const poolingRequestSchema = z
  .object({
    model: z.string().optional(),
    input: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
    messages: z.union([messagesSchema, z.array(messagesSchema).min(1)]).optional(),
  })
  .refine((body) => (body.input === undefined) !== (body.messages === undefined), {
    error: "give exactly one of input and messages",
    path: ["input"],
  });

type SamplingRequest = z.infer<z.ZodObject<typeof samplingSchema>>;
type PoolingMessages = NonNullable<z.infer<typeof poolingRequestSchema>["messages"]>;

const isConversationList = (messages: PoolingMessages): messages is z.infer<typeof messagesSchema>[] =>
  Array.isArray(messages[0]);

// ---------------------------------------------------------------------------------------------
// Errors

class HttpError extends Error {
  /** For 429: when to try again. */
  retryAfterSeconds?: number;

  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

const invalid = (message: string, param: string | null = null, code: string | null = null) =>
  new HttpError(400, message, "invalid_request_error", param, code);

function errorBody(error: HttpError) {
  return { error: { message: error.message, type: error.type, param: error.param, code: error.code } };
}

/** Maps an engine error (Error with a StatusCode name in `code`) to an HTTP error. */
function engineError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof ChatTemplateError) return invalid(error.message, "messages");
  const e = error as Error & { code?: string };
  switch (e.code) {
    case "CONTEXT_OVERFLOW":
      return invalid(e.message, null, "context_length_exceeded");
    case "INVALID_ARGUMENT":
      return invalid(e.message);
    case "DISPOSED":
      return new HttpError(503, "the model is shutting down", "server_error");
    default:
      return new HttpError(500, `${e.code ?? "INTERNAL"}: ${e.message}`, "server_error");
  }
}

// ---------------------------------------------------------------------------------------------

interface PreparedPrompt {
  tokens: number[];
}

interface Choice {
  index: number;
  prompt: PreparedPrompt;
  options: GenerateOptions;
}

/** The grammar a chat request's response_format asks for, if any. */
function responseGrammar(format: z.infer<typeof chatRequestSchema>["response_format"]): string | undefined {
  if (!format || format.type === "text") return undefined;
  if (format.type === "json_object") return jsonObjectGrammar();
  try {
    return compileJsonSchema(format.json_schema.schema ?? {});
  } catch (error) {
    if (!(error instanceof SchemaError)) throw error;
    throw invalid(
      `response_format.json_schema.schema: ${error.message}`,
      "response_format",
      "unsupported_schema",
    );
  }
}

function generateOptions(
  body: SamplingRequest,
  maxTokens: number | null | undefined,
  choice: number,
  signal: AbortSignal,
  grammar: string | undefined,
  adapter: number | undefined,
): GenerateOptions {
  if (body.logprobs) throw invalid("logprobs are not supported", "logprobs");
  if (body.logit_bias && Object.keys(body.logit_bias).length > 0)
    throw invalid("logit_bias is not supported", "logit_bias");
  const stop = body.stop == null ? [] : typeof body.stop === "string" ? [body.stop] : body.stop;
  if (stop.some((s) => s.length === 0)) throw invalid("stop strings must not be empty", "stop");
  return {
    maxTokens: maxTokens ?? DEFAULT_MAX_TOKENS,
    // OpenAI's defaults: temperature 1, top_p 1, no top-k.
    temperature: body.temperature ?? 1,
    topP: body.top_p ?? 1,
    topK: body.top_k ?? 0,
    repetitionPenalty: body.repetition_penalty ?? 1,
    // Choice i of a seeded request uses seed + i: n samples, each reproducible.
    seed: body.seed == null ? undefined : (body.seed + choice) >>> 0,
    stop,
    ignoreEos: body.ignore_eos ?? false,
    signal,
    ...(grammar === undefined ? {} : { grammar }),
    adapter,
  };
}

function messageText(content: z.infer<typeof contentSchema> | null): string {
  if (content === null) return "";
  return typeof content === "string" ? content : content.map((part) => part.text).join("");
}

/** A chat request's messages through the model's template; "developer" is OpenAI's newer name for system. */
function chatTokens(
  model: Model,
  special: SpecialTokenTexts,
  messages: z.infer<typeof messagesSchema>,
  addGenerationPrompt: boolean,
): number[] {
  const chat: ChatMessage[] = messages.map((m) => ({
    role: m.role === "developer" ? "system" : m.role,
    content: messageText(m.content),
  }));
  const segments = renderChatSegments(chat, {
    template: model.info.chatTemplate,
    addGenerationPrompt,
    ...special,
  });
  return chatPromptTokens(model, segments);
}

function tooLarge(limit: number): HttpError {
  return new HttpError(
    413,
    `the request body is larger than ${limit} bytes`,
    "invalid_request_error",
    null,
    "request_too_large",
  );
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) {
      reject(tooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(tooLarge(limit));
        // Drain the rest without keeping it; the response closes the connection.
        req.removeAllListeners("data");
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function parseJson<T extends z.ZodType>(body: Buffer, schema: T): z.infer<T> {
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch {
    throw invalid("the request body is not valid JSON");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const param = issue.path.length > 0 ? issue.path.join(".") : null;
    throw invalid(param ? `${param}: ${issue.message}` : issue.message, param);
  }
  return parsed.data;
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** The Host header's name without the port, lower case ("[::1]" keeps its brackets). */
function hostName(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^(\[[^\]]*\]|[^:]*)(?::\d*)?$/.exec(header.trim().toLowerCase());
  return match ? match[1]! : null;
}

function formatHost(address: string): string {
  return address.includes(":") ? `[${address.toLowerCase()}]` : address.toLowerCase();
}

/** SHA-256 first, so the comparison takes the same time whatever the lengths. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export class InferenceServer {
  readonly http: Server;
  private model: Model | null = null;
  private special: SpecialTokenTexts | null = null;
  private active = 0;
  private readonly maxBodyBytes: number;
  private readonly maxRequestSequences: number;
  private readonly maxQueuedSequences: number;
  private readonly allowedHosts: Set<string>;

  constructor(private readonly options: InferenceServerOptions) {
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.maxRequestSequences = options.maxRequestSequences ?? DEFAULT_MAX_REQUEST_SEQUENCES;
    this.maxQueuedSequences = options.maxQueuedSequences ?? DEFAULT_MAX_QUEUED_SEQUENCES;
    this.allowedHosts = new Set([...LOOPBACK_HOSTS, ...(options.allowedHosts ?? []).map(formatHost)]);
    this.http = createServer((req, res) => void this.handle(req, res));
  }

  /** Serves `model` from now on (until then /v1 answers 503 and /health says loading). */
  setModel(model: Model, special: SpecialTokenTexts): void {
    this.model = model;
    this.special = special;
  }

  /** Sequences being generated right now, across all requests. */
  get activeSequences(): number {
    return this.active;
  }

  listen(port: number, host = "127.0.0.1"): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.http.once("error", reject);
      this.http.listen(port, host, () => {
        this.http.off("error", reject);
        const address = this.http.address() as AddressInfo;
        this.allowedHosts.add(formatHost(address.address));
        resolve(address);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
  }

  private emit(event: ServerEvent): void {
    this.options.onEvent?.(event);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const path = (req.url ?? "/").split("?")[0]!;
    try {
      await this.route(req, res, path);
    } catch (error) {
      const http = engineError(error);
      if (!res.headersSent) {
        if (http.status === 413) res.setHeader("connection", "close");
        if (http.retryAfterSeconds !== undefined)
          res.setHeader("retry-after", String(http.retryAfterSeconds));
        sendJson(res, http.status, errorBody(http));
      } else if (!res.writableEnded) {
        res.write(`data: ${JSON.stringify(errorBody(http))}\n\n`);
        res.end();
      }
    } finally {
      const ms = (performance.now() - started).toFixed(0);
      this.emit({ kind: "request", line: `${req.method} ${path} ${res.statusCode} ${ms}ms` });
    }
  }

  private checkHost(req: IncomingMessage): void {
    if (this.allowedHosts.has("*")) return;
    const name = hostName(req.headers.host);
    if (name === null || !this.allowedHosts.has(name)) {
      throw new HttpError(
        403,
        `this server does not answer to the host name ${JSON.stringify(req.headers.host ?? "")}; ` +
          "start it with --allowed-hosts to add one",
        "invalid_request_error",
        null,
        "host_not_allowed",
      );
    }
  }

  private isAuthorized(req: IncomingMessage): boolean {
    const key = this.options.apiKey;
    if (!key) return true;
    const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "");
    return match !== null && sameSecret(match[1]!.trim(), key);
  }

  private async route(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    this.checkHost(req);
    const authorized = this.isAuthorized(req);
    const route = `${req.method} ${path}`;
    // Liveness for anyone (the supervisor polls it before it sends requests); the rest for holders of the key.
    if (route === "GET /health" && !authorized) {
      return sendJson(res, 200, { status: this.model ? "ok" : "loading" });
    }
    if (!authorized) {
      res.setHeader("www-authenticate", "Bearer");
      throw new HttpError(
        401,
        "this server wants an API key: send Authorization: Bearer <key>",
        "invalid_request_error",
        null,
        "invalid_api_key",
      );
    }
    switch (route) {
      case "GET /health":
        return sendJson(res, 200, {
          status: this.model ? "ok" : "loading",
          model: this.options.modelName,
          device: this.model?.info.device ?? null,
          loaded: this.model !== null,
          activeSequences: this.active,
        });
      case "GET /v1/models":
        return sendJson(res, 200, {
          object: "list",
          data: [null, ...this.adapterNames].map((name) => this.modelCard(name)),
        });
      case `GET /v1/models/${this.options.modelName}`:
        return sendJson(res, 200, this.modelCard(null));
      case "POST /v1/completions":
        return this.completions(req, res);
      case "POST /v1/chat/completions":
        return this.chatCompletions(req, res);
      case "POST /pooling":
        return this.pooling(req, res);
    }
    const adapterName = path.startsWith("/v1/models/")
      ? decodeURIComponent(path.slice("/v1/models/".length))
      : "";
    if (req.method === "GET" && this.adapterNames.includes(adapterName)) {
      return sendJson(res, 200, this.modelCard(adapterName));
    }
    if (["/health", "/v1/models", "/v1/completions", "/v1/chat/completions", "/pooling"].includes(path)) {
      throw new HttpError(
        405,
        `${req.method} is not allowed on ${path}`,
        "invalid_request_error",
        null,
        "method_not_allowed",
      );
    }
    throw new HttpError(404, `no route ${req.method} ${path}`, "invalid_request_error", null, "not_found");
  }

  private get adapterNames(): readonly string[] {
    return this.options.adapterNames ?? [];
  }

  // The base (name null) or one of its adapters, which names its base as vLLM does.
  private modelCard(adapterName: string | null) {
    const card = { object: "model", created: 0, owned_by: "arbiter" };
    if (adapterName === null) return { id: this.options.modelName, ...card };
    return { id: adapterName, ...card, parent: this.options.modelName };
  }

  private loadedModel(): { model: Model; special: SpecialTokenTexts } {
    if (!this.model || !this.special) {
      throw new HttpError(
        503,
        "the model is still loading; retry shortly",
        "server_error",
        null,
        "model_loading",
      );
    }
    return { model: this.model, special: this.special };
  }

  private async chatCompletions(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = parseJson(await readBody(req, this.maxBodyBytes), chatRequestSchema);
    const grammar = responseGrammar(body.response_format);
    const { model, special } = this.loadedModel();
    const prompt = { tokens: chatTokens(model, special, body.messages, true) };
    await this.run(res, body, body.max_completion_tokens ?? body.max_tokens, [prompt], "chat", grammar);
  }

  private async completions(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = parseJson(await readBody(req, this.maxBodyBytes), completionRequestSchema);
    const { model } = this.loadedModel();
    const texts = typeof body.prompt === "string" ? [body.prompt] : body.prompt;
    // Raw completion: BOS + the prompt text, special tokens not parsed.
    const prompts = texts.map((text) => ({
      tokens: model.tokenize(text, { addBos: model.info.addBosToken, special: false }),
    }));
    await this.run(res, body, body.max_tokens, prompts, "text");
  }

  /** Reward-model scores, one per input (vLLM's /pooling for a reward model). */
  private async pooling(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = parseJson(await readBody(req, this.maxBodyBytes), poolingRequestSchema);
    const { model, special } = this.loadedModel();
    if (!model.info.scoreHead) {
      throw invalid(
        "this model has no score head (cls.output.weight): it is not a reward model, so /pooling cannot score with it",
        "model",
        "not_a_reward_model",
      );
    }
    const conversations =
      body.messages && (isConversationList(body.messages) ? body.messages : [body.messages]);
    const sequences = conversations
      ? conversations.map((messages) => chatTokens(model, special, messages, false))
      : (typeof body.input === "string" ? [body.input] : body.input!).map((text) =>
          model.tokenize(text, { addBos: model.info.addBosToken, special: false }),
        );
    if (sequences.length > this.maxRequestSequences) {
      throw invalid(
        `this request has ${sequences.length} inputs; this server allows at most ${this.maxRequestSequences} per request`,
        "input",
        "too_many_sequences",
      );
    }
    for (const tokens of sequences) {
      if (tokens.length > model.info.contextLength) {
        throw invalid(
          `an input has ${tokens.length} tokens; this server's context is ${model.info.contextLength}`,
          "input",
          "context_length_exceeded",
        );
      }
    }
    this.checkCapacity(sequences.length);
    this.active += sequences.length;
    let results: ScoreResult[];
    try {
      // Submitted as one group: inputs that share a prefix (one prompt, several responses)
      // share its prefill.
      results = await model.score([], sequences);
    } finally {
      this.active -= sequences.length;
    }
    const promptTokens = sequences.reduce((sum, tokens) => sum + tokens.length, 0);
    sendJson(res, 200, {
      id: `pool-${randomUUID().replaceAll("-", "")}`,
      object: "list",
      created: Math.floor(Date.now() / 1000),
      model: this.options.modelName,
      data: results.map((r, index) => ({ index, object: "pooling", data: [r.score] })),
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens, completion_tokens: 0 },
    });
  }

  /** 429 when `sequences` more would pass the in-flight cap (checked with no await before counting them). */
  private checkCapacity(sequences: number): void {
    if (this.active + sequences > this.maxQueuedSequences) {
      const busy = new HttpError(
        429,
        `the server is busy (${this.active} sequences in flight, at most ${this.maxQueuedSequences}); retry shortly`,
        "server_error",
        null,
        "server_busy",
      );
      busy.retryAfterSeconds = 1;
      throw busy;
    }
  }

  /** Generates n choices per prompt, all concurrently, and answers in one body or as SSE. */
  private async run(
    res: ServerResponse,
    body: SamplingRequest,
    maxTokens: number | null | undefined,
    prompts: PreparedPrompt[],
    kind: "chat" | "text",
    grammar?: string,
  ): Promise<void> {
    const { model } = this.loadedModel();
    const n = body.n ?? 1;
    // The request's model picks an adapter by name; any other name runs the base.
    const adapterIndex = this.adapterNames.indexOf(body.model ?? "");
    const adapter = adapterIndex >= 0 ? adapterIndex : undefined;
    const servedName = adapter === undefined ? this.options.modelName : this.adapterNames[adapter]!;
    const abort = new AbortController();
    // A client that goes away before the answer is complete cancels every sequence.
    res.on("close", () => {
      if (!res.writableFinished) abort.abort();
    });
    const choices: Choice[] = prompts.flatMap((prompt, p) =>
      Array.from({ length: n }, (_, j) => ({
        index: p * n + j,
        prompt,
        options: generateOptions(body, maxTokens, j, abort.signal, grammar, adapter),
      })),
    );
    const id = `${kind === "chat" ? "chatcmpl" : "cmpl"}-${randomUUID().replaceAll("-", "")}`;
    const created = Math.floor(Date.now() / 1000);
    const object = kind === "chat" ? "chat.completion" : "text_completion";
    const usage = (results: GenerateResult[]) => {
      const promptTokens = prompts.reduce((sum, p) => sum + p.tokens.length, 0);
      const completionTokens = results.reduce((sum, r) => sum + r.tokens.length, 0);
      return {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
      };
    };
    const finishReason = (r: GenerateResult) => (r.finishReason === "length" ? "length" : "stop");

    if (choices.length > this.maxRequestSequences) {
      throw invalid(
        `this request asks for ${choices.length} sequences (prompts x n); this server allows at most ` +
          `${this.maxRequestSequences} per request`,
        "n",
        "too_many_sequences",
      );
    }
    for (const p of prompts) {
      if (p.tokens.length >= model.info.contextLength) {
        throw invalid(
          `the prompt has ${p.tokens.length} tokens; this server's context is ${model.info.contextLength}`,
          null,
          "context_length_exceeded",
        );
      }
    }
    // Checked right before generate() counts the new sequences, with no await between: requests
    // that arrive together cannot all pass.
    this.checkCapacity(choices.length);
    // One failed sequence stops the others: the request fails as a whole.
    const all = async (tasks: Promise<GenerateResult>[]) => {
      try {
        return await Promise.all(tasks);
      } catch (error) {
        abort.abort();
        throw error;
      }
    };

    if (!body.stream) {
      const results = await all(this.generate(model, id, choices));
      if (abort.signal.aborted) return;
      return sendJson(res, 200, {
        id,
        object,
        created,
        model: servedName,
        choices: results.map((r, i) =>
          kind === "chat"
            ? {
                index: i,
                message: { role: "assistant", content: r.text },
                logprobs: null,
                finish_reason: finishReason(r),
              }
            : { index: i, text: r.text, logprobs: null, finish_reason: finishReason(r) },
        ),
        usage: usage(results),
      });
    }

    const includeUsage = body.stream_options?.include_usage ?? false;
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    res.flushHeaders();
    const chunkObject = kind === "chat" ? "chat.completion.chunk" : "text_completion";
    const send = (choice: Record<string, unknown> | null, extra: Record<string, unknown> = {}) => {
      if (res.writableEnded || abort.signal.aborted) return;
      const chunk = {
        id,
        object: chunkObject,
        created,
        model: servedName,
        choices: choice ? [choice] : [],
        ...(includeUsage ? { usage: null } : {}),
        ...extra,
      };
      res.write(`data: ${JSON.stringify(chunk)}\n\n`);
    };
    const textChoice = (index: number, text: string, finish: string | null) =>
      kind === "chat"
        ? {
            index,
            delta: text === "" && finish !== null ? {} : { content: text },
            logprobs: null,
            finish_reason: finish,
          }
        : { index, text, logprobs: null, finish_reason: finish };

    if (kind === "chat") {
      for (const c of choices) {
        send({
          index: c.index,
          delta: { role: "assistant", content: "" },
          logprobs: null,
          finish_reason: null,
        });
      }
    }
    // The engine holds back partial characters and possible stop strings: its token texts
    // concatenate to the final text.
    const streamed = choices.map((c) => ({
      ...c,
      options: {
        ...c.options,
        onToken: (token: { text: string }) => token.text && send(textChoice(c.index, token.text, null)),
      },
    }));
    const results = await all(
      this.generate(model, id, streamed).map(async (pending, i) => {
        const result = await pending;
        send(textChoice(choices[i]!.index, "", finishReason(result)));
        return result;
      }),
    );
    if (abort.signal.aborted || res.writableEnded) return;
    if (includeUsage) send(null, { usage: usage(results) });
    res.end("data: [DONE]\n\n");
  }

  /** Submits the choices together (same-prompt choices share one prefill), one promise each. */
  private generate(model: Model, id: string, choices: Choice[]): Promise<GenerateResult>[] {
    this.active += choices.length;
    const pending = model.generateGroup(
      choices.map((c) => ({ promptTokens: c.prompt.tokens, options: c.options })),
    );
    return pending.map(async (promise, i) => {
      const choice = choices[i]!;
      try {
        const result = await promise;
        this.emit({
          kind: "sequence",
          line:
            `${id}/${choice.index}: ${result.finishReason} after ${result.tokens.length} tokens ` +
            `(${choice.prompt.tokens.length} prompt tokens, ${result.sharedPromptTokens} shared; ` +
            `${result.decodeTokensPerSecond.toFixed(1)} tok/s)`,
          finishReason: result.finishReason,
          tokens: result.tokens.length,
          sharedPromptTokens: result.sharedPromptTokens,
        });
        return result;
      } finally {
        this.active--;
      }
    });
  }
}
