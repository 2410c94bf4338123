// Admins' endpoints under the operator's allow list (ARBITER_OUTBOUND_ALLOW=127.0.0.1, passed as
// the resolver's policy): a vLLM-style server on an allowed private address still generates, a
// variant's key is read only from ARBITER_KEY_ variables, and what an upstream server says in an
// error body, or in an answer that cannot be parsed, reaches neither the admin nor the annotator.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, Db } from "@/db/client";
import { modelVariants, responses } from "@/db/schema";
import { createTestDb } from "@/db/testing";
import { readVariantApiKey } from "@/server/env";
import { loadModel, type Model } from "@/inference/src/index";
import { makeModel } from "@/inference/src/make-model";
import { InferenceServer } from "@/inference/src/server";
import { createOutboundFetch } from "@/server/net/outbound-fetch";
import { OutboundPolicy } from "@/server/net/outbound-policy";
import { acknowledgeCurrentGuidelines, createCampaign } from "@/server/testing/annotation-campaigns";
import { startTurn } from "@/server/services/annotation/start-turn";
import { testVariantConnection } from "@/server/services/campaigns/test-variant-connection";
import {
  answerJson,
  startCaptureServer,
  type Answer,
  type CaptureServer,
} from "@/server/testing/capture-server";
import { createAdmin, createAnnotator } from "@/server/testing/fixtures";
import { EndpointResolver } from "./endpoints";
import { InferenceSupervisor } from "./inference-supervisor";
import { GENERATION_FAILED_MESSAGE, GenerationHub, type TurnStreamEvent } from "./turn-generation";

const root = path.resolve(import.meta.dirname, "../..");
const MARKER = "upstream-body-marker-4f1c";
/** Short enough that V8's JSON.parse error quotes all of it. */
const SHORT_MARKER = "tok-4f1c";
const SECRET = "session-secret-that-must-never-leave-the-server-0123456789";

let database: Database;
let db: Db;
let admin: Awaited<ReturnType<typeof createAdmin>>["actor"];
let dir: string;
let model: Model;
let engine: InferenceServer;
let engineUrl: string;
let resolver: EndpointResolver;
let hub: GenerationHub;
const envBefore = { ...process.env };

beforeAll(async () => {
  database = await createTestDb();
  db = database.db;
  admin = (await createAdmin(db)).actor;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "arbiter-outbound-"));
  const modelPath = path.join(dir, "tiny-vllm.gguf");
  await makeModel({ out: modelPath, dim: 64, layers: 2, heads: 2, kvHeads: 2, ffn: 128, type: "q8_0" });
  // Arbiter's engine as any OpenAI-compatible server on the private network would be reached.
  model = await loadModel(modelPath, { device: "cpu", threads: 1, contextLength: 256, maxSequences: 4 });
  engine = new InferenceServer({ modelName: "tiny-vllm" });
  engine.setModel(model, { bosToken: "<s>", eosToken: "</s>" });
  engineUrl = `http://127.0.0.1:${(await engine.listen(0)).port}/v1`;
  resolver = new EndpointResolver({
    defaultModel: { kind: "local", path: modelPath, isDemo: false },
    supervisor: new InferenceSupervisor({ root, modelDirs: [dir], childEnv: { NODE_ENV: "test" } }),
    root,
    readApiKey: readVariantApiKey,
    outboundFetch: createOutboundFetch(new OutboundPolicy(["127.0.0.1"])),
    log: () => {},
  });
  hub = new GenerationHub({ resolver, saveEveryMs: 100 });
  process.env.NEXTAUTH_SECRET = SECRET;
  process.env.ARBITER_KEY_OUTBOUND_TEST = "the-variant-key";
}, 120_000);

afterAll(async () => {
  for (const name of ["NEXTAUTH_SECRET", "ARBITER_KEY_OUTBOUND_TEST"]) {
    if (envBefore[name] === undefined) delete process.env[name];
    else process.env[name] = envBefore[name];
  }
  await hub?.idle();
  await engine?.close();
  model?.dispose();
  await database?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Starts a turn on a campaign whose variants use `baseUrl`, and follows it to the end. */
async function generateAt(baseUrl: string, modelName: string) {
  const { campaign } = await createCampaign(db, {
    variant: () => ({ baseUrl, model: modelName, maxTokens: 8 }),
  });
  const { actor } = await createAnnotator(db);
  await acknowledgeCurrentGuidelines(db, campaign.id, actor);
  const turn = await startTurn(
    db,
    { campaignId: campaign.id, conversationId: null, message: "Hello?" },
    actor,
    { identify: resolver.identify.bind(resolver) },
  );
  await hub.schedule(db, turn.turnId);
  const events: TurnStreamEvent[] = [];
  for await (const event of hub.watch(db, turn.turnId)) events.push(event);
  const rows = await db.select().from(responses).where(eq(responses.turnId, turn.turnId));
  return { events, rows, campaignId: campaign.id };
}

async function testConnectionOf(fields: Partial<typeof modelVariants.$inferInsert> & { baseUrl: string }) {
  // Inserted as stored, so a key variable saved before the ARBITER_KEY_ rule is tried too.
  const { variants } = await createCampaign(db, {
    variants: 1,
    variant: () => ({ model: "gpt-4o-mini", ...fields }),
  });
  return testVariantConnection(db, { variantId: variants[0].id }, admin, resolver);
}

async function withServer<T>(answer: Answer, work: (server: CaptureServer) => Promise<T>) {
  const server = await startCaptureServer(answer);
  try {
    return await work(server);
  } finally {
    await server.close();
  }
}

describe("an endpoint on an address the operator allows", () => {
  it("generates, as a vLLM on the private network would", async () => {
    const { rows } = await generateAt(engineUrl, "tiny-vllm");
    expect(rows.map((row) => [row.status, row.error])).toEqual([
      ["completed", null],
      ["completed", null],
    ]);
    const connection = await testConnectionOf({ baseUrl: engineUrl, model: "tiny-vllm" });
    expect(connection.ok).toBe(true);
  });

  it("gets the key from an ARBITER_KEY_ variable, and never from another variable", async () => {
    await withServer(answerJson(200, { object: "list", data: [{ id: "gpt-4o-mini" }] }), async (server) => {
      await testConnectionOf({ baseUrl: server.url, apiKeyEnv: "ARBITER_KEY_OUTBOUND_TEST" });
      expect(server.requests.map((request) => request.headers.authorization)).toContain(
        "Bearer the-variant-key",
      );

      server.requests.length = 0;
      const refused = await testConnectionOf({ baseUrl: server.url, apiKeyEnv: "NEXTAUTH_SECRET" });
      const unset = await testConnectionOf({ baseUrl: server.url, apiKeyEnv: "ARBITER_KEY_UNSET" });
      expect(refused.ok).toBe(false);
      expect(refused.steps[0].detail.replace("NEXTAUTH_SECRET", "NAME")).toBe(
        unset.steps[0].detail.replace("ARBITER_KEY_UNSET", "NAME"),
      );
      expect(server.requests).toEqual([]);
      expect(JSON.stringify(refused)).not.toContain(SECRET);
    });
  });
});

describe("what an upstream server says", () => {
  const modelNotFound = answerJson(404, {
    error: {
      message: `The model \`gpt-4o-mini\` does not exist or you do not have access to it. ${MARKER}`,
      type: "invalid_request_error",
      code: "model_not_found",
    },
  });
  /** An answer that does not parse as JSON: the parse error quotes it. */
  const unreadable: Answer = (request, response) => {
    const isStream = request.body.includes('"stream":true');
    response.writeHead(200, { "content-type": isStream ? "text/event-stream" : "application/json" });
    response.end(isStream ? `data: ${SHORT_MARKER}\n\n` : SHORT_MARKER);
  };

  it("in an error body reaches neither the admin's connection test nor the stored failure", async () => {
    await withServer(modelNotFound, async (server) => {
      const connection = await testConnectionOf({ baseUrl: server.url });
      expect(connection.steps.slice(1).map((step) => step.detail)).toEqual([
        `${server.url} answered HTTP 404. Check the URL (it usually ends in /v1) and the model name.`,
        `${server.url} answered HTTP 404. Check the URL (it usually ends in /v1) and the model name.`,
      ]);

      const { events, rows } = await generateAt(server.url, "gpt-4o-mini");
      expect(rows.map((row) => row.error)).toEqual([
        "The model server answered HTTP 404. Retry to try again.",
        "The model server answered HTTP 404. Retry to try again.",
      ]);
      // The annotator's stream: the generic sentence, not the model's name.
      const streamed = JSON.stringify(events);
      expect(streamed).toContain(GENERATION_FAILED_MESSAGE);
      expect(streamed).not.toContain("gpt-4o");
      expect(streamed).not.toContain(MARKER);
    });
  });

  it("in an answer that cannot be parsed is not quoted either", async () => {
    await withServer(unreadable, async (server) => {
      const connection = await testConnectionOf({ baseUrl: server.url });
      expect(connection.ok).toBe(false);
      expect(JSON.stringify(connection)).not.toContain(SHORT_MARKER);
      const { events, rows } = await generateAt(server.url, "gpt-4o-mini");
      expect(rows.every((row) => row.status === "failed")).toBe(true);
      expect(JSON.stringify(rows)).not.toContain(SHORT_MARKER);
      expect(JSON.stringify(events)).not.toContain(SHORT_MARKER);
    });
  });
});
