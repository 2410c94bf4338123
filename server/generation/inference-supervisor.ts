// Starts Arbiter's inference server (inference/src/server-main.ts) as a child process for each
// local model file the campaigns use, waits until it answers /health, restarts it with backoff
// when it dies, and stops it when the web server stops. The engine never runs inside the web
// server: a crash or a bad model file there must not take the web app down.
// Each child gets a random API key (anyone on the host can reach its port), a minimal
// environment, and only model files from the operator's folders.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
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

/** One supervised inference server process, for one model file. */
class ManagedServer {
  readonly modelName: string;
  private state: ManagedServerState = "stopped";
  private child: ChildProcess | null = null;
  private url: string | null = null;
  private restarts = 0;
  private consecutiveFailures = 0;
  private lastError: string | null = null;
  private readySince: number | null = null;
  private stderrTail: string[] = [];
  private waiters: Waiter[] = [];
  private restartTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  /** Set when we kill the child ourselves, so its exit is reported for what it was. */
  private killReason: string | null = null;
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
      pid: this.child?.pid ?? null,
      url: this.url,
      restarts: this.restarts,
      lastError: this.lastError,
      readySince: this.readySince ? new Date(this.readySince).toISOString() : null,
    };
  }

  /** The server's base URL once it is ready; starts it (or hurries a pending restart) if needed. */
  ready(): Promise<string> {
    if (this.state === "ready" && this.url) return Promise.resolve(this.url);
    const promise = new Promise<string>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (this.state === "stopped" && !this.stopping) void this.start();
    else if (this.state === "restarting" && this.restartTimer) {
      // Someone is waiting: try now rather than at the end of the backoff.
      clearTimeout(this.restartTimer);
      this.restartTimer = null;
      void this.start();
    }
    return promise;
  }

  private settle(error: Error | null) {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) {
      if (error) waiter.reject(error);
      else waiter.resolve(this.url!);
    }
  }

  private async start(): Promise<void> {
    this.state = "starting";
    this.stderrTail = [];
    // Again at every start: the file or a symlink on its way may have changed since.
    try {
      resolveModelFile(this.modelPath, this.options.modelDirs);
    } catch (error) {
      this.fail((error as Error).message);
      return;
    }
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
    ];
    const child = spawn(process.execPath, args, {
      cwd: this.options.root,
      env: { ...this.options.childEnv, ARBITER_ENGINE_API_KEY: this.apiKey },
      stdio: ["ignore", "ignore", "pipe"],
    });
    this.child = child;
    const url = `http://127.0.0.1:${port}`;
    this.options.log(
      "info",
      `Starting the inference server for ${this.modelPath} (PID ${child.pid}, port ${port}).`,
    );

    let buffered = "";
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        if (!line.trim()) continue;
        this.stderrTail.push(line);
        if (this.stderrTail.length > STDERR_LINES_KEPT) this.stderrTail.shift();
      }
    });
    child.once("error", (error) => {
      if (this.child !== child) return;
      this.child = null;
      this.fail(`Could not start the inference server: ${error.message}`);
    });
    child.once("exit", (code, signal) => {
      if (this.child !== child) return;
      this.child = null;
      this.url = null;
      if (this.stopping) {
        this.state = "stopped";
        return;
      }
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const tail = this.stderrTail.length ? ` Last output: ${this.stderrTail.slice(-4).join(" | ")}` : "";
      const reason = this.killReason ?? `The inference server for ${this.modelName} ${how}.${tail}`;
      this.killReason = null;
      this.fail(reason);
    });

    const deadline = Date.now() + this.options.startTimeoutMs;
    while (this.child === child && Date.now() < deadline) {
      if (await this.isHealthy(url)) {
        if (this.child !== child) return;
        this.state = "ready";
        this.url = url;
        this.readySince = Date.now();
        this.options.log("info", `Inference server for ${this.modelName} is ready at ${url}.`);
        this.settle(null);
        return;
      }
      await sleep(150);
    }
    if (this.child === child) {
      // Its exit handler records the failure and schedules the restart.
      this.killReason = `The inference server for ${this.modelName} did not become ready within ${Math.round(this.options.startTimeoutMs / 1000)} s.`;
      child.kill("SIGKILL");
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
      void this.start();
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
    const child = this.child;
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
    this.child?.kill("SIGKILL");
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

  /** The OpenAI-compatible base URL (".../v1") serving `modelPath`, once its server is ready. */
  async ensure(modelPath: string): Promise<{ baseUrl: string; modelName: string; apiKey: string }> {
    const server = this.serverFor(modelPath);
    const url = await server.ready();
    server.noteSuccess();
    return { baseUrl: `${url}/v1`, modelName: server.modelName, apiKey: server.apiKey };
  }

  /** Starts the server for `modelPath` in the background (e.g. at web server start). */
  warmUp(modelPath: string) {
    try {
      this.serverFor(modelPath)
        .ready()
        .catch(() => {}); // recorded in status(); the next request retries
    } catch (error) {
      this.options.log("error", (error as Error).message);
    }
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
