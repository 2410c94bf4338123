// An admin is not the operator: a local variant's model file must be in the operator's model
// folders, and the answer for a file outside them is the answer for a file that does not exist,
// so the server can be neither made to open nor asked about any other file.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { createTestDb } from "@/db/testing";
import { createTrpcHttpHandler } from "@/server/api/http-handler";
import { createContext } from "@/server/api/trpc";
import type { SessionUser } from "@/server/auth/session-user";
import { ValidationError } from "@/server/errors";
import { configuredModelDirs } from "@/server/generation/model-files";
import { createAdmin } from "@/server/testing/fixtures";
import { sessionHeaders, TEST_AUTH_SECRET } from "@/server/testing/session-cookie";
import { createCampaign } from "./create-campaign";
import { createVariant } from "./save-variant";

let database: Database;
let admin: SessionUser;
let campaignId: string;
let handle: (request: Request) => Promise<Response>;
let scratch: string;
let outside: string;

beforeAll(async () => {
  database = await createTestDb();
  admin = (await createAdmin(database.db)).actor;
  campaignId = (await createCampaign(database.db, { name: "Model files", kind: "helpfulness" }, admin)).id;
  handle = createTrpcHttpHandler((request) => createContext(database.db, request.headers, TEST_AUTH_SECRET));
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "arbiter-model-files-"));
  // A real model-shaped file the server could read, outside every model folder.
  outside = path.join(scratch, "elsewhere", "secret.gguf");
  fs.mkdirSync(path.dirname(outside));
  fs.writeFileSync(outside, "GGUF");
});

afterAll(async () => {
  await database?.close();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

/** The admin's "Add variant" over HTTP, as the admin UI sends it. */
async function addVariant(name: string, modelPath: string) {
  const headers = await sessionHeaders(admin, { "content-type": "application/json" });
  const response = await handle(
    new Request("http://localhost/api/trpc/variants.create", {
      method: "POST",
      headers,
      body: JSON.stringify({ json: { campaignId, name, endpointKind: "local", modelPath } }),
    }),
  );
  const body = (await response.json()) as { error?: { json: { message: string } } };
  return { status: response.status, message: body.error?.json.message ?? null };
}

/** The message with the admin's own path taken out: what is left must not depend on the file. */
const shape = (message: string | null, requested: string) =>
  message?.replace(JSON.stringify(requested), "<path>");

describe("local variants' model files", () => {
  it("refuses files outside the model folders exactly as it refuses missing ones", async () => {
    const [modelDir] = configuredModelDirs();
    const escape = path.relative(modelDir!, outside); // "../../../tmp/.../secret.gguf"
    expect(escape.startsWith("..")).toBe(true);
    const missing = await addVariant("missing", "no-such-model.gguf");
    expect(missing.status).toBe(400);
    expect(missing.message).toMatch(/no model file "no-such-model.gguf" in the model folders/);
    for (const requested of [
      outside,
      escape,
      "/etc/passwd.gguf",
      "/etc/passwd",
      `${modelDir}/../../etc/hosts.gguf`,
    ]) {
      const answer = await addVariant(requested.slice(-40), requested);
      expect(answer.status, requested).toBe(400);
      expect(shape(answer.message, requested), requested).toBe(shape(missing.message, "no-such-model.gguf"));
    }
  });

  it("refuses a symlink in a model folder that points outside, and keeps files inside by absolute path", async () => {
    const models = path.join(scratch, "models");
    fs.mkdirSync(path.join(models, "llama"), { recursive: true });
    fs.writeFileSync(path.join(models, "llama", "chat.gguf"), "GGUF");
    fs.symlinkSync(outside, path.join(models, "escape.gguf"));
    fs.symlinkSync(path.dirname(outside), path.join(models, "linked-dir"));
    fs.symlinkSync(path.join(models, "llama", "chat.gguf"), path.join(models, "alias.gguf"));
    const add = (name: string, modelPath: string) =>
      createVariant(database.db, { campaignId, name, endpointKind: "local", modelPath }, admin, [models]);

    const refusals = [];
    for (const requested of [
      "escape.gguf",
      "linked-dir/secret.gguf",
      "llama/../../elsewhere/secret.gguf",
      "gone.gguf",
    ]) {
      const error = await add(requested, requested).catch((e: unknown) => e);
      expect(error, requested).toBeInstanceOf(ValidationError);
      refusals.push(shape((error as Error).message, requested));
    }
    expect(new Set(refusals).size).toBe(1);

    expect((await add("relative", "llama/chat.gguf")).modelPath).toBe(
      path.join(models, "llama", "chat.gguf"),
    );
    expect((await add("absolute", path.join(models, "llama", "chat.gguf"))).modelPath).toBe(
      path.join(models, "llama", "chat.gguf"),
    );
    expect((await add("alias", "alias.gguf")).modelPath).toBe(path.join(models, "alias.gguf"));
  });

  it("holds a LoRA adapter file to the same folders, with the same answer, on the adapter's field", async () => {
    const models = path.join(scratch, "adapters");
    fs.mkdirSync(models);
    fs.writeFileSync(path.join(models, "base.gguf"), "GGUF");
    fs.writeFileSync(path.join(models, "sft.gguf"), "GGUF");
    const add = (name: string, adapterPath: string) =>
      createVariant(
        database.db,
        { campaignId, name, endpointKind: "local", modelPath: "base.gguf", adapterPath, adapterScale: 0.5 },
        admin,
        [models],
      );
    const missing = (await add("missing adapter", "gone.gguf").catch((e: unknown) => e)) as ValidationError;
    const outsideRefusal = (await add("outside adapter", outside).catch(
      (e: unknown) => e,
    )) as ValidationError;
    for (const error of [missing, outsideRefusal]) {
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.field).toBe("adapterPath");
    }
    expect(shape(outsideRefusal.message, outside)).toBe(shape(missing.message, "gone.gguf"));

    const tuned = await add("tuned", "sft.gguf");
    expect([tuned.modelPath, tuned.adapterPath, tuned.adapterScale]).toEqual([
      path.join(models, "base.gguf"),
      path.join(models, "sft.gguf"),
      0.5,
    ]);
  });
});
