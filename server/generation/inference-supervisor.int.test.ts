// The supervised engine as another user on the host sees it: its port wants the key only the
// web server holds, its environment has none of the web server's secrets, and it opens model
// files only from the operator's folders, as many servers as the operator allows.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeModel } from "@/inference/src/make-model";
import { engineChildEnv } from "@/server/env";
import { InferenceSupervisor } from "./inference-supervisor";

const root = path.resolve(import.meta.dirname, "../..");
const SECRETS = {
  DATABASE_URL: "postgres://arbiter:db-password-marker@127.0.0.1/arbiter",
  NEXTAUTH_SECRET: "session-secret-marker-0123456789abcdef",
  ARBITER_KEY_VLLM: "variant-key-marker",
};
let dir: string;
let modelPath: string;
let supervisor: InferenceSupervisor;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  // The web server's own secrets, as the operator would set them.
  for (const [name, value] of Object.entries(SECRETS)) {
    saved[name] = process.env[name];
    process.env[name] = value;
  }
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "arbiter-supervisor-"));
  modelPath = path.join(dir, "tiny-supervised.gguf");
  await makeModel({ out: modelPath, dim: 64, layers: 1, heads: 2, kvHeads: 2, ffn: 128, type: "q8_0" });
  supervisor = new InferenceSupervisor({
    root,
    modelDirs: [dir],
    childEnv: engineChildEnv(),
    maxServers: 1,
    threads: 1,
  });
}, 60_000);

afterAll(async () => {
  await supervisor?.stop();
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("InferenceSupervisor", () => {
  it("starts a child that wants its key and does not see the web server's secrets", async () => {
    const { baseUrl, apiKey } = await supervisor.ensure(modelPath);
    const request = { messages: [{ role: "user", content: "Hi" }], max_tokens: 2, temperature: 0 };
    const post = (headers: Record<string, string>) =>
      fetch(`${baseUrl}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify(request),
      });
    expect((await post({})).status).toBe(401);
    expect((await post({ authorization: `Bearer ${apiKey}` })).status).toBe(200);
    // status() is what admins see on /api/health: the key is not in it.
    expect(JSON.stringify(supervisor.status())).not.toContain(apiKey);

    const pid = supervisor.status()[0]!.pid!;
    const environment = fs.readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
    for (const [name, value] of Object.entries(SECRETS)) {
      expect(
        environment.some((line) => line.startsWith(`${name}=`) || line.includes(value)),
        name,
      ).toBe(false);
    }
    expect(environment).toContain(`ARBITER_ENGINE_API_KEY=${apiKey}`);
  }, 60_000);

  it("refuses a model file outside its folders as it refuses a missing one, before starting anything", async () => {
    const outside = path.join(os.tmpdir(), `arbiter-outside-${process.pid}.gguf`);
    fs.copyFileSync(modelPath, outside);
    try {
      const reason = (file: string) =>
        supervisor.ensure(file).then(
          () => "started",
          (error: Error) => error.message,
        );
      const refused = await reason(outside);
      const missing = await reason(path.join(dir, "missing.gguf"));
      expect(refused).toMatch(/no model file .* in the model folders/);
      expect(refused.replace(outside, "<path>")).toBe(
        missing.replace(path.join(dir, "missing.gguf"), "<path>"),
      );
      expect(supervisor.status().map((server) => server.modelPath)).toEqual([modelPath]);
    } finally {
      fs.rmSync(outside, { force: true });
    }
  });

  it("starts no more servers than allowed", async () => {
    const second = path.join(dir, "second.gguf");
    fs.copyFileSync(modelPath, second);
    await expect(supervisor.ensure(second)).rejects.toThrow(/ARBITER_MAX_MODEL_SERVERS/);
    expect(supervisor.status()).toHaveLength(1);
  });
});
