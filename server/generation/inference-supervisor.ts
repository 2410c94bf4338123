// Starts Arbiter's inference server (inference/src/server-main.ts) as a child process for each
// local model file the campaigns use, with the LoRA adapters their variants add, waits until it answers /health, restarts it with backoff
// when it dies, and stops it when the web server stops. The engine never runs inside the web
// server: a crash or a bad model file there must not take the web app down.
// Each child gets a random API key (anyone on the host can reach its port), a minimal
// environment, and only model files from the operator's folders.
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { freePort } from "@/server/free-port";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ModelFileError, resolveModelFile } from "./model-files";

export type ManagedServerState = "starting" | "ready" | "restarting" | "stopped";

export interface ManagedServerStatus {
  modelPath: string;
  modelName: string;
  state: ManagedServerState;
  pid: number | null;
  url: string | null;
  /** The LoRA adapters it serves, each as the model `name`. */
  adapters: { name: string; path: string; scale: number }[];
  restarts: number;
  /** Why the last start failed or the server last died (with its last log lines). */
  lastError: string | null;
  readySince: string | null;
}

export interface SupervisorOptions {
  /** The repository root: where inference/ and node_modules/ are. */
  root: string;
  /** The folders model files must be in (model-files.ts). */
  modelDirs: readonly string[];
  /** The children's whole environment (env.ts engineChildEnv), their API key added. */
  childEnv: Readonly<NodeJS.ProcessEnv>;
  /** How many model servers may exist at once (ARBITER_MAX_MODEL_SERVERS). */
  maxServers?: number;
  threads?: number;
  /** How long one start may take to answer /health "ok" (model loading included). */
  startTimeoutMs?: number;
  /** Backoff between restarts: first delay, doubled per consecutive failure, up to max. */
  restartDelayMs?: number;
  maxRestartDelayMs?: number;
  log?: (level: "info" | "warn" | "error", message: string) => void;
}

class InferenceUnavailableError extends Error {
  override name = "InferenceUnavailableError";
}

const STDERR_LINES_KEPT = 12;
/** A server that stayed up this long is healthy again: the next failure restarts quickly. */
const STABLE_AFTER_MS = 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Waiter {
  resolve: (url: string) => void;
  reject: (error: Error) => void;
}

/** A LoRA adapter file over a base model, and the scale it is applied with. */
export interface LoraAdapter {
  path: string;
  scale: number;
}

/**
 * The name the engine serves an adapter under (its --lora NAME and the requests' `model`): the
 * file's name made safe for a command-line value and a URL path, and a digest of its path and
 * scale, so that two files of one name, or one file at two scales, are two models.
 */
export function adapterModelName(adapter: LoraAdapter): string {
  const stem = path
    .basename(adapter.path)
    .replace(/\.gguf$/i, "")
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .slice(0, 60);
  const digest = createHash("sha256")
    .update(`${path.resolve(adapter.path)}\0${adapter.scale}`)
    .digest("hex")
    .slice(0, 8);
  return `${stem || "adapter"}-${digest}`;
}

interface RunningChild {
  process: ChildProcess;
  url: string;
}

/** An adapter a request wants that the running child does not serve yet. */
interface PendingAdapter {
  adapter: LoraAdapter;
  waiters: Waiter[];
}

/** A failed adapter is tried again at most this often (each try loads the base once more). */
const ADAPTER_RETRY_AFTER_MS = 10_000;
/** A replaced child finishes its answers in flight for at most this long before it is stopped. */
const DRAIN_MAX_MS = 10 * 60_000;
const DRAIN_POLL_MS = 500;

/**
 * One supervised inference server process for one model file, serving the adapters its
 * variants use. An adapter it does not serve yet starts a second process with the adapters
 * added; the first keeps answering until the second is ready and then finishes the answers it
 * has in flight, so adding an adapter interrupts no turn. An adapter that cannot be loaded
 * (a wrong base, a bad file) fails the requests for it with the engine's reason and leaves the
 * served ones alone.
 */
class ManagedServer {
  readonly modelName: string;
  private state: ManagedServerState = "stopped";
  private child: RunningChild | null = null;
  /** The adapters the running child serves, by model name. */
  private served = new Map<string, LoraAdapter>();
  private pending = new Map<string, PendingAdapter>();
  private rejected = new Map<string, { message: string; at: number }>();
  /** A child not ready yet, and replaced children finishing their answers. */
  private starting: ChildProcess | null = null;
  private retiring = new Set<ChildProcess>();
  private launching = false;
  private restarts = 0;
  private consecutiveFailures = 0;
  private lastError: string | null = null;
  private readySince: number | null = null;
  private waiters: Waiter[] = [];
  private restartTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  /** What the child wants in Authorization; never in status(), which admins see. */
  readonly apiKey = randomBytes(32).toString("base64url");

  constructor(
    readonly modelPath: string,
    private readonly options: Required<Omit<SupervisorOptions, "threads">> & { threads?: number },
  ) {
    this.modelName = path.basename(modelPath).replace(/\.gguf$/i, "");
  }

  status(): ManagedServerStatus {
    return {
      modelPath: this.modelPath,
      modelName: this.modelName,
      state: this.state,
      pid: this.child?.process.pid ?? null,
      url: this.child?.url ?? null,
      adapters: [...this.served].map(([name, adapter]) => ({ name, ...adapter })),
      restarts: this.restarts,
      lastError: this.lastError,
      readySince: this.readySince ? new Date(this.readySince).toISOString() : null,
    };
  }

  /**
   * The server's base URL once it is ready and serves `adapter` (null: the base alone); starts
   * it, hurries a pending restart, or starts a replacement with the adapter added, as needed.
   */
  ready(adapter: LoraAdapter | null): Promise<string> {
    const name = adapter ? adapterModelName(adapter) : null;
    if (!adapter || !name || this.served.has(name)) {
      if (this.state === "ready" && this.child) return Promise.resolve(this.child.url);
      const promise = new Promise<string>((resolve, reject) => this.waiters.push({ resolve, reject }));
      this.wake();
      return promise;
    }
    const rejection = this.rejected.get(name);
    if (rejection && Date.now() - rejection.at < ADAPTER_RETRY_AFTER_MS) {
      return Promise.reject(new InferenceUnavailableError(rejection.message));
    }
    return new Promise<string>((resolve, reject) => {
      this.want([adapter]);
      this.pending.get(name)!.waiters.push({ resolve, reject });
      this.wake();
    });
  }

  /** Adds adapters to the next start (e.g. every adapter of the active variants, at warm-up). */
  want(adapters: readonly LoraAdapter[]) {
    for (const adapter of adapters) {
      const name = adapterModelName(adapter);
      if (!this.served.has(name) && !this.pending.has(name)) this.pending.set(name, { adapter, waiters: [] });
    }
  }

  /** Starts what the waiting requests need: a first start, an early restart, or a replacement. */
  private wake() {
    if (this.stopping || this.launching) return;
    if (this.state === "ready" && this.pending.size === 0) return;
    if (this.restartTimer) {
      // Someone is waiting: try now rather than at the end of the backoff.
      clearTimeout(this.restartTimer);
      this.restartTimer = null;
    } else if (this.state === "restarting") {
      return;
    }
    void this.launch();
  }

  private settle(error: Error | null) {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) {
      if (error) waiter.reject(error);
      else waiter.resolve(this.child!.url);
    }
  }

  /** Fails the requests for these adapters and remembers why for a while. */
  private rejectAdapters(names: readonly string[], message: string) {
    for (const name of names) {
      const pending = this.pending.get(name);
      this.pending.delete(name);
      this.rejected.set(name, { message, at: Date.now() });
      for (const waiter of pending?.waiters ?? []) waiter.reject(new InferenceUnavailableError(message));
    }
    if (names.length) this.options.log("error", message);
  }

  /**
   * Starts a child with the served adapters and the pending ones. The running child, if any,
   * keeps serving until the new one is ready. A failed start that added adapters is blamed on
   * them: they are refused and the start is tried again without them at once.
   */
  private async launch(): Promise<void> {
    this.launching = true;
    if (!this.child) this.state = "starting";
    // Again at every start: a file or a symlink on its way may have changed since.
    try {
      resolveModelFile(this.modelPath, this.options.modelDirs);
    } catch (error) {
      this.launching = false;
      this.fail((error as Error).message);
      return;
    }
    const adapters = new Map(this.served);
    for (const [name, { adapter }] of this.pending) adapters.set(name, adapter);
    for (const [name, adapter] of adapters) {
      try {
        resolveModelFile(adapter.path, this.options.modelDirs);
      } catch (error) {
        adapters.delete(name);
        this.served.delete(name);
        this.rejectAdapters(
          [name],
          `The adapter of this variant cannot be used: ${(error as Error).message}`,
        );
      }
    }
    const added = [...adapters.keys()].filter((name) => !this.served.has(name));
    if (this.child && added.length === 0) {
      this.launching = false;
      return;
    }
    const started = await this.startChild(adapters);
    this.launching = false;
    if (this.stopping) {
      if (!("error" in started)) started.process.kill("SIGKILL");
      return;
    }
    if ("error" in started) {
      if (added.length > 0) {
        this.rejectAdapters(
          added,
          `The inference server for ${this.modelName} could not load the adapter` +
            `${added.length === 1 ? "" : "s"} ${added.map((name) => path.basename(adapters.get(name)!.path)).join(", ")}: ${started.error}`,
        );
        if (!this.child || this.pending.size > 0) void this.launch();
        return;
      }
      this.fail(started.error);
      return;
    }
    if (this.restartTimer) {
      clearTimeout(this.restartTimer);
      this.restartTimer = null;
    }
    const previous = this.child;
    this.child = started;
    this.served = adapters;
    this.state = "ready";
    if (!previous) this.readySince = Date.now();
    this.options.log(
      "info",
      `Inference server for ${this.modelName}${adapters.size ? ` with ${[...adapters.keys()].join(", ")}` : ""} is ready at ${started.url}.`,
    );
    for (const name of added) {
      const pending = this.pending.get(name);
      this.pending.delete(name);
      this.rejected.delete(name);
      for (const waiter of pending?.waiters ?? []) waiter.resolve(started.url);
    }
    this.settle(null);
    if (previous) void this.retire(previous);
    if (this.pending.size > 0) void this.launch();
  }

  /** Spawns a child serving `adapters` and waits for /health "ok"; its exit after that is a failure. */
  private async startChild(
    adapters: ReadonlyMap<string, LoraAdapter>,
  ): Promise<RunningChild | { error: string }> {
    const port = await freePort();
    const args = [
      "--import",
      pathToFileURL(path.join(this.options.root, "server", "generation", "exit-with-parent.mjs")).href,
      "--import",
      "tsx",
      path.join(this.options.root, "inference", "src", "server-main.ts"),
      "--model",
      this.modelPath,
      "--port",
      String(port),
      "--host",
      "127.0.0.1",
      "--model-name",
      this.modelName,
      ...(this.options.threads ? ["--threads", String(this.options.threads)] : []),
      // One argument each: a name or file that starts with "-" cannot pass for an option, and the
      // scale after the last ":" is always ours (parseAdapterSpec).
      ...[...adapters].map(([name, adapter]) => `--lora=${name}=${adapter.path}:${adapter.scale}`),
    ];
    const child = spawn(process.execPath, args, {
      cwd: this.options.root,
      env: { ...this.options.childEnv, ARBITER_ENGINE_API_KEY: this.apiKey },
      stdio: ["ignore", "ignore", "pipe"],
    });
    this.starting = child;
    const url = `http://127.0.0.1:${port}`;
    this.options.log(
      "info",
      `Starting the inference server for ${this.modelPath}${adapters.size ? ` with ${adapters.size} adapter${adapters.size === 1 ? "" : "s"}` : ""} (PID ${child.pid}, port ${port}).`,
    );

    const stderrTail: string[] = [];
    let buffered = "";
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        if (!line.trim()) continue;
        stderrTail.push(line);
        if (stderrTail.length > STDERR_LINES_KEPT) stderrTail.shift();
      }
    });
    let ended: string | null = null;
    let killReason: string | null = null;
    let isRunning = false;
    child.once("error", (error) => {
      ended ??= `Could not start the inference server: ${error.message}`;
    });
    child.once("exit", (code, signal) => {
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const tail = stderrTail.length ? ` Last output: ${stderrTail.slice(-4).join(" | ")}` : "";
      ended ??= killReason ?? `The inference server for ${this.modelName} ${how}.${tail}`;
      if (isRunning) this.childExited(child, ended);
    });

    const deadline = Date.now() + this.options.startTimeoutMs;
    while (ended === null && !this.stopping && Date.now() < deadline) {
      if (await this.isHealthy(url)) {
        if (ended !== null) break;
        isRunning = true;
        this.starting = null;
        return { process: child, url };
      }
      await sleep(150);
    }
    if (ended === null) {
      killReason = `The inference server for ${this.modelName} did not become ready within ${Math.round(this.options.startTimeoutMs / 1000)} s.`;
      await new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGKILL");
      });
    }
    this.starting = null;
    return { error: ended ?? killReason ?? "The inference server stopped." };
  }

  /** A running child died: the current one is restarted with backoff; a retiring one is let go. */
  private childExited(child: ChildProcess, reason: string) {
    this.retiring.delete(child);
    if (this.child?.process !== child) return;
    this.child = null;
    if (this.stopping) {
      this.state = "stopped";
      return;
    }
    this.fail(reason);
  }

  /** Lets a replaced child finish the answers it has in flight, then stops it. */
  private async retire(old: RunningChild) {
    this.retiring.add(old.process);
    const deadline = Date.now() + DRAIN_MAX_MS;
    // The first pause also covers a request that got the old URL just before the swap.
    for (;;) {
      await sleep(DRAIN_POLL_MS);
      if (!this.retiring.has(old.process) || Date.now() > deadline) break;
      if (((await this.activeSequences(old.url)) ?? 0) === 0) break;
    }
    this.retiring.delete(old.process);
    old.process.kill("SIGTERM");
  }

  private async activeSequences(url: string): Promise<number | null> {
    try {
      const response = await fetch(`${url}/health`, {
        headers: { authorization: `Bearer ${this.apiKey}` },
        signal: AbortSignal.timeout(1000),
      });
      const body = (await response.json()) as { activeSequences?: number };
      return body.activeSequences ?? null;
    } catch {
      return null;
    }
  }

  private async isHealthy(url: string): Promise<boolean> {
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      if (!response.ok) return false;
      const body = (await response.json()) as { status?: string };
      return body.status === "ok";
    } catch {
      return false;
    }
  }

  private fail(message: string) {
    const wasReady = this.readySince !== null;
    const ranLong = wasReady && Date.now() - this.readySince! > STABLE_AFTER_MS;
    this.readySince = null;
    this.lastError = message;
    this.consecutiveFailures = ranLong ? 1 : this.consecutiveFailures + 1;
    this.options.log(wasReady ? "warn" : "error", message);
    this.settle(new InferenceUnavailableError(message));
    for (const [name, pending] of this.pending) {
      for (const waiter of pending.waiters) waiter.reject(new InferenceUnavailableError(message));
      this.pending.set(name, { ...pending, waiters: [] });
    }
    if (this.stopping) {
      this.state = "stopped";
      return;
    }
    this.state = "restarting";
    this.restarts++;
    const delay = Math.min(
      this.options.maxRestartDelayMs,
      this.options.restartDelayMs * 2 ** (this.consecutiveFailures - 1),
    );
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (!this.launching) void this.launch();
    }, delay);
    this.restartTimer.unref();
  }

  /** Forgets the failure count once a start succeeded and the server has served a while. */
  noteSuccess() {
    if (this.state === "ready") this.consecutiveFailures = 0;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.settle(new InferenceUnavailableError("The web server is shutting down."));
    this.starting?.kill("SIGKILL");
    for (const retiring of this.retiring) retiring.kill("SIGKILL");
    const child = this.child?.process;
    if (!child) {
      this.state = "stopped";
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill("SIGTERM");
    });
    this.state = "stopped";
  }

  /** For the 'exit' handler: no time left to wait. */
  killNow() {
    this.stopping = true;
    this.starting?.kill("SIGKILL");
    for (const retiring of this.retiring) retiring.kill("SIGKILL");
    this.child?.process.kill("SIGKILL");
  }
}

export class InferenceSupervisor {
  private readonly servers = new Map<string, ManagedServer>();
  private readonly options: Required<Omit<SupervisorOptions, "threads">> & { threads?: number };

  constructor(options: SupervisorOptions) {
    this.options = {
      maxServers: 4,
      startTimeoutMs: 180_000,
      restartDelayMs: 1000,
      maxRestartDelayMs: 30_000,
      log: () => {},
      ...options,
    };
  }

  /**
   * The OpenAI-compatible base URL (".../v1") serving `modelPath`, with `adapter` over it when
   * one is given, once its server is ready; `modelName` is what requests name (the adapter's).
   */
  async ensure(
    modelPath: string,
    adapter: LoraAdapter | null = null,
  ): Promise<{ baseUrl: string; modelName: string; apiKey: string }> {
    const server = this.serverFor(modelPath);
    const wanted = adapter && this.checkedAdapter(adapter);
    const url = await server.ready(wanted);
    server.noteSuccess();
    return {
      baseUrl: `${url}/v1`,
      modelName: wanted ? adapterModelName(wanted) : server.modelName,
      apiKey: server.apiKey,
    };
  }

  /**
   * Starts the server for `modelPath` in the background (e.g. at web server start), with every
   * adapter its variants use, so that one start serves them all.
   */
  warmUp(modelPath: string, adapters: readonly LoraAdapter[] = []) {
    try {
      const server = this.serverFor(modelPath);
      server.want(adapters.map((adapter) => this.checkedAdapter(adapter)));
      server.ready(null).catch(() => {}); // recorded in status(); the next request retries
    } catch (error) {
      this.options.log("error", (error as Error).message);
    }
  }

  /** An adapter file is held to the model folders as a model file is. */
  private checkedAdapter(adapter: LoraAdapter): LoraAdapter {
    const file = path.resolve(adapter.path);
    try {
      resolveModelFile(file, this.options.modelDirs);
    } catch (error) {
      if (error instanceof ModelFileError) throw new InferenceUnavailableError(error.message);
      throw error;
    }
    return { path: file, scale: adapter.scale };
  }

  modelNameFor(modelPath: string) {
    return path.basename(modelPath).replace(/\.gguf$/i, "");
  }

  /** Throws InferenceUnavailableError for a file outside the model folders or one server too many. */
  private serverFor(modelPath: string) {
    const key = path.resolve(modelPath);
    let server = this.servers.get(key);
    if (!server) {
      try {
        resolveModelFile(key, this.options.modelDirs);
      } catch (error) {
        if (error instanceof ModelFileError) throw new InferenceUnavailableError(error.message);
        throw error;
      }
      if (this.servers.size >= this.options.maxServers) {
        throw new InferenceUnavailableError(
          `This server already runs ${this.servers.size} local model servers, its limit. Use a model ` +
            "file that is already in use, or ask the operator to raise ARBITER_MAX_MODEL_SERVERS.",
        );
      }
      server = new ManagedServer(key, this.options);
      this.servers.set(key, server);
    }
    return server;
  }

  status(): ManagedServerStatus[] {
    return [...this.servers.values()].map((server) => server.status());
  }

  async stop(): Promise<void> {
    await Promise.all([...this.servers.values()].map((server) => server.stop()));
  }

  killAllNow() {
    for (const server of this.servers.values()) server.killNow();
  }
}
