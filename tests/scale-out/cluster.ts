// A small Arbiter deployment on this machine, as deploy/README.md describes one: a PostgreSQL
// cluster of its own (the tests stop and start it), one shared inference server, N production
// instances (what `npm start` runs, on a current Next build) and HAProxy with
// deploy/haproxy.cfg in front. Used by the scale-out tests and `npm run bench:soak`.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startPgCluster, type PgCluster } from "@/bench/pg-cluster";
import { startInferenceServer, type InferenceServer } from "@/e2e/inference-server";
import { isBuildCurrent, NEXT_BIN, SERVER_V8_OPTIONS } from "@/scripts/build-state.mts";
import { freePort } from "@/server/free-port";

export const ROOT = path.resolve(import.meta.dirname, "../..");
const TSX_CLI = path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
/** Playwright and these tests serve the same .next: whoever builds or serves it holds this lock. */
export const BUILD_LOCK = "/tmp/arbiter-playwright.lock";
const START_TIMEOUT_MS = 120_000;

export const ADMIN = { email: "admin@scale-out.test", password: "scale-out admin password" };

/** Is HAProxy installed (Debian's haproxy package; .ci/run installs it)? */
export function findHaproxy(): string | null {
  for (const candidate of ["/usr/sbin/haproxy", "/usr/bin/haproxy", "/usr/local/sbin/haproxy"]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  return null;
}

export interface BuildLock {
  release(): void;
}

/**
 * Takes the build lock (waiting for another run's build or Playwright to finish), then builds
 * .next if it is not a build of the current sources, as `npm start` would.
 */
export async function lockCurrentBuild(log: (line: string) => void): Promise<BuildLock> {
  // flock holds the lock while `cat` waits on our stdin; closing it (or our exit) releases it.
  const holder = spawn("flock", [BUILD_LOCK, "sh", "-c", "echo locked; exec cat"], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    holder.stdout.once("data", () => resolve());
    holder.once("exit", (code) => reject(new Error(`flock ${BUILD_LOCK} exited with ${code}`)));
  });
  if (!isBuildCurrent()) {
    log("building .next (npm run build)…");
    execFileSync(process.execPath, [TSX_CLI, "scripts/build.mts"], { cwd: ROOT, stdio: "pipe" });
  }
  return { release: () => holder.stdin.end() };
}

export interface Instance {
  name: string;
  url: string;
  /** The server process (its own process group, with anything it starts under it). */
  process: ChildProcess;
  exit: Promise<number | null>;
  output: () => string;
}

export interface Deployment {
  /** The load balancer's address: what browsers use. */
  url: string;
  pg: PgCluster;
  inference: InferenceServer;
  instances: Instance[];
  databaseUrl: string;
  /** Starts a replacement for instance `index` (after it was killed or stopped). */
  restartInstance(index: number): Promise<Instance>;
  /** Starts a replacement inference server at the same address (after it was killed). */
  restartInference(): Promise<void>;
  /** Signals the shared inference server (signalInferenceServer). */
  signalInference(signal: NodeJS.Signals): void;
  /** Waits until the balancer sends requests to every instance again: while the database was
   * away its health checks took them out, and they come back only after `rise` good checks. */
  untilBalanced(): Promise<void>;
  stop(): Promise<void>;
}

async function waitForHealth(url: string, isAlive: () => boolean, output: () => string) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const status = await fetch(`${url}/api/health`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return;
    if (!isAlive() || Date.now() > deadline) {
      throw new Error(`${url} did not become healthy:\n${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Waits until the balancer sends requests to `name` (it has passed HAProxy's health checks). */
async function waitForBalancer(url: string, name: string) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const served = await fetch(`${url}/api/health`).then(
      async (response) => (await response.body?.cancel(), response.headers.get("x-arbiter-instance")),
      () => null,
    );
    if (served === name) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`The balancer at ${url} never sent a request to ${name}.`);
}

/**
 * What `npm start` runs once the build is current (scripts/start.mts): `next start` with its V8
 * options and NEXT_MANUAL_SIG_HANDLE, so SIGTERM drains (server/shutdown.ts). Started directly,
 * so that an edit to the sources meanwhile cannot make an instance rebuild the .next the others
 * serve.
 */
function startInstance(name: string, port: number, env: NodeJS.ProcessEnv, nodeArgs: string[]): Instance {
  const args = [...SERVER_V8_OPTIONS, ...nodeArgs, NEXT_BIN, "start", "--port", String(port)];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...env, PORT: String(port), NEXT_MANUAL_SIG_HANDLE: "true" },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { name, url: `http://127.0.0.1:${port}`, process: child, exit, output: () => output };
}

/** Signals an instance's whole process group, as systemd does (KillMode=control-group). */
export function signalInstance(instance: Instance, signal: NodeJS.Signals) {
  try {
    process.kill(-instance.process.pid!, signal);
  } catch {
    // already gone
  }
}

/** Signals an inference server: the tsx wrapper and the node process under it that serves. */
export function signalInferenceServer(server: InferenceServer, signal: NodeJS.Signals) {
  const children = execFileSync("pgrep", ["-P", String(server.pid)], { encoding: "utf8" })
    .split("\n")
    .filter(Boolean)
    .map(Number);
  for (const pid of [...children, server.pid]) {
    try {
      process.kill(pid, signal);
    } catch {
      // gone already
    }
  }
}

export async function startDeployment(options: {
  instances: number;
  haproxy: string;
  env?: Record<string, string>;
  /** Options for the instances' node (e.g. --cpu-prof, which NODE_OPTIONS does not admit). */
  nodeArgs?: string[];
  /** The inference server's scheduling niceness (startInferenceServer's `niceness`). */
  inferenceNiceness?: number;
  log: (line: string) => void;
}): Promise<Deployment> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "arbiter-scale-out-"));
  const pg = await startPgCluster({
    name: "scale-out",
    keep: false,
    settings: ["max_connections=200"],
    log: options.log,
  });
  const inference = await startInferenceServer({ niceness: options.inferenceNiceness });
  const secret = crypto.randomBytes(32).toString("base64url");
  const lbPort = await freePort();
  const url = `http://127.0.0.1:${lbPort}`;
  const ports = await Promise.all(Array.from({ length: options.instances }, () => freePort()));
  // The instances' environment: what deploy/README.md says must match across instances (the
  // database, the session secret, the public URL, the inference server), and nothing of ours.
  const instanceEnv = (index: number): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TMPDIR: os.tmpdir(),
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    DATABASE_URL: pg.url,
    NEXTAUTH_SECRET: secret,
    NEXTAUTH_URL: url,
    ARBITER_DATA_DIR: path.join(work, `app${index + 1}`),
    ARBITER_ADMIN_EMAIL: ADMIN.email,
    ARBITER_ADMIN_PASSWORD: ADMIN.password,
    ARBITER_TRUSTED_PROXY_HOPS: "1",
    INFERENCE_URL: inference.url,
    INFERENCE_MODEL: inference.modelName,
    ...options.env,
  });
  const nodeArgs = options.nodeArgs ?? [];
  const instances = ports.map((port, index) =>
    startInstance(`app${index + 1}`, port, instanceEnv(index), nodeArgs),
  );
  const haproxy = spawn(options.haproxy, ["-db", "-f", path.join(ROOT, "deploy", "haproxy.cfg")], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "production",
      ARBITER_LB_BIND: `127.0.0.1:${lbPort}`,
      ...Object.fromEntries(ports.map((port, index) => [`ARBITER_APP_${index + 1}`, `127.0.0.1:${port}`])),
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let haproxyOutput = "";
  haproxy.stderr!.on(
    "data",
    (chunk: Buffer) => (haproxyOutput = (haproxyOutput + chunk.toString()).slice(-8000)),
  );

  const deployment: Deployment = {
    url,
    pg,
    inference,
    instances,
    databaseUrl: pg.url,
    async restartInstance(index) {
      const instance = startInstance(`app${index + 1}`, ports[index], instanceEnv(index), nodeArgs);
      instances[index] = instance;
      await waitForHealth(instance.url, () => instance.process.exitCode === null, instance.output);
      await waitForBalancer(url, instance.name);
      return instance;
    },
    async restartInference() {
      await deployment.inference.stop();
      deployment.inference = await startInferenceServer({
        port: Number(new URL(inference.url).port),
        niceness: options.inferenceNiceness,
      });
    },
    signalInference(signal) {
      signalInferenceServer(deployment.inference, signal);
    },
    async untilBalanced() {
      for (const instance of instances) await waitForBalancer(url, instance.name);
    },
    async stop() {
      for (const instance of instances) signalInstance(instance, "SIGKILL");
      await Promise.all(instances.map((instance) => instance.exit));
      haproxy.kill("SIGKILL");
      // A failed test may have left it paused (SIGTERM would wait) or killed.
      try {
        deployment.signalInference("SIGCONT");
      } catch {
        // gone already
      }
      await deployment.inference.stop();
      pg.stop();
      fs.rmSync(work, { recursive: true, force: true });
    },
  };
  try {
    for (const instance of instances) {
      await waitForHealth(instance.url, () => instance.process.exitCode === null, instance.output);
    }
    await waitForHealth(
      url,
      () => haproxy.exitCode === null,
      () => haproxyOutput,
    );
    for (const instance of instances) await waitForBalancer(url, instance.name);
  } catch (error) {
    await deployment.stop();
    throw error;
  }
  return deployment;
}
