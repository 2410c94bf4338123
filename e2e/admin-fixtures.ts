// Helpers for the administration specs: Arbiter's real inference server on a tiny generated
// model (started on a free port), and annotator work done through the app's own API.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import { freePort } from "../server/free-port";
import os from "node:os";
import path from "node:path";
import { expect, type APIRequestContext } from "@playwright/test";
import { makeModel } from "../inference/src/make-model";
import { mutate } from "./annotation-fixtures";

export interface InferenceServer {
  url: string;
  modelName: string;
  stop(): Promise<void>;
}

/** `npm run inference -- --model F --port P` on a small random-weight model. */
export async function startInferenceServer(): Promise<InferenceServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "arbiter-admin-e2e-"));
  const modelName = "tiny-e2e";
  const modelPath = path.join(dir, `${modelName}.gguf`);
  await makeModel({ out: modelPath, dim: 256, layers: 2, heads: 4, kvHeads: 2, ffn: 512, type: "q8_0" });
  const port = await freePort();
  const root = path.resolve(__dirname, "..");
  const child: ChildProcess = spawn(
    process.execPath,
    [
      path.join(root, "node_modules", "tsx", "dist", "cli.mjs"),
      "inference/src/server-main.ts",
      "--model",
      modelPath,
      "--port",
      String(port),
      "--threads",
      "1",
    ],
    { cwd: root, stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const health = await fetch(`${url}/health`).then(
      (response) => response.json(),
      () => null,
    );
    if ((health as { status?: string } | null)?.status === "ok") break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`The inference server did not start: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    url: `${url}/v1`,
    modelName,
    stop: async () => {
      child.kill("SIGTERM");
      await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once("exit", resolve)));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An account with the given role, invited by the signed-in admin, with a password set. */
export async function createAccount(
  admin: APIRequestContext,
  role: "annotator" | "reviewer",
  prefix: string,
) {
  const email = `${prefix}-${Date.now()}@e2e.test`;
  const password = `${role} password 1`;
  const invited = await mutate<{ token: string }>(admin, "users.invite", { email, name: prefix, role });
  await mutate(admin, "invitations.accept", { token: invited.token, password });
  return { email, password };
}

/**
 * One judged turn, the way the workspace does it: send the prompt (POST /api/generate answers
 * with the stored turn, then streams both responses until they are complete), then submit with
 * the response at `winner` position chosen.
 */
export async function judgeTurn(
  annotator: APIRequestContext,
  input: {
    campaignId: string;
    conversationId: string | null;
    message: string;
    winner: 0 | 1;
    strength: string;
  },
) {
  const response = await annotator.post("/api/generate", {
    data: { campaignId: input.campaignId, conversationId: input.conversationId, message: input.message },
    timeout: 60_000,
  });
  const text = await response.text();
  expect(response.ok(), text).toBe(true);
  const events = text
    .split("\n")
    .filter(Boolean)
    .map(
      (line) =>
        JSON.parse(line) as {
          type: string;
          turn?: { turnId: string; responses: { id: string; position: number }[] };
        },
    );
  expect(events.at(-1)?.type).toBe("end");
  const turn = events.find((event) => event.type === "turn")!.turn!;
  const [a, b] = [...turn.responses].sort((x, y) => x.position - y.position).map((item) => item.id);
  const result = await mutate<{ comparisonId: string; conversationId: string; chosenResponseId: string }>(
    annotator,
    "annotation.submitComparison",
    {
      turnId: turn.turnId,
      idempotencyKey: crypto.randomUUID(),
      ranking: input.winner === 0 ? [a, b] : [b, a],
      strength: input.strength,
      timeSpentMs: 9000,
    },
  );
  return { ...result, responseIds: [a, b] };
}
