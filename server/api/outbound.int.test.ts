// An admin is not the operator. Over the tRPC endpoint, with the server's own generation runtime
// and the default configuration (no ARBITER_OUTBOUND_ALLOW), an admin tries to make Arbiter send
// its secrets as a variant's API key and to aim variants at loopback and cloud metadata; an
// annotator whose generation fails must learn nothing about the endpoint behind it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, Db } from "@/db/client";
import { modelVariants } from "@/db/schema";
import { createTestDb } from "@/db/testing";
import type { SessionUser } from "@/server/auth/session-user";
import { getGenerationRuntime } from "@/server/generation/runtime";
import type { TurnStreamEvent } from "@/server/generation/turn-generation";
import {
  acknowledgeCurrentGuidelines,
  createCampaign as createActiveCampaign,
} from "@/server/testing/annotation-campaigns";
import { startTurn } from "@/server/services/annotation/start-turn";
import { createCampaign } from "@/server/services/campaigns/create-campaign";
import { answerJson, startCaptureServer, type CaptureServer } from "@/server/testing/capture-server";
import { createAdmin, createAnnotator } from "@/server/testing/fixtures";
import { sessionHeaders, TEST_AUTH_SECRET } from "@/server/testing/session-cookie";
import { createTrpcHttpHandler } from "./http-handler";
import { createContext } from "./trpc";

const SECRET = "session-secret-that-must-never-leave-the-server-0123456789";

let database: Database;
let db: Db;
let admin: SessionUser;
let handle: (request: Request) => Promise<Response>;
let capture: CaptureServer;
let campaignId: string;
let secretBefore: string | undefined;

beforeAll(async () => {
  database = await createTestDb();
  db = database.db;
  admin = (await createAdmin(db)).actor;
  handle = createTrpcHttpHandler((request) => createContext(db, request.headers, TEST_AUTH_SECRET));
  // Answers like a model server, so nothing but the address policy stops a request.
  capture = await startCaptureServer(answerJson(200, { object: "list", data: [{ id: "m" }] }));
  campaignId = (await createCampaign(db, { name: "Outbound attacks", kind: "helpfulness" }, admin)).id;
  // The server's session secret, readable by name from the web server's environment.
  secretBefore = process.env.NEXTAUTH_SECRET;
  process.env.NEXTAUTH_SECRET = SECRET;
});

afterAll(async () => {
  if (secretBefore === undefined) delete process.env.NEXTAUTH_SECRET;
  else process.env.NEXTAUTH_SECRET = secretBefore;
  await getGenerationRuntime().hub.idle();
  await capture?.close();
  await database?.close();
});

async function call(path: string, input: unknown, user: SessionUser, kind: "query" | "mutation") {
  const headers = await sessionHeaders(user, { "content-type": "application/json" });
  const body = JSON.stringify({ json: input });
  const response = await handle(
    kind === "query"
      ? new Request(`http://localhost/api/trpc/${path}?input=${encodeURIComponent(body)}`, { headers })
      : new Request(`http://localhost/api/trpc/${path}`, { method: "POST", headers, body }),
  );
  const json = (await response.json()) as {
    result?: { data: { json: unknown } };
    error?: { json: { message: string } };
  };
  return { status: response.status, result: json.result?.data.json, error: json.error?.json.message };
}

interface ConnectionTest {
  ok: boolean;
  steps: { name: string; ok: boolean; detail: string }[];
}

async function testConnection(variant: { baseUrl: string; apiKeyEnv?: string }) {
  const [row] = await db
    .insert(modelVariants)
    .values({ campaignId, name: `v-${crypto.randomUUID()}`, endpointKind: "openai", model: "m", ...variant })
    .returning();
  const { status, result } = await call("variants.testConnection", { variantId: row.id }, admin, "mutation");
  expect(status).toBe(200);
  return result as ConnectionTest;
}

describe("a variant's API key variable", () => {
  it.each([
    "NEXTAUTH_SECRET",
    "DATABASE_URL",
    "ARBITER_EXPORT_KEY",
    "AWS_SECRET_ACCESS_KEY",
    "arbiter_key_x",
  ])("cannot be %s", async (apiKeyEnv) => {
    const { status, error } = await call(
      "variants.create",
      {
        campaignId,
        name: `key ${apiKeyEnv}`,
        endpointKind: "openai",
        baseUrl: capture.url,
        model: "m",
        apiKeyEnv,
      },
      admin,
      "mutation",
    );
    expect(status).toBe(400);
    expect(error).toContain("starts with ARBITER_KEY_, like ARBITER_KEY_VLLM");
  });

  it("can be an ARBITER_KEY_ variable", async () => {
    const created = await call(
      "variants.create",
      {
        campaignId,
        name: "vllm",
        endpointKind: "openai",
        baseUrl: capture.url,
        model: "m",
        apiKeyEnv: "ARBITER_KEY_VLLM",
      },
      admin,
      "mutation",
    );
    expect(created.status).toBe(200);
  });

  it("is never sent from another variable, even when stored before; refused and unset read the same", async () => {
    const refused = await testConnection({ baseUrl: capture.url, apiKeyEnv: "NEXTAUTH_SECRET" });
    const unset = await testConnection({ baseUrl: capture.url, apiKeyEnv: "ARBITER_KEY_NOT_SET_ANYWHERE" });
    expect(refused.steps[0]).toMatchObject({ name: "Find the endpoint", ok: false });
    expect(refused.steps[0].detail.replace("NEXTAUTH_SECRET", "NAME")).toBe(
      unset.steps[0].detail.replace("ARBITER_KEY_NOT_SET_ANYWHERE", "NAME"),
    );
    expect(JSON.stringify(refused)).not.toContain(SECRET);
    expect(capture.requests.filter((request) => JSON.stringify(request).includes(SECRET))).toEqual([]);
  });
});

describe("a variant's endpoint", () => {
  it.each([
    ["127.0.0.1", () => `http://127.0.0.1:${capture.port}/v1`],
    ["::1", () => `http://[::1]:${capture.port}/v1`],
    ["localhost", () => `http://localhost:${capture.port}/v1`],
    ["169.254.169.254", () => "http://169.254.169.254/latest/meta-data"],
  ])("is refused on %s, with the setting that would allow it", async (host, baseUrl) => {
    const result = await testConnection({ baseUrl: baseUrl() });
    expect(result.ok).toBe(false);
    for (const step of result.steps.slice(1)) {
      expect(step.ok).toBe(false);
      expect(step.detail).toContain(`Arbiter does not connect to ${host}:`);
      expect(step.detail).toContain(`ARBITER_OUTBOUND_ALLOW=${host}`);
    }
    expect(capture.requests).toEqual([]);
  });

  it("is refused as well when tested from the form before saving, and the key rule holds there too", async () => {
    const tried = (fields: { baseUrl: string; apiKeyEnv?: string }) =>
      call(
        "variants.testUnsavedConnection",
        { campaignId, name: "not saved", endpointKind: "openai", model: "m", ...fields },
        admin,
        "mutation",
      );
    const { status, result } = await tried({ baseUrl: `http://127.0.0.1:${capture.port}/v1` });
    expect(status).toBe(200);
    const { ok, steps } = result as ConnectionTest;
    expect(ok).toBe(false);
    for (const step of steps.slice(1)) {
      expect(step.detail).toContain("Arbiter does not connect to 127.0.0.1:");
      expect(step.detail).toContain("ARBITER_OUTBOUND_ALLOW=127.0.0.1");
    }
    const withSecret = await tried({ baseUrl: capture.url, apiKeyEnv: "NEXTAUTH_SECRET" });
    expect(withSecret.status).toBe(400);
    expect(withSecret.error).toContain("starts with ARBITER_KEY_, like ARBITER_KEY_VLLM");
    expect(capture.requests).toEqual([]);
    const saved = await db.select({ name: modelVariants.name }).from(modelVariants);
    expect(saved.map((variant) => variant.name)).not.toContain("not saved");
  });

  it("fails an annotator's generation there without a request, telling the annotator only that it failed", async () => {
    const runtime = getGenerationRuntime();
    const { campaign } = await createActiveCampaign(db, {
      variant: () => ({ baseUrl: capture.url, model: "gpt-4o-2024-08-06" }),
    });
    const annotator = (await createAnnotator(db)).actor;
    await acknowledgeCurrentGuidelines(db, campaign.id, annotator);
    const turn = await startTurn(
      db,
      { campaignId: campaign.id, conversationId: null, message: "Hello?" },
      annotator,
      { identify: runtime.resolver.identify.bind(runtime.resolver) },
    );
    await runtime.hub.schedule(db, turn.turnId);
    const events: TurnStreamEvent[] = [];
    for await (const event of runtime.hub.watch(db, turn.turnId)) events.push(event);
    const workspace = await call("annotation.workspace", { campaignId: campaign.id }, annotator, "query");
    expect(workspace.status).toBe(200);

    for (const seen of [JSON.stringify(events), JSON.stringify(workspace.result)]) {
      expect(seen).toContain("This response could not be generated. Try again");
      for (const hidden of ["127.0.0.1", String(capture.port), "gpt-4o", "ARBITER_OUTBOUND_ALLOW"]) {
        expect(seen).not.toContain(hidden);
      }
    }
    expect(capture.requests).toEqual([]);

    // The admin reads why, in the conversation as stored.
    const inspected = await call(
      "annotation.inspectConversations",
      { campaignId: campaign.id },
      admin,
      "query",
    );
    const stored = JSON.stringify(inspected.result);
    expect(stored).toContain("Arbiter does not connect to 127.0.0.1");
    expect(stored).toContain("ARBITER_OUTBOUND_ALLOW=127.0.0.1");
  });
});
