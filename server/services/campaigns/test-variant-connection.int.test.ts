// "Test connection" against Arbiter's real inference engine on a tiny generated model: a local
// variant through the supervisor, the same server by URL as an OpenAI-compatible variant, and
// the exact errors for a dead server and a model the server does not have.
import fs from "node:fs";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { auditLog, modelVariants } from "@/db/schema";
import { createTestDb } from "@/db/testing";
import type { EndpointResolver } from "@/server/generation/endpoints";
import type { InferenceSupervisor } from "@/server/generation/inference-supervisor";
import { freePort } from "@/server/free-port";
import { createAdmin, type TestUser } from "@/server/testing/fixtures";
import { startLocalEngine } from "@/server/testing/local-engine";
import { createCampaign } from "./create-campaign";
import { createVariant } from "./save-variant";
import {
  testUnsavedVariantConnection,
  testVariantConnection,
  TEST_MAX_TOKENS,
} from "./test-variant-connection";

const root = path.resolve(import.meta.dirname, "../../..");
let database: Database;
let admin: TestUser["actor"];
let dir: string;
let modelPath: string;
let supervisor: InferenceSupervisor;
let resolver: EndpointResolver;
let campaignId: string;
/** Variant key variables the resolver reads (the supervised engine's key, once known). */
const keys: Record<string, string> = {};

beforeAll(async () => {
  database = await createTestDb();
  admin = (await createAdmin(database.db)).actor;
  ({ dir, modelPath, supervisor, resolver } = await startLocalEngine({
    root,
    prefix: "arbiter-connection-",
    modelFile: "tiny-connection.gguf",
    model: { context: 1024 },
    readApiKey: (name) => keys[name],
    // The engine listens on 127.0.0.1, as a vLLM on the same machine would: the operator allows it.
    outboundAllow: ["127.0.0.1"],
  }));
  campaignId = (await createCampaign(database.db, { name: "Connection tests", kind: "helpfulness" }, admin))
    .id;
}, 120_000);

afterAll(async () => {
  await supervisor?.stop();
  await database?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("testVariantConnection", () => {
  let localUrl: string;

  it("starts the local engine for a local variant, lists its model and generates a few tokens", async () => {
    const variant = await createVariant(
      database.db,
      { campaignId, name: "local tiny", endpointKind: "local", modelPath, temperature: 0 },
      admin,
      [dir],
    );
    const result = await testVariantConnection(database.db, { variantId: variant.id }, admin, resolver);
    expect(result.steps.map((step) => [step.name, step.ok])).toEqual([
      ["Find the endpoint", true],
      ["List models", true],
      ["Generate", true],
    ]);
    expect(result.ok).toBe(true);
    expect(result.models).toEqual(["tiny-connection"]);
    expect(result.model).toBe("tiny-connection");
    expect(typeof result.sample).toBe("string");
    expect(result.steps[2].detail).toMatch(new RegExp(`^\\d+ tokens \\((stop|length)\\)`));
    expect(Number(result.steps[2].detail.split(" ")[0])).toBeLessThanOrEqual(TEST_MAX_TOKENS);
    localUrl = result.baseUrl!;
    expect(localUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  });

  it("reaches the same server as an OpenAI-compatible URL with its key, and says when the model is not there", async () => {
    // The supervised engine wants the key the supervisor gave it: without it, nobody else on the host gets in.
    const keyless = await createVariant(
      database.db,
      { campaignId, name: "keyless", endpointKind: "openai", baseUrl: localUrl, model: "tiny-connection" },
      admin,
    );
    expect((await testVariantConnection(database.db, { variantId: keyless.id }, admin, resolver)).ok).toBe(
      false,
    );
    keys.ARBITER_KEY_ENGINE = (await supervisor.ensure(modelPath)).apiKey;
    const byUrl = await createVariant(
      database.db,
      {
        campaignId,
        name: "by url",
        endpointKind: "openai",
        baseUrl: localUrl,
        model: "tiny-connection",
        apiKeyEnv: "ARBITER_KEY_ENGINE",
      },
      admin,
    );
    expect((await testVariantConnection(database.db, { variantId: byUrl.id }, admin, resolver)).ok).toBe(
      true,
    );

    const wrongModel = await createVariant(
      database.db,
      {
        campaignId,
        name: "wrong model",
        endpointKind: "openai",
        baseUrl: localUrl,
        model: "llama-70b",
        apiKeyEnv: "ARBITER_KEY_ENGINE",
      },
      admin,
    );
    const result = await testVariantConnection(database.db, { variantId: wrongModel.id }, admin, resolver);
    expect(result.ok).toBe(false);
    expect(result.steps[1]).toMatchObject({
      ok: false,
      detail: 'The server does not list the model "llama-70b"; it lists: tiny-connection.',
    });
  });

  it("reports the exact network error for a server that is not running", async () => {
    const port = await freePort();
    const dead = await createVariant(
      database.db,
      {
        campaignId,
        name: "dead",
        endpointKind: "openai",
        baseUrl: `http://127.0.0.1:${port}/v1`,
        model: "m",
      },
      admin,
    );
    const result = await testVariantConnection(database.db, { variantId: dead.id }, admin, resolver);
    expect(result.ok).toBe(false);
    expect(result.steps[1].detail).toBe(
      `Could not connect to http://127.0.0.1:${port}/v1: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    expect(result.steps[2]).toMatchObject({ name: "Generate", ok: false });
  });
});

describe("testUnsavedVariantConnection", () => {
  it("tests the form's values before the variant exists, and saves nothing", async () => {
    const form = {
      campaignId,
      name: "not saved yet",
      endpointKind: "local" as const,
      modelPath,
      temperature: 0,
    };
    const result = await testUnsavedVariantConnection(database.db, form, admin, resolver, [dir]);
    expect(result.steps.map((step) => [step.name, step.ok])).toEqual([
      ["Find the endpoint", true],
      ["List models", true],
      ["Generate", true],
    ]);
    expect(result.models).toEqual(["tiny-connection"]);
    const saved = await database.db
      .select()
      .from(modelVariants)
      .where(eq(modelVariants.name, "not saved yet"));
    expect(saved).toEqual([]);
    const audits = await database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "variant.connection_tested"), eq(auditLog.targetType, "campaign")));
    expect(audits).toMatchObject([
      { targetId: campaignId, details: { name: "not saved yet", isSaved: false, ok: true } },
    ]);
  });

  it("checks the values as a save would: a model file outside the model folders is refused by field", async () => {
    await expect(
      testUnsavedVariantConnection(
        database.db,
        { campaignId, name: "outside", endpointKind: "local", modelPath: "/etc/passwd" },
        admin,
        resolver,
        [dir],
      ),
    ).rejects.toMatchObject({ name: "ValidationError", field: "modelPath" });
    await expect(
      testUnsavedVariantConnection(
        database.db,
        { campaignId, name: "no url", endpointKind: "openai", model: "m" },
        admin,
        resolver,
        [dir],
      ),
    ).rejects.toMatchObject({ field: "baseUrl" });
  });
});
