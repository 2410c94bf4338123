// Generation against Arbiter's real inference engine on a tiny generated model, run by the real
// supervisor: responses stream token by token and record what they should, a reload sees the
// text so far, a killed inference server fails the response and is restarted so a retry works,
// and a model file that cannot be loaded is reported.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, Db } from "@/db/client";
import { responses } from "@/db/schema";
import { queryRows } from "@/db/query-rows";
import { createTestDb } from "@/db/testing";
import { makeModel } from "@/inference/src/make-model";
import { startTurnRoute, turnStreamRoute, type GenerationDeps } from "@/server/api/turn-stream-handler";
import { retryGeneration } from "@/server/services/annotation/retry-generation";
import { styleFeatures } from "@/server/services/integrity/stats/style-features";
import { startTurn } from "@/server/services/annotation/start-turn";
import {
  acknowledgeCurrentGuidelines,
  createCampaign,
  identifyForTest,
} from "@/server/testing/annotation-campaigns";
import { createAnnotator } from "@/server/testing/fixtures";
import { startLocalEngine, TINY_MODEL } from "@/server/testing/local-engine";
import { sessionHeaders, TEST_AUTH_SECRET } from "@/server/testing/session-cookie";
import type { EndpointResolver } from "./endpoints";
import type { InferenceSupervisor } from "./inference-supervisor";
import { GenerationHub, INTERRUPTED_MESSAGE, type TurnStreamEvent } from "./turn-generation";

const root = path.resolve(import.meta.dirname, "../..");
let database: Database;
let db: Db;
let dir: string;
let modelPath: string;
let supervisor: InferenceSupervisor;
let resolver: EndpointResolver;
let hub: GenerationHub;

beforeAll(async () => {
  database = await createTestDb();
  db = database.db;
  ({ dir, modelPath, supervisor, resolver } = await startLocalEngine({
    root,
    prefix: "arbiter-generation-",
    modelFile: "tiny.gguf",
    supervisor: { restartDelayMs: 200 },
  }));
  hub = new GenerationHub({ resolver, saveEveryMs: 100, staleAfterMs: 3000 });
});

afterAll(async () => {
  await hub?.idle();
  await supervisor?.stop();
  await database?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** The generation routes' dependencies: this file's database, hub and resolver. */
function routeDeps(): GenerationDeps {
  return {
    db: async () => db,
    secret: TEST_AUTH_SECRET,
    generation: () => ({ hub, identify: resolver.identify.bind(resolver) }),
  };
}

/** A campaign whose two variants use the default (local) model. */
async function localCampaign(maxTokens: number) {
  return createCampaign(db, {
    variant: (index) => ({
      endpointKind: "local",
      baseUrl: null,
      model: "",
      temperature: index === 0 ? 0.7 : 1.0,
      maxTokens,
    }),
  });
}

async function collect(events: AsyncIterable<TurnStreamEvent>, until?: (event: TurnStreamEvent) => boolean) {
  const seen: TurnStreamEvent[] = [];
  for await (const event of events) {
    seen.push(event);
    if (until?.(event)) break;
  }
  return seen;
}

const deps = () => ({
  identify: resolver.identify.bind(resolver),
  schedule: (turnId: string) => void hub.schedule(db, turnId),
});

/** A new annotator who has acknowledged the campaign's guidelines starts a turn on it. */
async function annotatorTurn(campaignId: string, message: string, turnDeps: Parameters<typeof startTurn>[3]) {
  const { actor } = await createAnnotator(db);
  await acknowledgeCurrentGuidelines(db, campaignId, actor);
  const turn = await startTurn(db, { campaignId, conversationId: null, message }, actor, turnDeps);
  return { actor, turn };
}

/** A turn on a new campaign of the default (local) model, as annotatorTurn starts it. */
async function localTurn(maxTokens: number, message: string, turnDeps: Parameters<typeof startTurn>[3]) {
  const { campaign } = await localCampaign(maxTokens);
  return { campaign, ...(await annotatorTurn(campaign.id, message, turnDeps)) };
}

describe("generating a turn on the local engine", () => {
  it("streams both responses token by token and records what each one was", async () => {
    const { turn } = await localTurn(40, "Tell me a story.", deps());
    const events = await collect(hub.watch(db, turn.turnId));
    expect(events[0].type).toBe("snapshot");
    expect(events.at(-1)).toEqual({ type: "end" });

    const rows = await db.select().from(responses).where(eq(responses.turnId, turn.turnId));
    // A random-weight model may end a response early (even at once), so counts are over the pair.
    expect(events.filter((event) => event.type === "delta").length).toBeGreaterThan(5);
    expect(rows.reduce((sum, row) => sum + (row.completionTokens ?? 0), 0)).toBeGreaterThan(5);
    for (const row of rows) {
      const deltas = events.filter(
        (event): event is Extract<TurnStreamEvent, { type: "delta" }> =>
          event.type === "delta" && event.responseId === row.id,
      );
      // Each piece starts where the previous one ended, and together they are the stored text.
      let length = 0;
      for (const delta of deltas) {
        expect(delta.offset).toBe(length);
        length += delta.text.length;
      }
      expect(deltas.map((delta) => delta.text).join("")).toBe(row.text);
      expect(row).toMatchObject({
        status: "completed",
        endpointKind: "local",
        endpoint: `local:${modelPath}`,
        model: "tiny",
        maxTokens: 40,
        error: null,
      });
      expect(["stop", "length"]).toContain(row.finishReason);
      expect(row.promptTokens).toBeGreaterThan(3);
      expect(row.completionTokens).toBeGreaterThanOrEqual(0);
      expect(row.completionTokens).toBeLessThanOrEqual(40);
      expect(row.firstTokenMs).toBeGreaterThanOrEqual(0);
      expect(row.latencyMs).toBeGreaterThanOrEqual(row.firstTokenMs!);
      expect(row.completedAt).toBeInstanceOf(Date);
      // Stored with the final text, so the integrity report need not read it.
      expect(row.styleFeatures).toEqual(styleFeatures(row.text));
    }
    expect(new Set(rows.map((row) => row.temperature))).toEqual(new Set([0.7, 1.0]));
  });

  it("serves each local model file from its own supervised server", async () => {
    const finetuned = path.join(dir, "finetuned.gguf");
    await makeModel({ ...TINY_MODEL, out: finetuned, seed: 2 });
    const { campaign } = await createCampaign(db, {
      variant: (index) => ({
        endpointKind: "local",
        baseUrl: null,
        model: "",
        modelPath: index === 0 ? modelPath : finetuned,
        maxTokens: 16,
      }),
    });
    const { turn } = await annotatorTurn(campaign.id, "Base or tuned?", deps());
    await collect(hub.watch(db, turn.turnId));
    const rows = await db.select().from(responses).where(eq(responses.turnId, turn.turnId));
    expect(rows.map((row) => row.status)).toEqual(["completed", "completed"]);
    expect(new Set(rows.map((row) => row.model))).toEqual(new Set(["tiny", "finetuned"]));
    expect(new Set(rows.map((row) => row.endpoint))).toEqual(
      new Set([`local:${modelPath}`, `local:${finetuned}`]),
    );
    const servers = supervisor.status().filter((server) => server.state === "ready");
    expect(servers.map((server) => server.modelName).sort()).toEqual(["finetuned", "tiny"]);
    expect(new Set(servers.map((server) => server.pid)).size).toBe(2);
  });

  it("serves the stream over HTTP to the conversation's author only", async () => {
    const { campaign } = await localCampaign(24);
    const owner = await createAnnotator(db);
    await acknowledgeCurrentGuidelines(db, campaign.id, owner.actor);
    const other = await createAnnotator(db);
    const turn = await startTurn(
      db,
      { campaignId: campaign.id, conversationId: null, message: "Hi!" },
      owner.actor,
      deps(),
    );
    const request = async (actor: typeof owner.actor | null) =>
      turnStreamRoute.serve(routeDeps())(
        new Request(`http://localhost/api/generate/${turn.turnId}`, { headers: await sessionHeaders(actor) }),
        { params: Promise.resolve({ turnId: turn.turnId }) },
      );
    expect((await request(null)).status).toBe(401);
    expect((await request(other.actor)).status).toBe(404);
    const response = await request(owner.actor);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/x-ndjson");
    const lines = (await response.text())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as TurnStreamEvent);
    expect(lines[0].type).toBe("snapshot");
    expect(lines.at(-1)).toEqual({ type: "end" });
    // Whatever was done before the request is in the snapshot; the rest arrives as events.
    const rows = await db.select().from(responses).where(eq(responses.turnId, turn.turnId));
    const snapshot = lines[0] as Extract<TurnStreamEvent, { type: "snapshot" }>;
    for (const row of rows) {
      const streamed =
        (snapshot.responses.find((view) => view.id === row.id)?.text ?? "") +
        lines
          .filter(
            (line): line is Extract<TurnStreamEvent, { type: "delta" }> =>
              line.type === "delta" && line.responseId === row.id,
          )
          .map((line) => line.text)
          .join("");
      expect(streamed).toBe(row.text);
    }
    expect(rows.map((row) => row.text).join("").length).toBeGreaterThan(0);
  });

  it("sends a prompt over HTTP and streams its responses from the first token", async () => {
    const { campaign } = await localCampaign(24);
    const owner = await createAnnotator(db);
    const post = async (actor: typeof owner.actor | null, body: unknown) =>
      startTurnRoute.serve(routeDeps())(
        new Request("http://localhost/api/generate", {
          method: "POST",
          headers: await sessionHeaders(actor, { "content-type": "application/json" }),
          body: JSON.stringify(body),
        }),
      );
    const input = { campaignId: campaign.id, conversationId: null, message: "Hello there" };
    expect((await post(null, input)).status).toBe(401);
    const asForm = await startTurnRoute.serve(routeDeps())(
      new Request("http://localhost/api/generate", {
        method: "POST",
        headers: await sessionHeaders(owner.actor, { "content-type": "text/plain" }),
        body: JSON.stringify(input),
      }),
    );
    expect(asForm.status).toBe(415);
    const tooLong = await post(owner.actor, { ...input, message: "x".repeat(8001) });
    expect(tooLong.status).toBe(400);
    expect(await tooLong.json()).toEqual({
      error: {
        code: "validation",
        message: "A prompt can be at most 8,000 characters long. Shorten it and send again.",
      },
    });
    // Not before the guidelines are confirmed, whatever the client (the page asks first).
    const unconfirmed = await post(owner.actor, input);
    expect(unconfirmed.status).toBe(403);
    expect(await unconfirmed.json()).toEqual({
      error: {
        code: "forbidden",
        message: expect.stringMatching(
          /^Read and confirm the guidelines of ".*" \(version 1\) before annotating/,
        ),
        // Named, so the workspace words it in the reader's language.
        named: { key: "guidelinesNotConfirmed", values: { campaign: campaign.name, version: 1 } },
      },
    });
    await acknowledgeCurrentGuidelines(db, campaign.id, owner.actor);

    const response = await post(owner.actor, input);
    expect(response.status).toBe(200);
    const chunks: string[] = [];
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    for (let read = await reader.read(); !read.done; read = await reader.read()) chunks.push(read.value);
    const lines = chunks
      .join("")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string });
    // Deltas of a fast model share writes.
    expect(chunks.length).toBeLessThan(lines.length);
    expect(lines[0]).toMatchObject({
      type: "turn",
      turn: { index: 0, responses: [{ position: 0 }, { position: 1 }] },
    });
    expect(lines[1].type).toBe("snapshot");
    expect(lines.at(-1)).toEqual({ type: "end" });
    // Followed from the start: every token of both responses arrives as a delta.
    const turnId = (lines[0] as unknown as { turn: { turnId: string } }).turn.turnId;
    const rows = await db.select().from(responses).where(eq(responses.turnId, turnId));
    for (const row of rows) {
      const streamed = lines
        .filter((line) => line.type === "delta" && (line as { responseId?: string }).responseId === row.id)
        .map((line) => (line as unknown as { text: string }).text)
        .join("");
      expect(streamed).toBe(row.text);
    }
    expect(rows.map((row) => row.text).join("").length).toBeGreaterThan(0);

    // A second conversation while this one is open (a double click, another tab) is refused.
    const again = await post(owner.actor, input);
    expect(again.status).toBe(409);
  });

  it("shows the text so far to a page that reloads during generation", async () => {
    const { turn } = await localTurn(1500, "Go on.", deps());
    const firstPage = new AbortController();
    const before = await collect(
      hub.watch(db, turn.turnId, firstPage.signal),
      (event) => event.type === "delta",
    );
    firstPage.abort(); // the page reloads
    const seenText = before
      .filter((event) => event.type === "delta")
      .map((event) => (event as { text: string }).text)
      .join("");
    const after = await collect(hub.watch(db, turn.turnId));
    const snapshot = after[0] as Extract<TurnStreamEvent, { type: "snapshot" }>;
    expect(snapshot.type).toBe("snapshot");
    const texts = snapshot.responses.map((response) => response.text);
    expect(texts.some((text) => text.startsWith(seenText) && text.length >= seenText.length)).toBe(true);
    expect(after.at(-1)).toEqual({ type: "end" });
    const rows = await db.select().from(responses).where(eq(responses.turnId, turn.turnId));
    expect(rows.every((row) => row.status === "completed")).toBe(true);
  });

  it("fails the responses when the inference server is killed mid-stream, restarts it, and a retry completes them", async () => {
    const { actor, turn } = await localTurn(2000, "Keep talking.", deps());
    const restartsBefore =
      supervisor.status().find((server) => server.modelPath === modelPath)?.restarts ?? 0;
    let killed = false;
    const events: TurnStreamEvent[] = [];
    for await (const event of hub.watch(db, turn.turnId)) {
      events.push(event);
      if (event.type === "delta" && !killed) {
        const pid = supervisor.status().find((server) => server.modelPath === modelPath)!.pid!;
        process.kill(pid, "SIGKILL");
        killed = true;
      }
    }
    const afterKill = await db.select().from(responses).where(eq(responses.turnId, turn.turnId));
    // Both were mid-stream unless the random model ended one by itself before the kill.
    const failed = afterKill.filter((row) => row.status === "failed");
    expect(failed.length).toBeGreaterThanOrEqual(1);
    expect(afterKill.every((row) => row.status === "failed" || row.finishReason === "stop")).toBe(true);
    for (const row of failed) {
      expect(row.error).toMatch(/connection to the model server broke|Could not reach the model server/);
      // A partial text: no style until a retry completes it.
      expect(row.styleFeatures).toBeNull();
    }
    const finalViews = events.filter((event) => event.type === "response").slice(-failed.length);
    expect(
      finalViews.every((event) => (event as { response: { status: string } }).response.status === "failed"),
    ).toBe(true);

    // The process's exit may be noticed a moment after its connections broke.
    const statusOf = () => supervisor.status().find((server) => server.modelPath === modelPath)!;
    for (let waited = 0; statusOf().restarts === restartsBefore && waited < 5000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const status = statusOf();
    expect(status.restarts).toBe(restartsBefore + 1);
    expect(status.lastError).toMatch(/was killed by SIGKILL/);

    const { retried } = await retryGeneration(db, { turnId: turn.turnId }, actor, {
      schedule: (turnId) => void hub.schedule(db, turnId),
    });
    expect(retried).toBe(failed.length);
    const retryEvents = await collect(hub.watch(db, turn.turnId));
    expect(retryEvents.at(-1)).toEqual({ type: "end" });
    const retriedRows = await db.select().from(responses).where(eq(responses.turnId, turn.turnId));
    expect(retriedRows.map((row) => row.status)).toEqual(["completed", "completed"]);
    for (const old of failed) {
      const row = retriedRows.find((candidate) => candidate.id === old.id)!;
      expect(row.attempt).toBe(2);
      expect(row.seed).not.toBe(old.seed);
      expect(row.error).toBeNull();
      expect(row.styleFeatures).toEqual(styleFeatures(row.text));
    }
    expect(supervisor.status().find((server) => server.modelPath === modelPath)!.state).toBe("ready");
  });

  it("keeps a response that finishes while the database refuses its save, once it accepts again", async () => {
    const { turn } = await localTurn(16, "Hello", {
      identify: resolver.identify.bind(resolver),
    });
    // The database refuses the first three saves of this turn's outcomes, as PostgreSQL does while
    // it restarts (a sequence goes on counting through the refused statement's rollback).
    const refusals = [
      "create sequence refused_outcome_saves",
      `create function refuse_outcome_saves() returns trigger language plpgsql as $$
       begin
         if nextval('refused_outcome_saves') <= 3 then raise exception 'the database is restarting'; end if;
         return new;
       end $$`,
      `create trigger refuse_outcome_saves before update on responses for each row
       when (old.status = 'streaming' and new.status <> 'streaming' and old.turn_id = '${turn.turnId}')
       execute function refuse_outcome_saves()`,
    ];
    for (const statement of refusals) await db.execute(sql.raw(statement));
    try {
      await hub.schedule(db, turn.turnId);
      const events = await collect(hub.watch(db, turn.turnId));
      expect(events.at(-1)).toEqual({ type: "end" });
      const [{ refused }] = await queryRows<{ refused: number }>(
        db,
        sql`select last_value::int as refused from refused_outcome_saves`,
      );
      expect(refused).toBe(5); // three refused, then both saved
      const rows = await db.select().from(responses).where(eq(responses.turnId, turn.turnId));
      expect(rows.map((row) => [row.status, row.error])).toEqual([
        ["completed", null],
        ["completed", null],
      ]);
      expect(rows.every((row) => row.completionTokens !== null && row.completedAt !== null)).toBe(true);
    } finally {
      await db.execute(sql`drop trigger refuse_outcome_saves on responses`);
      await db.execute(sql`drop function refuse_outcome_saves`);
      await db.execute(sql`drop sequence refused_outcome_saves`);
    }
  });

  it("generates only the turn's pending responses and shows the others as they were saved", async () => {
    const { turn } = await localTurn(16, "Hello", { identify: resolver.identify.bind(resolver) });
    const [kept, pending] = turn.responses;
    await db
      .update(responses)
      .set({ status: "completed", text: "Kept as it was.", finishReason: "stop", completedAt: new Date() })
      .where(eq(responses.id, kept.id));
    // Watched from the moment it is scheduled: the snapshot comes from the job's own views.
    const scheduled = hub.schedule(db, turn.turnId);
    const events = await collect(hub.watch(db, turn.turnId));
    await scheduled;
    const snapshot = events.find((event) => event.type === "snapshot") as Extract<
      TurnStreamEvent,
      { type: "snapshot" }
    >;
    expect(snapshot.responses.map((response) => response.id)).toEqual([kept.id, pending.id]);
    expect(snapshot.responses[0]).toMatchObject({ status: "completed", text: "Kept as it was." });
    expect(events.at(-1)).toEqual({ type: "end" });
    const rows = await db.select().from(responses).where(eq(responses.turnId, turn.turnId));
    expect(rows.find((row) => row.id === kept.id)).toMatchObject({ text: "Kept as it was.", attempt: 1 });
    expect(rows.find((row) => row.id === pending.id)!.status).toBe("completed");
  });

  it("marks a response whose generator vanished as interrupted, so it can be retried", async () => {
    // Created but never scheduled, then left "streaming" as a crashed process would leave it.
    const { turn } = await localTurn(16, "Hello", { identify: identifyForTest });
    await db
      .update(responses)
      .set({ status: "streaming", progressAt: new Date(Date.now() - 60_000) })
      .where(eq(responses.turnId, turn.turnId));
    const events = await collect(hub.watch(db, turn.turnId));
    const snapshot = events.find((event) => event.type === "snapshot") as Extract<
      TurnStreamEvent,
      { type: "snapshot" }
    >;
    expect(snapshot.responses.map((response) => response.status)).toEqual(["failed", "failed"]);
    expect(snapshot.responses[0].error).toBe(INTERRUPTED_MESSAGE);
  });
});

describe("the inference supervisor", () => {
  it("reports a model file that cannot be loaded, with the engine's reason", async () => {
    const broken = path.join(dir, "broken.gguf");
    fs.writeFileSync(broken, "this is not a GGUF file at all");
    await expect(supervisor.ensure(broken)).rejects.toThrow(/broken.*exited with code 1.*cannot load/s);
    const status = supervisor.status().find((server) => server.modelPath === broken)!;
    expect(status.state).toBe("restarting");
    expect(status.lastError).toMatch(/cannot load/);
  });

  it("reports a missing model file", async () => {
    await expect(supervisor.ensure(path.join(dir, "missing.gguf"))).rejects.toThrow(/no model file/);
  });
});

describe("supervised servers and their parent", () => {
  it("exit when the parent dies without stopping them", async () => {
    // A stand-in web server: spawns a child with the supervisor's preload, prints its PID.
    const parentScript = `
      const { spawn } = require("node:child_process");
      const child = spawn(process.execPath, ["--import", ${JSON.stringify(pathToFileURL(path.join(root, "server/generation/exit-with-parent.mjs")).href)}, "-e", "console.log('ready'); setInterval(() => {}, 1000)"], { stdio: ["ignore", "pipe", "ignore"] });
      // The preload runs before -e, so "ready" means the child is already watching its parent.
      child.stdout.once("data", () => console.log(child.pid));
      setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ["-e", parentScript], { stdio: ["ignore", "pipe", "ignore"] });
    const childPid = await new Promise<number>((resolve) =>
      parent.stdout!.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim()))),
    );
    const isAlive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(isAlive(childPid)).toBe(true);
    parent.kill("SIGKILL");
    const deadline = Date.now() + 15_000;
    while (isAlive(childPid) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(isAlive(childPid)).toBe(false);
  });
});
