// Two production instances (`npm start`) on one PostgreSQL behind HAProxy (deploy/haproxy.cfg),
// one shared inference server: the annotation flow with requests alternating between instances,
// a turn started on one and followed from the other, and the faults of a real deployment —
// PostgreSQL stopped and started mid-work, PostgreSQL restarted (`pg_ctl restart`) between and
// during turns, an instance SIGKILLed mid-stream, an instance SIGTERMed (drains), the inference
// server killed, or hung mid-answer. What was stored is counted in the database: nothing lost,
// nothing twice.
//
// Runs where CI runs the PostgreSQL suites (TEST_DATABASE_URL set, so PostgreSQL's initdb and
// pg_ctl are installed) and HAProxy is installed; it starts a PostgreSQL cluster of its own,
// since it stops and starts it. It serves .next, built if needed, holding the lock that
// Playwright runs on this machine take too.
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { env } from "@/server/env";
import { INTERRUPTED_MESSAGE, type ResponseView } from "@/server/generation/turn-generation";
import { TURN_NOTICE_CHANNEL } from "@/server/generation/turn-notices";
import { startInferenceServer, type InferenceServer } from "@/e2e/inference-server";
import { temperaturePairInputs } from "@/e2e/variant-inputs";
import {
  ADMIN,
  findHaproxy,
  lockCurrentBuild,
  signalInferenceServer,
  signalInstance,
  startDeployment,
  type BuildLock,
  type Deployment,
} from "./cluster";
import { HttpUser, replayTexts, type StartedTurn, type StreamEvent, type TurnStream } from "./http-user";

const haproxy = findHaproxy();
const skipReason = !env.TEST_DATABASE_URL
  ? "TEST_DATABASE_URL is not set (CI sets it)"
  : !haproxy
    ? "HAProxy is not installed (apt-get install haproxy; .ci/run does)"
    : null;
if (skipReason) console.warn(`[scale-out] skipped: ${skipReason}`);

const log = (line: string) => console.log(`[scale-out] ${line}`);
/** Each test's limit: a fault test waits out a failure detection (STALE_GENERATION_SECONDS). */
const TEST_TIMEOUT_MS = 180_000;
/** A dead instance's responses are marked interrupted after this (the default, 20, made shorter;
 * long enough that a restarting PostgreSQL does not make a live generation look dead). */
const STALE_GENERATION_SECONDS = 10;
const MODEL_IDLE_TIMEOUT_SECONDS = 3;
let lock: BuildLock | undefined;
let deployment: Deployment;
let sql: pg.Pool;
let admin: HttpUser;
/**
 * An inference server of its own whose answers last seconds (a 32,000-token vocabulary: each token
 * costs more and the end token is rarely drawn), for faults that must land mid-answer.
 */
let slowInference: InferenceServer;

interface Campaign {
  id: string;
}

/** An OpenAI-compatible server the variants use instead of the shared default model. */
interface Endpoint {
  url: string;
  modelName: string;
}

async function createCampaign(maxTokens: number, endpoint?: Endpoint): Promise<Campaign> {
  const campaign = await admin.call<{ id: string }>("mutate", "campaigns.create", {
    name: `Scale-out ${randomUUID().slice(0, 8)}`,
    kind: "helpfulness",
    guidelines: "# Guidelines\n\nPick the better response.",
    safetyPreprompt: null,
    membership: "all",
  });
  // "local" with no model file (the default): the default model, which INFERENCE_URL points at
  // the shared server.
  const source = endpoint
    ? { endpointKind: "openai" as const, baseUrl: endpoint.url, model: endpoint.modelName }
    : undefined;
  for (const input of temperaturePairInputs({
    campaignId: campaign.id,
    namePrefix: "shared",
    maxTokens,
    source,
  })) {
    await admin.call("mutate", "variants.create", input);
  }
  await admin.call("mutate", "batches.openNext", { campaignId: campaign.id });
  return campaign;
}

/** An invited annotator, signed in, who has confirmed the campaign's guidelines. */
async function createAnnotator(campaign: Campaign): Promise<HttpUser> {
  const email = `annotator-${randomUUID().slice(0, 8)}@scale-out.test`;
  const password = `annotator password ${randomUUID().slice(0, 8)}`;
  const invited = await admin.call<{ token: string }>("mutate", "users.invite", {
    email,
    name: "Scale-out annotator",
    role: "annotator",
  });
  const user = new HttpUser(deployment.url);
  await user.call("mutate", "invitations.accept", { token: invited.token, password });
  await user.signIn(email, password);
  await user.acknowledgeGuidelines(campaign.id);
  return user;
}

/** A fault test's start: a campaign of its own and an annotator in it. */
async function startAnnotating(maxTokens: number, endpoint?: Endpoint) {
  const campaign = await createCampaign(maxTokens, endpoint);
  return { campaign, annotator: await createAnnotator(campaign) };
}

/** Sends a prompt and reads the stream up to the stored turn (generation goes on in the server). */
async function sendPrompt(
  user: HttpUser,
  campaign: Campaign,
  conversationId: string | null,
  message: string,
) {
  const stream = await user.openStream({ send: { campaignId: campaign.id, conversationId, message } });
  expect(stream.status).toBe(200);
  const first = await stream.next();
  expect(first?.type).toBe("turn");
  return { stream, turn: (first as { turn: StartedTurn }).turn };
}

/** A turn sent and streaming: its stream has brought text. `instance`: the index of the instance
 * generating it. */
async function startMidStream(
  user: HttpUser,
  campaign: Campaign,
  message: string,
  conversationId: string | null = null,
) {
  const { stream, turn } = await sendPrompt(user, campaign, conversationId, message);
  await untilFirstDelta(stream);
  const instance = deployment.instances.findIndex((candidate) => candidate.name === stream.instance);
  return { stream, turn, instance };
}

/** Follows a turn through the balancer from an instance other than `not`. */
async function followElsewhere(user: HttpUser, turnId: string, not: string | null) {
  for (let attempt = 0; attempt < 4; attempt++) {
    const stream = await user.openStream({ turnId });
    expect(stream.status).toBe(200);
    if (stream.instance !== not) return stream;
    stream.close();
  }
  throw new Error(`The balancer kept sending turn ${turnId}'s stream to ${not}.`);
}

/** The test's own reads of what was stored. An idle connection of its pool may still be one the
 * outage tests' restart terminated (PostgreSQL's notice can arrive only once it is used): such a
 * read is made again on a fresh connection. The deployment under test gets no such help. */
async function read<Row extends pg.QueryResultRow>(text: string, values: unknown[]) {
  try {
    return await sql.query<Row>(text, values);
  } catch (error) {
    if ((error as { code?: string }).code !== "57P01") throw error; // admin_shutdown
    return await sql.query<Row>(text, values);
  }
}

async function storedResponses(turnId: string) {
  const { rows } = await read<{ id: string; status: string; text: string; error: string | null }>(
    "select id, status, text, error from responses where turn_id = $1 order by position",
    [turnId],
  );
  return rows;
}

async function comparisonsOf(turnIds: string[]) {
  const { rows } = await read<{ turn_id: string; count: string }>(
    "select turn_id, count(*) from comparisons where turn_id = any($1::uuid[]) group by turn_id",
    [turnIds],
  );
  return Object.fromEntries(rows.map((row) => [row.turn_id, Number(row.count)]));
}

function submitInput(turn: StartedTurn, key = randomUUID()) {
  const ids = [...turn.responses].sort((a, b) => a.position - b.position).map((response) => response.id);
  return { turnId: turn.turnId, idempotencyKey: key, ranking: ids, strength: "better", timeSpentMs: 5000 };
}

async function expectStatuses(turnId: string, statuses: string[]) {
  expect((await storedResponses(turnId)).map((row) => row.status)).toEqual(statuses);
}

/**
 * Submits as the browser does (idempotentRetry in app/_lib/trpc.tsx): the same key again after a
 * dropped connection or a server error, at most 4 times; then the turn has exactly one comparison.
 */
async function submitOnce(user: HttpUser, turn: StartedTurn, input = submitInput(turn)) {
  let answer: Awaited<ReturnType<typeof user.mutate<{ comparisonId: string }>>> | null = null;
  for (let attempt = 0; attempt <= 4; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(8000, 1000 * 2 ** attempt)));
    answer = await user
      .mutate<{ comparisonId: string }>("annotation.submitComparison", input)
      .catch(() => null);
    if (answer && answer.status < 500) break;
  }
  expect(answer?.status).toBe(200);
  expect(await comparisonsOf([turn.turnId])).toEqual({ [turn.turnId]: 1 });
  return answer!.body.comparisonId;
}

/** The annotator clicks Retry: the failed responses are generated again, and the choice is stored once. */
async function retryAndSubmitOnce(user: HttpUser, turn: StartedTurn) {
  await user.call("mutate", "annotation.retryGeneration", { turnId: turn.turnId });
  const retried = await user.openStream({ turnId: turn.turnId });
  expect((await retried.rest()).ended).toBe(true);
  await expectStatuses(turn.turnId, ["completed", "completed"]);
  await submitOnce(user, turn);
}

async function healthStatus(url: string) {
  return fetch(`${url}/api/health`).then(
    async (response) => ({ status: response.status, body: (await response.json()) as { status: string } }),
    () => null,
  );
}

async function until<T>(
  what: string,
  probe: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs = 60_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`Timed out waiting for ${what} (last: ${JSON.stringify(value)})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Reads until the first delta, so the turn is mid-stream. */
async function untilFirstDelta(stream: TurnStream) {
  for (let event = await stream.next(); event; event = await stream.next()) {
    if (event.type === "delta") return;
  }
  throw new Error("The stream ended before any text arrived.");
}

/**
 * An OpenAI-compatible server whose answers send a first word at once and finish only when
 * released, so that a test can stop PostgreSQL before the responses end.
 */
async function startHeldEndpoint() {
  const answers: Promise<void>[] = [];
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const server = http.createServer((request, response) => {
    request.resume();
    response.writeHead(200, { "content-type": "text/event-stream" });
    const send = (delta: object, finishReason: string | null = null) =>
      response.write(
        `data: ${JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`,
      );
    send({ role: "assistant", content: "Almost " });
    answers.push(
      released.then(
        () =>
          new Promise<void>((resolve) => {
            send({ content: "done." }, "stop");
            response.end("data: [DONE]\n\n", resolve);
          }),
      ),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    modelName: "held",
    requests: async () => answers.length,
    /** Sends the rest of every answer; resolves once they are all sent. */
    finish: async () => {
      release();
      await Promise.all(answers);
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The kinds of turn notice PostgreSQL delivers, by turn (the watchers' announcements left out). */
async function listenToTurnNotices() {
  const client = new pg.Client({ connectionString: deployment.databaseUrl });
  client.on("error", () => {});
  const kinds = new Map<string, string[]>();
  client.on("notification", ({ payload }) => {
    const notice = JSON.parse(payload ?? "{}") as { t?: string; k?: string };
    if (notice.t && notice.k) kinds.set(notice.t, [...(kinds.get(notice.t) ?? []), notice.k]);
  });
  await client.connect();
  await client.query(`listen ${TURN_NOTICE_CHANNEL}`);
  return { of: (turnId: string) => kinds.get(turnId) ?? [], close: () => client.end() };
}

function finalResponses(events: StreamEvent[]): ResponseView[] {
  const byId = new Map<string, ResponseView>();
  for (const event of events) {
    if (event.type === "snapshot") for (const response of event.responses) byId.set(response.id, response);
    if (event.type === "response") byId.set(event.response.id, event.response);
  }
  return [...byId.values()];
}

describe.skipIf(skipReason !== null)("Arbiter scaled out behind a load balancer", () => {
  beforeAll(async () => {
    lock = await lockCurrentBuild(log);
    deployment = await startDeployment({
      instances: 2,
      haproxy: haproxy!,
      env: {
        // Hangs, dead instances and shutdowns within a test's time.
        ARBITER_MODEL_IDLE_TIMEOUT_SECONDS: String(MODEL_IDLE_TIMEOUT_SECONDS),
        ARBITER_STALE_GENERATION_SECONDS: String(STALE_GENERATION_SECONDS),
        ARBITER_SHUTDOWN_GRACE_SECONDS: "60",
        // slowInference, on this machine.
        ARBITER_OUTBOUND_ALLOW: "127.0.0.1",
      },
      log,
    });
    sql = new pg.Pool({ connectionString: deployment.databaseUrl, max: 2 });
    sql.on("error", () => {}); // the outage tests stop the server under idle connections
    admin = new HttpUser(deployment.url);
    await admin.signIn(ADMIN.email, ADMIN.password);
    slowInference = await startInferenceServer({ vocab: "llama2" });
  }, 900_000);

  afterAll(async () => {
    await slowInference?.stop();
    await sql?.end();
    await deployment?.stop();
    lock?.release();
  }, 60_000);

  it(
    "runs the annotation flow with requests alternating between instances, each turn followed from the other",
    async () => {
      const campaign = await createCampaign(48);
      const annotator = await createAnnotator(campaign);
      const served = new Set<string>();
      let conversationId: string | null = null;
      const turns: StartedTurn[] = [];
      for (const message of ["Write a haiku about load balancers.", "Now one about databases."]) {
        const { stream, turn } = await sendPrompt(annotator, campaign, conversationId, message);
        stream.close(); // the browser moves on; the turn goes on generating where it started
        const follow = await followElsewhere(annotator, turn.turnId, stream.instance);
        served.add(stream.instance!).add(follow.instance!);
        const { events, ended } = await follow.rest();
        expect(ended).toBe(true);
        const stored = await storedResponses(turn.turnId);
        expect(stored.map((row) => row.status)).toEqual(["completed", "completed"]);
        expect(replayTexts(events)).toEqual(new Map(stored.map((row) => [row.id, row.text])));

        // The submit and its automatic retry (same key) land on different instances: one comparison.
        const input = submitInput(turn);
        const first = await annotator.mutate<{ comparisonId: string }>("annotation.submitComparison", input);
        const again = await annotator.mutate<{ comparisonId: string }>("annotation.submitComparison", input);
        expect([first.status, again.status]).toEqual([200, 200]);
        expect(again.body.comparisonId).toBe(first.body.comparisonId);
        served.add(first.instance!).add(again.instance!);
        conversationId = turn.conversationId;
        turns.push(turn);
      }
      await annotator.call("mutate", "annotation.endConversation", { conversationId });
      expect([...served].sort()).toEqual(["app1", "app2"]);
      expect(await comparisonsOf(turns.map((turn) => turn.turnId))).toEqual(
        Object.fromEntries(turns.map((turn) => [turn.turnId, 1])),
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "sends a turn's notices only while another instance follows it",
    async () => {
      const { campaign, annotator } = await startAnnotating(400, slowInference);
      const other = await createAnnotator(campaign);
      const notices = await listenToTurnNotices();
      try {
        const [alone, followed] = await Promise.all([
          // Read only where it is generated (as nearly every turn is): not one NOTIFY.
          (async () => {
            const { stream, turn } = await sendPrompt(annotator, campaign, null, "Tell a very long story.");
            expect((await stream.rest()).ended).toBe(true);
            return turn;
          })(),
          // Followed mid-stream from the other instance: the text comes there through notices.
          (async () => {
            const { stream, turn } = await startMidStream(other, campaign, "Tell another one.");
            const follower = await followElsewhere(other, turn.turnId, stream.instance);
            const [local, remote] = await Promise.all([stream.rest(), follower.rest()]);
            expect([local.ended, remote.ended]).toEqual([true, true]);
            const stored = await storedResponses(turn.turnId);
            expect(replayTexts(remote.events)).toEqual(new Map(stored.map((row) => [row.id, row.text])));
            return turn;
          })(),
        ]);
        expect(notices.of(alone.turnId)).toEqual([]);
        expect(notices.of(followed.turnId)).toContain("d");
      } finally {
        await notices.close();
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "survives PostgreSQL going away mid-work: health says so, a submit is stored once after its retry",
    async () => {
      const { campaign, annotator } = await startAnnotating(24);
      const { stream, turn } = await sendPrompt(annotator, campaign, null, "Say something short.");
      expect((await stream.rest()).ended).toBe(true);

      const input = submitInput(turn);
      // Sent as the database stops: stored, or refused; either way the retry below settles it.
      const inFlight = annotator.mutate("annotation.submitComparison", input);
      deployment.pg.pause();
      const during = await inFlight.catch(() => null);
      for (const instance of deployment.instances) {
        expect(await healthStatus(instance.url)).toEqual({ status: 503, body: { status: "error" } });
      }
      const refused = await annotator.mutate<{ message: string }>("annotation.submitComparison", input);
      expect(refused.status).toBe(500);
      expect(refused.body.message).toMatch(/Try again/);

      deployment.pg.resume();
      for (const instance of deployment.instances) {
        await until(
          "health after the restart",
          () => healthStatus(instance.url),
          (health) => health?.status === 200,
        );
      }
      await deployment.untilBalanced();
      const comparisonId = await submitOnce(annotator, turn, input);
      if (during?.status === 200) {
        expect(comparisonId).toBe((during.body as { comparisonId: string }).comparisonId);
      }

      // Both instances work again, across instances too (their pools and listeners reconnected).
      await annotator.call("mutate", "annotation.endConversation", { conversationId: turn.conversationId });
      const next = await sendPrompt(annotator, campaign, null, "And again.");
      next.stream.close();
      const follow = await followElsewhere(annotator, next.turn.turnId, next.stream.instance);
      expect((await follow.rest()).ended).toBe(true);
      await expectStatuses(next.turn.turnId, ["completed", "completed"]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "keeps every comparison once across `pg_ctl restart` between turns and during one",
    async () => {
      const { campaign, annotator } = await startAnnotating(1500, slowInference);
      // Between turns: a submit in flight while PostgreSQL restarts, then the browser's retries.
      const first = await sendPrompt(annotator, campaign, null, "Say something.");
      expect((await first.stream.rest()).ended).toBe(true);
      const input = submitInput(first.turn);
      const [during] = await Promise.all([
        annotator.mutate<{ comparisonId: string }>("annotation.submitComparison", input).catch(() => null),
        deployment.pg.restart(),
      ]);
      const comparisonId = await submitOnce(annotator, first.turn, input);
      if (during?.status === 200) expect(comparisonId).toBe(during.body.comparisonId);

      // During a turn: the next one streams, followed from the other instance too, as PostgreSQL
      // restarts under both.
      const second = await startMidStream(
        annotator,
        campaign,
        "Tell a very long story.",
        first.turn.conversationId,
      );
      const follower = await followElsewhere(annotator, second.turn.turnId, second.stream.instance);
      await deployment.pg.restart();
      const [local] = await Promise.all([second.stream.rest(), follower.rest()]);
      // The generating instance streams from memory: the restart does not cut its browser.
      expect(local.ended).toBe(true);
      // What the browser shows after reconnecting (a follower's stream may break on the outage)
      // is what is stored: each response completed, or, if the outage outlasted the time its
      // outcome's save is retried for (STALE_GENERATION_SECONDS), marked interrupted.
      const { events, ended } = await (await annotator.openStream({ turnId: second.turn.turnId })).rest();
      expect(ended).toBe(true);
      const stored = await storedResponses(second.turn.turnId);
      expect(replayTexts(events)).toEqual(new Map(stored.map((row) => [row.id, row.text])));
      for (const row of stored) {
        if (row.status !== "completed")
          expect(row).toMatchObject({ status: "failed", error: INTERRUPTED_MESSAGE });
      }
      if (stored.some((row) => row.status === "failed")) await retryAndSubmitOnce(annotator, second.turn);
      else await submitOnce(annotator, second.turn);

      await annotator.call("mutate", "annotation.endConversation", {
        conversationId: first.turn.conversationId,
      });
      expect(await comparisonsOf([first.turn.turnId, second.turn.turnId])).toEqual({
        [first.turn.turnId]: 1,
        [second.turn.turnId]: 1,
      });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "saves responses that finish while PostgreSQL is stopped, once it is back",
    async () => {
      const held = await startHeldEndpoint();
      try {
        const { campaign, annotator } = await startAnnotating(64, held);
        const { stream, turn } = await startMidStream(annotator, campaign, "Are you done?");
        await until("both answers started", held.requests, (started) => started === 2);
        deployment.pg.pause();
        await held.finish(); // the generating instance now saves both outcomes, and cannot
        deployment.pg.resume();
        // Saved as soon as the database is back (well within STALE_GENERATION_SECONDS): the
        // stream ends with both complete, and so do the stored rows, not "interrupted".
        expect((await stream.rest()).ended).toBe(true);
        expect((await storedResponses(turn.turnId)).map((row) => [row.status, row.text])).toEqual([
          ["completed", "Almost done."],
          ["completed", "Almost done."],
        ]);
        await submitOnce(annotator, turn);
        await deployment.untilBalanced();
      } finally {
        await held.close();
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "reconnects a stream through the other instance when one is SIGKILLed mid-stream; the retry completes",
    async () => {
      const { campaign, annotator } = await startAnnotating(4000);
      const { stream, turn, instance } = await startMidStream(annotator, campaign, "Tell a very long story.");
      signalInstance(deployment.instances[instance], "SIGKILL");
      await deployment.instances[instance].exit;
      expect((await stream.rest()).ended).toBe(false); // the connection broke

      // The browser reconnects; the balancer sends it to the survivor, which finds the responses
      // abandoned (no progress saved for STALE_GENERATION_SECONDS) and marks them interrupted.
      const reconnected = await annotator.openStream({ turnId: turn.turnId });
      expect(reconnected.status).toBe(200);
      expect(reconnected.instance).not.toBe(stream.instance);
      const { events, ended } = await reconnected.rest();
      expect(ended).toBe(true);
      const interrupted = finalResponses(events).filter((response) => response.status === "failed");
      expect(interrupted.length).toBeGreaterThanOrEqual(1);
      for (const response of interrupted) expect(response.error).toBe(INTERRUPTED_MESSAGE);

      await retryAndSubmitOnce(annotator, turn);
      await deployment.restartInstance(instance);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "drains an instance on SIGTERM: no new streams, running ones finish, exit 0",
    async () => {
      const { campaign, annotator } = await startAnnotating(400);
      const other = await createAnnotator(campaign);
      const { stream, turn, instance } = await startMidStream(annotator, campaign, "Keep going for a while.");
      const stopping = deployment.instances[instance];
      // As systemd stops a unit: SIGTERM to every process of it.
      signalInstance(stopping, "SIGTERM");
      await until(
        "the draining health answer",
        () => healthStatus(stopping.url),
        (health) => health?.status === 503,
      );

      // New work goes to the other instance meanwhile (a refused stream is retried there).
      const elsewhere = await sendPrompt(other, campaign, null, "Hello from elsewhere.");
      expect(elsewhere.stream.instance).not.toBe(stopping.name);
      expect((await elsewhere.stream.rest()).ended).toBe(true);

      const { ended } = await stream.rest();
      expect(ended).toBe(true);
      await expectStatuses(turn.turnId, ["completed", "completed"]);
      expect(await stopping.exit).toBe(0);
      await deployment.restartInstance(instance);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "fails the responses when the shared inference server is dead, and the retry completes",
    async () => {
      const { campaign, annotator } = await startAnnotating(64);
      deployment.signalInference("SIGKILL");
      const { stream, turn } = await sendPrompt(annotator, campaign, null, "An answer.");
      const { events, ended } = await stream.rest();
      expect(ended).toBe(true);
      expect(finalResponses(events).map((response) => response.status)).toEqual(["failed", "failed"]);
      for (const row of await storedResponses(turn.turnId)) {
        expect(row).toMatchObject({
          status: "failed",
          error: expect.stringMatching(/Could not reach the model server/),
        });
      }
      await deployment.restartInference();
      await retryAndSubmitOnce(annotator, turn);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "fails the responses when the inference server hangs mid-answer (nothing for the idle timeout), and the retry completes",
    async () => {
      const { campaign, annotator } = await startAnnotating(1500, slowInference);
      const { stream, turn } = await startMidStream(annotator, campaign, "An answer that hangs.");
      signalInferenceServer(slowInference, "SIGSTOP");
      try {
        const { events, ended } = await stream.rest();
        expect(ended).toBe(true);
        expect(finalResponses(events).map((response) => response.status)).toEqual(["failed", "failed"]);
        const stored = await storedResponses(turn.turnId);
        const idle = new RegExp(`sent nothing for ${MODEL_IDLE_TIMEOUT_SECONDS} seconds`);
        for (const row of stored) {
          expect(row).toMatchObject({ status: "failed", error: expect.stringMatching(idle) });
        }
        // Mid-answer: the text that arrived before the hang is kept with the failure.
        expect(stored.some((row) => row.text.length > 0)).toBe(true);
      } finally {
        signalInferenceServer(slowInference, "SIGCONT");
      }
      await retryAndSubmitOnce(annotator, turn);
    },
    TEST_TIMEOUT_MS,
  );
});
