// Burning the model endpoints without producing data, through the real handlers: sending and
// ending in a loop, sending in several campaigns at once, retrying a failing turn again and
// again. Each is refused with a 429 that names the limit, and a refused request stores nothing.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { and, eq, inArray, max } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, Db } from "@/db/client";
import { conversations, responses, turns } from "@/db/schema";
import { createTestDb } from "@/db/testing";
import { createTrpcHttpHandler } from "@/server/api/http-handler";
import { createContext } from "@/server/api/trpc";
import { startTurnRoute } from "@/server/api/turn-stream-handler";
import type { SessionUser } from "@/server/auth/session-user";
import { getGenerationRuntime } from "@/server/generation/runtime";
import { GenerationHub } from "@/server/generation/turn-generation";
import { createAnnotator } from "@/server/testing/fixtures";
import { sessionHeaders, TEST_AUTH_SECRET } from "@/server/testing/session-cookie";
import { endConversation } from "./end-conversation";
import { startTurn } from "./start-turn";
import {
  acknowledgeCurrentGuidelines,
  createCampaign,
  identifyForTest,
  type CreateCampaignOptions,
} from "@/server/testing/annotation-campaigns";

let database: Database;
let db: Db;
/** An OpenAI-compatible address that accepts a chat request and never answers it, so a turn
 * stays "generating" until it is stopped; it counts the requests that reach it. */
let endpoint: { url: string; requests: number; server: http.Server };
let hub: GenerationHub;

beforeAll(async () => {
  database = await createTestDb();
  db = database.db;
  const server = http.createServer((request, response) => {
    endpoint.requests++;
    request.resume();
    response.writeHead(200, { "content-type": "text/event-stream" });
    response.flushHeaders();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, requests: 0, server };
  // The endpoint as the operator's own server (reached directly, like INFERENCE_URL).
  hub = new GenerationHub({
    resolver: {
      resolve: async (identity) => ({ ...identity, baseUrl: endpoint.url, apiKey: null, fetch }),
    },
    saveEveryMs: 100,
  });
});

afterAll(async () => {
  await hub?.idle();
  await getGenerationRuntime().hub.idle();
  endpoint?.server.closeAllConnections();
  await new Promise((resolve) => endpoint?.server.close(resolve));
  await database?.close();
});

const heldCampaign = (options: CreateCampaignOptions = {}) =>
  createCampaign(db, { ...options, variant: () => ({ baseUrl: endpoint.url }) });

/** POST /api/generate as the browser sends it (the guidelines confirmed); on success, the stored
 * turn (first NDJSON line). */
async function send(actor: SessionUser, campaignId: string, message = "Tell me a story.") {
  await acknowledgeCurrentGuidelines(db, campaignId, actor);
  const serve = startTurnRoute.serve({
    db: async () => db,
    secret: TEST_AUTH_SECRET,
    generation: () => ({ hub, identify: identifyForTest }),
  });
  const response = await serve(
    new Request("http://localhost/api/generate", {
      method: "POST",
      headers: await sessionHeaders(actor, { "content-type": "application/json" }),
      body: JSON.stringify({ campaignId, conversationId: null, message }),
    }),
  );
  if (!response.ok) {
    const body = (await response.json()) as { error: { message: string; named?: unknown } };
    return { status: response.status, message: body.error.message, named: body.error.named, turn: null };
  }
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) text += (await reader.read()).value ?? "";
  await reader.cancel();
  const first = JSON.parse(text.slice(0, text.indexOf("\n"))) as {
    turn: { turnId: string; conversationId: string };
  };
  return { status: response.status, message: null, named: undefined, turn: first.turn };
}

const stop = (actor: SessionUser, conversationId: string) =>
  endConversation(db, { conversationId }, actor, {
    cancel: (turnId, message) => hub.cancel(db, turnId, message),
  });

async function until(condition: () => boolean) {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 10_000) throw new Error("The endpoint did not get the expected requests.");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function turnsOf(actor: SessionUser) {
  return db
    .select({ id: turns.id })
    .from(turns)
    .innerJoin(conversations, eq(conversations.id, turns.conversationId))
    .where(eq(conversations.annotatorId, actor.id));
}

describe("the limit on prompts per hour", () => {
  it("answers 429 with the limit and when to come back, and stores and generates nothing", async () => {
    const { campaign } = await heldCampaign({ limits: { turnsPerHour: 3 } });
    const { actor } = await createAnnotator(db);
    const requestsBefore = endpoint.requests;
    // Send and end at once, in a loop: no comparison, so the daily quota never counts it.
    for (let i = 0; i < 3; i++) {
      const sent = await send(actor, campaign.id);
      expect(sent.status).toBe(200);
      await until(() => endpoint.requests - requestsBefore === 2 * (i + 1));
      await stop(actor, sent.turn!.conversationId);
    }
    const refused = await send(actor, campaign.id);
    expect(refused.status).toBe(429);
    expect(refused.message).toMatch(
      new RegExp(
        `sent 3 prompts in the last hour in "${campaign.name}", the campaign's limit\\. You can send again at \\d\\d:\\d\\d UTC \\(in \\d+ minutes\\)\\.`,
      ),
    );
    // The same refusal, named for pages that word it in the reader's language.
    expect(refused.named).toEqual({
      key: "turnLimit",
      values: {
        count: 3,
        window: "hour",
        campaign: campaign.name,
        at: expect.any(Number),
        unit: "minutes",
        wait: expect.any(Number),
      },
    });
    await hub.idle();
    expect(await turnsOf(actor)).toHaveLength(3);
    // Two responses per turn reached the endpoint, none for the refused prompt.
    expect(endpoint.requests - requestsBefore).toBe(6);
  });
});

describe("the limit on turns generating at once", () => {
  it("lets parallel sends in several campaigns start no more than the limit", async () => {
    // Every campaign keeps its default: 2 turns generating at once per annotator.
    const campaigns = await Promise.all([heldCampaign(), heldCampaign(), heldCampaign()]);
    const { actor } = await createAnnotator(db);
    const sent = await Promise.all(campaigns.map(({ campaign }) => send(actor, campaign.id)));
    expect(sent.map((result) => result.status).sort()).toEqual([200, 200, 429]);
    const refused = sent.find((result) => result.status === 429)!;
    expect(refused.message).toMatch(
      /You already have 2 turns generating, the limit in ".*" is 2 at a time\./,
    );
    expect(await turnsOf(actor)).toHaveLength(2);
    const started = sent.filter((result) => result.turn).map((result) => result.turn!);
    const generating = await db
      .select({ status: responses.status })
      .from(responses)
      .where(
        inArray(
          responses.turnId,
          started.map((turn) => turn.turnId),
        ),
      );
    expect(generating.every((row) => row.status === "pending" || row.status === "streaming")).toBe(true);

    // Once one of them is stopped, the refused campaign can start.
    await stop(actor, started[0].conversationId);
    const index = sent.indexOf(refused);
    expect((await send(actor, campaigns[index].campaign.id)).status).toBe(200);
    for (const turn of await turnsOf(actor)) await hub.cancel(db, turn.id, "Test over.");
  });
});

describe("the limits on retries", () => {
  const trpc = createTrpcHttpHandler((request) => createContext(db, request.headers, TEST_AUTH_SECRET));
  const runtime = () => getGenerationRuntime();

  async function retry(actor: SessionUser, turnId: string) {
    const response = await trpc(
      new Request("http://localhost/api/trpc/annotation.retryGeneration", {
        method: "POST",
        headers: await sessionHeaders(actor, { "content-type": "application/json" }),
        body: JSON.stringify({ json: { turnId } }),
      }),
    );
    const body = (await response.json()) as { error?: { json: { message: string } } };
    // The retried responses fail again (nothing listens on the variants' address).
    await runtime().hub.idle();
    return { status: response.status, message: body.error?.json.message ?? null };
  }

  /** A turn whose generation failed for real: its variants point at a closed port. */
  async function failedTurn(actor: SessionUser, campaignId: string) {
    await acknowledgeCurrentGuidelines(db, campaignId, actor);
    const turn = await startTurn(db, { campaignId, conversationId: null, message: "Hello?" }, actor, {
      identify: identifyForTest,
      schedule: (turnId) => void runtime().hub.schedule(db, turnId),
    });
    await runtime().hub.idle();
    const rows = await db.select().from(responses).where(eq(responses.turnId, turn.turnId));
    expect(rows.map((row) => row.status)).toEqual(["failed", "failed"]);
    return turn;
  }

  async function highestAttempt(turnId: string) {
    const [row] = await db
      .select({ attempt: max(responses.attempt) })
      .from(responses)
      .where(eq(responses.turnId, turnId));
    return row.attempt;
  }

  it("refuses a fourth retry of one turn (the default limit is 3) and generates nothing", async () => {
    const { campaign } = await createCampaign(db);
    const { actor } = await createAnnotator(db);
    const turn = await failedTurn(actor, campaign.id);
    for (let i = 0; i < 3; i++) expect((await retry(actor, turn.turnId)).status).toBe(200);
    expect(await highestAttempt(turn.turnId)).toBe(4);
    const refused = await retry(actor, turn.turnId);
    expect(refused.status).toBe(429);
    expect(refused.message).toMatch(
      /This turn was already retried 3 times, the limit in ".*"\. Report a problem/,
    );
    expect(await highestAttempt(turn.turnId)).toBe(4);
    const rows = await db
      .select({ status: responses.status })
      .from(responses)
      .where(and(eq(responses.turnId, turn.turnId), eq(responses.status, "pending")));
    expect(rows).toHaveLength(0);
  });

  it("refuses retries beyond the campaign's limit per hour, over all turns", async () => {
    const { campaign } = await createCampaign(db, { limits: { retriesPerHour: 2 } });
    const { actor } = await createAnnotator(db);
    const first = await failedTurn(actor, campaign.id);
    expect((await retry(actor, first.turnId)).status).toBe(200);
    expect((await retry(actor, first.turnId)).status).toBe(200);
    await endConversation(db, { conversationId: first.conversationId }, actor);
    const second = await failedTurn(actor, campaign.id);
    const refused = await retry(actor, second.turnId);
    expect(refused.status).toBe(429);
    expect(refused.message).toMatch(
      /retried 2 generations in the last hour in ".*", the campaign's limit\. You can retry again at \d\d:\d\d UTC/,
    );
    expect(await highestAttempt(second.turnId)).toBe(1);
  });
});
