// Arbiter's real inference server (`npm run inference -- --model F --port P`) on a tiny
// random-weight model, on a free port: the OpenAI-compatible server an admin points variants at.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { makeModel, type MakeModelOptions } from "../inference/src/make-model";
import { freePort } from "../server/free-port";

export interface InferenceServer {
  /** The OpenAI-compatible base URL, ending in /v1. */
  url: string;
  modelName: string;
  /** The server process (for fault tests that kill or pause it). */
  pid: number;
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 60_000;

/**
 * `port`: a fixed one (to start a replacement where clients already point); default: a free one.
 * `vocab`: default a small ASCII vocabulary; "llama2" (32,000 tokens) makes each token cost more
 * and the end token rarely sampled, so that a long answer lasts seconds (faults mid-answer).
 * `niceness`: runs the server (every thread of it) at this lower scheduling priority (`nice -n`),
 * for a benchmark that shares its cores with the web tier that a real deployment would not.
 */
export async function startInferenceServer(
  options: { port?: number; vocab?: MakeModelOptions["vocab"]; niceness?: number } = {},
): Promise<InferenceServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "arbiter-e2e-inference-"));
  const modelName = "tiny-e2e";
  const modelPath = path.join(dir, `${modelName}.gguf`);
  await makeModel({
    out: modelPath,
    dim: 256,
    layers: 2,
    heads: 4,
    kvHeads: 2,
    ffn: 512,
    type: "q8_0",
    vocab: options.vocab,
  });
  const port = options.port ?? (await freePort());
  const root = path.resolve(__dirname, "..");
  const command = [
    process.execPath,
    path.join(root, "node_modules", "tsx", "dist", "cli.mjs"),
    "inference/src/server-main.ts",
    "--model",
    modelPath,
    "--port",
    String(port),
    "--threads",
    "1",
  ];
  // nice execs the command: the child's pid is the server's.
  const [program, ...args] =
    options.niceness === undefined ? command : ["nice", "-n", String(options.niceness), ...command];
  const child = spawn(program, args, { cwd: root, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    const health = await fetch(`${url}/health`).then(
      (response) => response.json() as Promise<{ status?: string }>,
      () => null,
    );
    if (health?.status === "ok") break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      fs.rmSync(dir, { recursive: true, force: true });
      throw new Error(`The inference server did not start: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    url: `${url}/v1`,
    modelName,
    pid: child.pid!,
    stop: async () => {
      const exited = new Promise((resolve) =>
        child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once("exit", resolve),
      );
      child.kill("SIGTERM");
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
