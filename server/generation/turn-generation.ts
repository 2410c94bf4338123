// Generates a turn's responses in the web server process, independent of any browser
// connection: a turn's responses are claimed in the database (pending -> streaming), streamed
// from their endpoints in parallel, saved as they grow (so a reload, or another instance, sees
// the text so far) and saved once more when they finish or fail (that save waits out a database
// outage for as long as the response counts as alive); response-store.ts does every
// read and write of the rows. Browsers watch a turn through watch(): a snapshot, then every
// change, then "end". A browser connected to another instance than the one generating follows
// the turn through PostgreSQL: the watcher announces it, the generator then NOTIFYs its deltas
// (turn-notices.ts), and the watcher re-reads the saved rows on every status change and every
// pollEveryMs besides, so a lost notification only delays text until the next read.
import { setTimeout as delay } from "node:timers/promises";
import type { Db } from "@/db/client";
import type { Notifications } from "@/db/notifications";
import type { BestOfNTurn, Response, ResponseStatus } from "@/db/schema";
import {
  GenerationError,
  STOPPED_MESSAGE,
  streamChat,
  type ChatRequest,
  type ChatResult,
  type PartialChatResult,
} from "./chat-stream";
import type { EndpointResolver, ResolvedEndpoint } from "./endpoints";
import {
  claimPendingResponses,
  failStaleResponses,
  failUnfinishedResponses,
  readTurnResponses,
  saveResponseOutcome,
  saveResponseProgress,
  type ClaimedResponse,
  type GenerationOutcome,
} from "./response-store";
import { TurnNotices, type TurnNotice, type TurnInbox } from "./turn-notices";

/** What an annotator may see of a response: no variant, model or endpoint. */
export interface ResponseView {
  id: string;
  position: number;
  status: ResponseStatus;
  text: string;
  error: string | null;
  finishReason: string | null;
}

export type TurnStreamEvent =
  | { type: "snapshot"; responses: ResponseView[] }
  /** `offset`: the length of the text before this piece, so a client can check it is in step. */
  | { type: "delta"; responseId: string; offset: number; text: string }
  | { type: "response"; response: ResponseView }
  | { type: "progress"; responseId: string; message: string | null }
  | { type: "end" };

/**
 * Best-of-N turns (server/services/judging/best-of-n-sampling.ts): their two responses show what a
 * reward model picked out of N samples, drawn and scored once for both.
 */
export interface BestOfNSampler {
  /** The turn's best-of-N plan; null for an ordinary turn. */
  planOf(db: Db, turnId: string): Promise<BestOfNTurn | null>;
  /** Draws and scores the samples (each `request` with its own seed) and records them; resolves
   * with what each of the turn's two responses shows. */
  run(
    db: Db,
    plan: BestOfNTurn,
    request: ChatRequest,
    options: { signal: AbortSignal; idleTimeoutMs: number },
  ): Promise<Map<string, ChatResult>>;
}

export const BEST_OF_N_PROGRESS = "Drawing several answers and picking two (this takes a little longer)…";

export interface GenerationHubOptions {
  resolver: Pick<EndpointResolver, "resolve">;
  bestOfN?: BestOfNSampler;
  log?: (level: "info" | "warn" | "error", message: string) => void;
  /** How often progress is saved while a response streams. */
  saveEveryMs?: number;
  /** A "streaming" response whose progress is older than this was interrupted
   * (ARBITER_STALE_GENERATION_SECONDS in the app). */
  staleAfterMs?: number;
  /** How often a watcher polls a turn that another instance is generating. */
  pollEveryMs?: number;
  idleTimeoutMs?: number;
  /** The database's LISTEN/NOTIFY, to stream turns across instances; without it watchers poll. */
  notifications?: () => Promise<Notifications>;
}

export function toResponseView(row: Response): ResponseView {
  return {
    id: row.id,
    position: row.position,
    status: row.status,
    text: row.text,
    error: failureForAnnotator(row.error),
    finishReason: row.finishReason,
  };
}

export const INTERRUPTED_MESSAGE =
  "Generation was interrupted (the web server restarted or lost track of it). Retry to generate this response again.";
/** How the reasons given to cancel() begin (the annotator ended the conversation, reported it). */
const CANCELLED_PREFIX = "Generation stopped: ";
export const GENERATION_FAILED_MESSAGE =
  "This response could not be generated. Try again; if it keeps failing, end this conversation and start a new one.";

/**
 * What an annotator reads of a failure. Arbiter's own reasons (interrupted, stopped, cancelled)
 * are the same for every variant and are shown as they are; anything about the model server (its
 * status, its address, its context window) could tell which model answered, so it is one generic
 * sentence. The stored detail is for admins (inspectConversations, the server log).
 */
function failureForAnnotator(error: string | null): string | null {
  if (error === null) return null;
  const isOwn =
    error === INTERRUPTED_MESSAGE || error === STOPPED_MESSAGE || error.startsWith(CANCELLED_PREFIX);
  return isOwn ? error : GENERATION_FAILED_MESSAGE;
}

const isTerminal = (status: ResponseStatus) => status === "completed" || status === "failed";

/** The first wait before saving a response's outcome again, doubled per try up to the last. */
const OUTCOME_RETRY_FIRST_MS = 100;
const OUTCOME_RETRY_MAX_MS = 1000;

/**
 * Why a response failed, as stored for admins (annotators see failureForAnnotator() of it), and
 * what it had produced. The reason given to cancel() wins over the error the stop caused; an
 * error that is not a GenerationError came from the resolver and is Arbiter's own sentence (a
 * missing key variable, a refused address, a model file).
 */
function classifyFailure(
  error: unknown,
  signal: AbortSignal,
  textSoFar: string,
  startedAt: number,
): { error: string; partial: PartialChatResult } {
  const reason: unknown = signal.reason;
  const message =
    signal.aborted && typeof reason === "string"
      ? reason
      : error instanceof GenerationError
        ? error.message
        : `The model server is not available: ${(error as Error).message}`;
  const partial =
    error instanceof GenerationError
      ? error.partial
      : { text: textSoFar, firstTokenMs: null, latencyMs: Math.round(performance.now() - startedAt) };
  return { error: message, partial };
}

interface LiveResponse {
  abort: AbortController;
  dirty: boolean;
  done: Promise<void>;
}

class TurnJob {
  readonly views = new Map<string, ResponseView>();
  readonly live = new Map<string, LiveResponse>();
  readonly listeners = new Set<(event: TurnStreamEvent) => void>();
  claims = 0;
  finished = false;
  /** Resolves once `views` holds every response of the turn. */
  loaded: Promise<void> = Promise.resolve();
  /** Best-of-N turns: the plan, then the one sampling run both responses wait for. */
  bestOfNPlan: Promise<BestOfNTurn | null> | null = null;
  bestOfNRun: Promise<Map<string, ChatResult>> | null = null;
  saveTimer: NodeJS.Timeout | null = null;
  constructor(
    readonly turnId: string,
    readonly db: Db,
    /** Tells the other instances (TurnNotices.publish). */
    private readonly broadcast: (turnId: string, event: TurnStreamEvent) => void,
  ) {}

  emit(event: TurnStreamEvent) {
    for (const listener of this.listeners) listener(event);
    this.broadcast(this.turnId, event);
  }

  snapshot(): ResponseView[] {
    return [...this.views.values()].sort((a, b) => a.position - b.position).map((view) => ({ ...view }));
  }
}

export class GenerationHub {
  private readonly jobs = new Map<string, TurnJob>();
  private readonly options: Required<Omit<GenerationHubOptions, "log" | "notifications" | "bestOfN">> &
    Pick<GenerationHubOptions, "log" | "bestOfN">;
  private readonly notices: TurnNotices;
  /** Set by drain(): the process is stopping, nothing new starts here. */
  private draining = false;
  /** Each watch() of a turn generated elsewhere, so drain() can end them (their browsers
   * reconnect through another instance). */
  private readonly watchers = new Set<AbortController>();

  constructor({ notifications, ...options }: GenerationHubOptions) {
    this.options = {
      saveEveryMs: 1000,
      staleAfterMs: 20_000,
      pollEveryMs: 500,
      idleTimeoutMs: 60_000,
      ...options,
    };
    this.notices = new TurnNotices(
      notifications,
      (message) => this.options.log?.("warn", message),
      (turnId) => this.jobs.get(turnId)?.snapshot() ?? null,
    );
  }

  /** Turns this process is generating now. */
  get activeTurns() {
    return this.jobs.size;
  }

  get isDraining() {
    return this.draining;
  }

  /**
   * For a clean stop: claims nothing more, lets running generations finish for up to `graceMs`,
   * then stops the rest as interrupted (saved failed, so the annotator can retry them at once),
   * and ends every watcher. Returns how many responses were interrupted.
   */
  async drain(graceMs: number): Promise<number> {
    this.draining = true;
    let graceTimer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<boolean>(
      (resolve) => (graceTimer = setTimeout(() => resolve(true), graceMs)),
    );
    const isOver = await Promise.race([this.idle().then(() => false), graceOver]);
    clearTimeout(graceTimer);
    let interrupted = 0;
    if (isOver) {
      for (const job of this.jobs.values()) {
        for (const live of job.live.values()) {
          live.abort.abort(INTERRUPTED_MESSAGE);
          interrupted++;
        }
      }
      await this.idle();
    }
    for (const watcher of this.watchers) watcher.abort();
    return interrupted;
  }

  /**
   * Claims the turn's pending responses and starts generating them. Resolves once they are
   * claimed (generation goes on in the background); safe to call from anywhere, any number of
   * times: a response is generated by whoever claims it first.
   */
  async schedule(db: Db, turnId: string): Promise<void> {
    // Stopping: the responses stay pending for another instance's watcher to claim.
    if (this.draining) return;
    let job = this.jobs.get(turnId);
    const isNew = !job;
    if (!job) {
      job = new TurnJob(turnId, db, (id, event) => this.notices.publish(id, event));
      this.jobs.set(turnId, job);
    }
    job.claims++;
    try {
      if (isNew) {
        job.loaded = this.claimAndLoad(job, db, turnId);
        await job.loaded;
      } else {
        await job.loaded;
        for (const claimed of await claimPendingResponses(db, turnId)) this.start(job, claimed);
      }
    } finally {
      job.claims--;
      this.finishIfDone(job);
    }
  }

  /**
   * A new job: claims the turn's pending responses and starts them, then reads the others' rows
   * into its views — only when there are others (a new turn's responses are all claimed here, so
   * the claim is its one read).
   */
  private async claimAndLoad(job: TurnJob, db: Db, turnId: string) {
    const claimed = await claimPendingResponses(db, turnId);
    for (const item of claimed) this.start(job, item);
    if (claimed.length > 0 && claimed[0].responsesOfTurn === claimed.length) return;
    const claimedIds = new Set(claimed.map((item) => item.row.id));
    for (const row of await readTurnResponses(db, turnId)) {
      if (!claimedIds.has(row.id)) job.views.set(row.id, toResponseView(row));
    }
  }

  private start(job: TurnJob, claimed: ClaimedResponse) {
    const view: ResponseView = {
      ...toResponseView(claimed.row),
      status: "streaming",
      text: "",
      error: null,
      finishReason: null,
    };
    job.views.set(view.id, view);
    job.emit({ type: "response", response: { ...view } });
    const live: LiveResponse = { abort: new AbortController(), dirty: false, done: Promise.resolve() };
    job.live.set(view.id, live);
    job.saveTimer ??= setInterval(() => void this.saveProgress(job), this.options.saveEveryMs);
    live.done = this.generate(job, claimed, view, live);
  }

  /** One response from claim to outcome: resolve, stream, classify a failure, save, publish. */
  private async generate(job: TurnJob, claimed: ClaimedResponse, view: ResponseView, live: LiveResponse) {
    const signal = live.abort.signal;
    const startedAt = performance.now();
    let endpoint: ResolvedEndpoint | null = null;
    let outcome: GenerationOutcome;
    try {
      endpoint = await this.resolveEndpoint(job, claimed);
      const result =
        (await this.pickedFromSamples(job, claimed, endpoint, live)) ??
        (await this.stream(job, claimed.row, endpoint, view, live));
      outcome = { status: "completed", model: endpoint.model, result };
    } catch (error) {
      outcome = {
        status: "failed",
        model: endpoint?.model ?? null,
        ...classifyFailure(error, signal, view.text, startedAt),
      };
    }
    await this.saveOutcome(job, view.id, outcome, signal);
    job.live.delete(view.id);
    this.publishOutcome(job, view, outcome, signal.aborted);
    this.finishIfDone(job);
  }

  /**
   * Saves how a response ended. A database that refuses the write for a moment (PostgreSQL
   * restarting) is tried again while the response still counts as alive (staleAfterMs from now),
   * so a finished answer is kept rather than marked interrupted; the progress timer meanwhile
   * goes on saving that it is alive. Stopping it (drain, cancel) ends the tries.
   */
  private async saveOutcome(
    job: TurnJob,
    responseId: string,
    outcome: GenerationOutcome,
    signal: AbortSignal,
  ) {
    const giveUpAt = Date.now() + this.options.staleAfterMs;
    for (let waitMs = OUTCOME_RETRY_FIRST_MS; ; waitMs = Math.min(2 * waitMs, OUTCOME_RETRY_MAX_MS)) {
      try {
        await saveResponseOutcome(job.db, responseId, outcome);
        return;
      } catch (error) {
        if (signal.aborted || Date.now() + waitMs > giveUpAt) {
          this.options.log?.("error", `Could not save response ${responseId}: ${(error as Error).message}`);
          return;
        }
        await delay(waitMs, undefined, { signal }).catch(() => {});
      }
    }
  }

  /**
   * Finds where the response's model is served. Starting a local model server can take a while:
   * watchers are told so when it does.
   */
  private async resolveEndpoint(
    job: TurnJob,
    { row, apiKeyEnv }: ClaimedResponse,
  ): Promise<ResolvedEndpoint> {
    const waiting = setTimeout(
      () =>
        job.emit({
          type: "progress",
          responseId: row.id,
          message: "Waiting for the model server to start (the first start loads the model)…",
        }),
      400,
    );
    let endpoint: ResolvedEndpoint;
    try {
      endpoint = await this.options.resolver.resolve(
        {
          endpointKind: row.endpointKind,
          endpoint: row.endpoint,
          model: row.model,
          adapter: row.adapterPath ? { path: row.adapterPath, scale: row.adapterScale ?? 1 } : null,
        },
        apiKeyEnv,
      );
    } finally {
      clearTimeout(waiting);
    }
    job.emit({ type: "progress", responseId: row.id, message: null });
    return endpoint;
  }

  /**
   * A best-of-N turn's response: the sample the reward model's pick assigns it, from the turn's
   * one sampling run (started by whichever response gets here first); null for other turns.
   * Watchers see a progress line until the two picked samples arrive whole.
   */
  private async pickedFromSamples(
    job: TurnJob,
    { row, isBestOfN }: ClaimedResponse,
    endpoint: ResolvedEndpoint,
    live: LiveResponse,
  ): Promise<ChatResult | null> {
    const sampler = this.options.bestOfN;
    if (!sampler || !isBestOfN) return null;
    job.bestOfNPlan ??= sampler.planOf(job.db, job.turnId);
    const plan = await job.bestOfNPlan;
    if (!plan) return null;
    job.emit({ type: "progress", responseId: row.id, message: BEST_OF_N_PROGRESS });
    job.bestOfNRun ??= sampler.run(job.db, plan, chatRequest(row, endpoint), {
      signal: live.abort.signal,
      idleTimeoutMs: this.options.idleTimeoutMs,
    });
    try {
      const picked = (await job.bestOfNRun).get(row.id);
      if (!picked) throw new Error(`response ${row.id} is not one of its best-of-N turn's two`);
      return picked;
    } finally {
      job.emit({ type: "progress", responseId: row.id, message: null });
    }
  }

  /** Streams the completion into `view`, telling watchers each piece as it arrives. */
  private async stream(
    job: TurnJob,
    row: Response,
    endpoint: ResolvedEndpoint,
    view: ResponseView,
    live: LiveResponse,
  ): Promise<ChatResult> {
    // Stopped while its endpoint was resolving: no request is sent.
    if (live.abort.signal.aborted) {
      throw new GenerationError(STOPPED_MESSAGE, { text: "", firstTokenMs: null, latencyMs: 0 });
    }
    return streamChat(chatRequest(row, endpoint), {
      signal: live.abort.signal,
      idleTimeoutMs: this.options.idleTimeoutMs,
      onText: (text) => {
        const offset = view.text.length;
        view.text += text;
        live.dirty = true;
        job.emit({ type: "delta", responseId: view.id, offset, text });
      },
    });
  }

  /** Sets the response's final view and tells watchers. */
  private publishOutcome(job: TurnJob, view: ResponseView, outcome: GenerationOutcome, wasStopped: boolean) {
    if (outcome.status === "completed") {
      Object.assign(view, {
        status: "completed",
        text: outcome.result.text,
        finishReason: outcome.result.finishReason,
      });
    } else {
      Object.assign(view, {
        status: "failed",
        text: outcome.partial.text,
        error: failureForAnnotator(outcome.error),
      });
      // Stopped on purpose (the conversation ended): not a problem worth a warning.
      if (!wasStopped) this.options.log?.("warn", `Response ${view.id} failed: ${outcome.error}`);
    }
    job.emit({ type: "response", response: { ...view } });
  }

  /** Saves the text so far of streaming responses, and that their generation is alive. */
  private async saveProgress(job: TurnJob) {
    if (job.live.size === 0) return;
    try {
      const now = new Date();
      for (const [id, live] of job.live) {
        await saveResponseProgress(job.db, id, now, live.dirty ? job.views.get(id)!.text : undefined);
        live.dirty = false;
      }
    } catch (error) {
      this.options.log?.("warn", `Could not save generation progress: ${(error as Error).message}`);
    }
  }

  private finishIfDone(job: TurnJob) {
    if (job.finished || job.claims > 0 || job.live.size > 0) return;
    job.finished = true;
    if (job.saveTimer) clearInterval(job.saveTimer);
    if (this.jobs.get(job.turnId) === job) this.jobs.delete(job.turnId);
    job.emit({ type: "end" });
    job.listeners.clear();
  }

  /**
   * Stops generating a turn (its conversation ended), marking unfinished responses failed.
   * `message` starts with CANCELLED_PREFIX: the annotator reads it as it is.
   */
  async cancel(db: Db, turnId: string, message: string): Promise<void> {
    await failUnfinishedResponses(db, turnId, message);
    const job = this.jobs.get(turnId);
    if (!job) return;
    const running = [...job.live.values()];
    for (const live of running) live.abort.abort(message);
    await Promise.all(running.map((live) => live.done));
  }

  /** Waits until this process generates nothing (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.jobs.size > 0) {
      await Promise.all(
        [...this.jobs.values()].flatMap((job) => [...job.live.values()].map((live) => live.done)),
      );
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /**
   * A turn's responses as they change: a snapshot first, then deltas and status changes, then
   * "end" once every response has finished or failed. Starts generation when the turn still has
   * pending responses (e.g. created by an instance that stopped before claiming them).
   */
  async *watch(db: Db, turnId: string, outerSignal?: AbortSignal): AsyncGenerator<TurnStreamEvent> {
    const watcher = new AbortController();
    const signal = outerSignal ? AbortSignal.any([outerSignal, watcher.signal]) : watcher.signal;
    this.watchers.add(watcher);
    // Subscribed before the first read, so nothing sent after it is missed.
    const inbox = await this.notices.subscribe(turnId);
    try {
      /** What this watcher has sent of each response, once it sent a snapshot. */
      let shown: Map<string, ResponseView> | null = null;
      while (!signal.aborted) {
        const job = this.jobs.get(turnId);
        if (job && !job.finished) {
          await job.loaded.catch(() => {});
          if (job.finished) continue;
          // This instance generates it: its events come straight from the job, up to its end
          // (which drain() waits for, so it does not cut this watcher).
          inbox.close();
          this.watchers.delete(watcher);
          yield* this.follow(job, signal);
          return;
        }
        const rows = await readTurnResponses(db, turnId);
        if (rows.some((row) => row.status === "pending")) {
          // Stopping: this instance claims nothing; the stream closes without "end" and the
          // browser reconnects through another instance, which generates them.
          if (this.draining) return;
          await this.schedule(db, turnId);
          continue;
        }
        const streaming = rows.filter((row) => row.status === "streaming");
        const isDone = streaming.length === 0 || rows.every((row) => isTerminal(row.status));
        const cutoff = Date.now() - this.options.staleAfterMs;
        if (!isDone && streaming.some((row) => (row.progressAt ?? row.createdAt).getTime() < cutoff)) {
          // Its generator stopped saving progress.
          await failStaleResponses(db, turnId, new Date(cutoff), INTERRUPTED_MESSAGE);
          continue;
        }
        // Asks its generator to publish it (from the text so far): none does for turns unwatched.
        if (!isDone) inbox.announce();
        if (shown) yield* catchUp(shown, rows.map(toResponseView));
        else {
          shown = new Map(rows.map((row) => [row.id, toResponseView(row)]));
          yield { type: "snapshot", responses: rows.map(toResponseView) };
        }
        if (isDone) {
          yield { type: "end" };
          return;
        }
        // Another instance is generating it: follow its notices until something calls for a
        // fresh read (a status change, possibly missed notices) or the poll interval passes.
        yield* this.followNotices(inbox, shown, signal);
      }
    } finally {
      inbox.close();
      this.watchers.delete(watcher);
    }
  }

  private async *followNotices(
    inbox: TurnInbox,
    shown: Map<string, ResponseView>,
    signal?: AbortSignal,
  ): AsyncGenerator<TurnStreamEvent> {
    const readAgainAt = Date.now() + this.options.pollEveryMs;
    for (;;) {
      const notices = await inbox.next(readAgainAt - Date.now(), signal);
      if (notices.length === 0) return; // time to read the rows again
      for (const notice of notices) {
        if (notice.kind === "changed") return;
        if (notice.kind === "progress") {
          yield { type: "progress", responseId: notice.responseId, message: notice.message };
          continue;
        }
        const view = shown.get(notice.responseId);
        const delta = view && continuation(view, notice);
        if (delta) yield delta;
      }
    }
  }

  private async *follow(job: TurnJob, signal?: AbortSignal): AsyncGenerator<TurnStreamEvent> {
    const queue: TurnStreamEvent[] = [];
    let wake: (() => void) | null = null;
    const listener = (event: TurnStreamEvent) => {
      queue.push(event);
      wake?.();
    };
    const onAbort = () => wake?.();
    // Snapshot and subscription in one synchronous step: nothing can happen in between.
    queue.push({ type: "snapshot", responses: job.snapshot() });
    job.listeners.add(listener);
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      while (!signal?.aborted) {
        const event = queue.shift();
        if (!event) {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = null;
          continue;
        }
        yield event;
        if (event.type === "end") return;
      }
    } finally {
      job.listeners.delete(listener);
      signal?.removeEventListener("abort", onAbort);
    }
  }
}

/** The completion request a response records, sent to its resolved endpoint. */
function chatRequest(row: Response, endpoint: ResolvedEndpoint): ChatRequest {
  return {
    baseUrl: endpoint.baseUrl,
    apiKey: endpoint.apiKey,
    fetch: endpoint.fetch,
    model: endpoint.model,
    messages: row.promptMessages,
    temperature: row.temperature,
    topP: row.topP,
    topK: row.topK,
    maxTokens: row.maxTokens,
    seed: row.seed,
  };
}

/**
 * The piece of a delta notice that extends what the watcher has shown, as a delta event at the
 * shown text's end; null when it adds nothing or would leave a gap (a lost notice: the next read
 * of the rows fills it).
 */
function continuation(
  view: ResponseView,
  notice: Extract<TurnNotice, { kind: "delta" }>,
): TurnStreamEvent | null {
  if (isTerminal(view.status)) return null;
  const shownLength = view.text.length;
  if (notice.offset > shownLength || notice.offset + notice.text.length <= shownLength) return null;
  const text = notice.text.slice(shownLength - notice.offset);
  view.text += text;
  view.status = "streaming";
  return { type: "delta", responseId: view.id, offset: shownLength, text };
}

/** What changed in the saved rows since the watcher last showed them, as events. */
function* catchUp(shown: Map<string, ResponseView>, rows: ResponseView[]): Generator<TurnStreamEvent> {
  for (const row of rows) {
    const view = shown.get(row.id);
    const grew = view && row.text.length > view.text.length && row.text.startsWith(view.text);
    if (view && view.status === row.status && grew) {
      yield {
        type: "delta",
        responseId: row.id,
        offset: view.text.length,
        text: row.text.slice(view.text.length),
      };
      view.text = row.text;
    } else if (!view || view.status !== row.status) {
      // A new status (or response): the saved row is the truth.
      shown.set(row.id, { ...row });
      yield { type: "response", response: { ...row } };
    }
  }
}
