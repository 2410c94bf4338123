// Two production instances (`npm start`) on one PostgreSQL behind HAProxy (deploy/haproxy.cfg),
// one shared inference server: the annotation flow with requests alternating between instances,
// a turn started on one and followed from the other, and the faults of a real deployment —
// PostgreSQL stopped and started mid-work, an instance SIGKILLed mid-stream, an instance
// SIGTERMed (drains), the inference server killed or hung. What was stored is counted in the
// database: nothing lost, nothing twice.
//
// Runs where CI runs the PostgreSQL suites (TEST_DATABASE_URL set, so PostgreSQL's initdb and
// pg_ctl are installed) and HAProxy is installed; it starts a PostgreSQL cluster of its own,
// since it stops and starts it. It serves .next, built if needed, holding the lock that
// Playwright runs on this machine take too.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { env } from "@/server/env";
import { INTERRUPTED_MESSAGE, type ResponseView } from "@/server/generation/turn-generation";
import {
  ADMIN,
  findHaproxy,
  lockCurrentBuild,
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
/** Each test's limit: a fault test waits out a failure detection (20 s for a dead instance). */
const TEST_TIMEOUT_MS = 180_000;
let lock: BuildLock | undefined;
let deployment: Deployment;
let sql: pg.Pool;
let admin: HttpUser;

interface Campaign {
  id: string;
}

async function createCampaign(maxTokens: number): Promise<Campaign> {
  const campaign = await admin.call<{ id: string }>("mutate", "campaigns.create", {
    name: `Scale-out ${randomUUID().slice(0, 8)}`,
    kind: "helpfulness",
    guidelines: "# Guidelines\n\nPick the better response.",
    safetyPreprompt: null,
    membership: "all",
  });
  for (const temperature of [0.7, 1.0]) {
    // "local" with no model file: the default model, which INFERENCE_URL points at the shared server.
    await admin.call("mutate", "variants.create", {
      campaignId: campaign.id,
      name: `shared @ ${temperature}`,
      endpointKind: "local",
      model: "",
      temperature,
      topP: 0.95,
      maxTokens,
      versionLabel: "v1",
    });
  }
  await admin.call("mutate", "batches.openNext", { campaignId: campaign.id });
  return campaign;
}

async function createAnnotator(): Promise<HttpUser> {
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
  return user;
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

async function storedResponses(turnId: string) {
  const { rows } = await sql.query<{ id: string; status: string; text: string; error: string | null }>(
    "select id, status, text, error from responses where turn_id = $1 order by position",
    [turnId],
  );
  return rows;
}

async function comparisonsOf(turnIds: string[]) {
  const { rows } = await sql.query<{ turn_id: string; count: string }>(
    "select turn_id, count(*) from comparisons where turn_id = any($1::uuid[]) group by turn_id",
    [turnIds],
  );
  return Object.fromEntries(rows.map((row) => [row.turn_id, Number(row.count)]));
}

function submitInput(turn: StartedTurn, key = randomUUID()) {
  const ids = [...turn.responses].sort((a, b) => a.position - b.position).map((response) => response.id);
  return { turnId: turn.turnId, idempotencyKey: key, ranking: ids, strength: "better", timeSpentMs: 5000 };
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
      // Hangs and shutdowns within a test's time.
      env: { ARBITER_MODEL_IDLE_TIMEOUT_SECONDS: "3", ARBITER_SHUTDOWN_GRACE_SECONDS: "60" },
      log,
    });
    sql = new pg.Pool({ connectionString: deployment.databaseUrl, max: 2 });
    sql.on("error", () => {}); // the outage test stops the server under idle connections
    admin = new HttpUser(deployment.url);
    await admin.signIn(ADMIN.email, ADMIN.password);
  }, 900_000);

  afterAll(async () => {
    await sql?.end();
    await deployment?.stop();
    lock?.release();
  }, 60_000);

  it(
    "runs the annotation flow with requests alternating between instances, each turn followed from the other",
    async () => {
      const campaign = await createCampaign(48);
      const annotator = await createAnnotator();
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
    "survives PostgreSQL going away mid-work: health says so, a submit is stored once after its retry",
    async () => {
      const campaign = await createCampaign(24);
      const annotator = await createAnnotator();
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
      const retried = await annotator.mutate<{ comparisonId: string }>("annotation.submitComparison", input);
      expect(retried.status).toBe(200);
      if (during?.status === 200) {
        expect(retried.body.comparisonId).toBe((during.body as { comparisonId: string }).comparisonId);
      }
      expect(await comparisonsOf([turn.turnId])).toEqual({ [turn.turnId]: 1 });

      // Both instances work again, across instances too (their pools and listeners reconnected).
      await annotator.call("mutate", "annotation.endConversation", { conversationId: turn.conversationId });
      const next = await sendPrompt(annotator, campaign, null, "And again.");
      next.stream.close();
      const follow = await followElsewhere(annotator, next.turn.turnId, next.stream.instance);
      expect((await follow.rest()).ended).toBe(true);
      expect((await storedResponses(next.turn.turnId)).map((row) => row.status)).toEqual([
        "completed",
        "completed",
      ]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "reconnects a stream through the other instance when one is SIGKILLed mid-stream; the retry completes",
    async () => {
      const campaign = await createCampaign(4000);
      const annotator = await createAnnotator();
      const { stream, turn } = await sendPrompt(annotator, campaign, null, "Tell a very long story.");
      await untilFirstDelta(stream);
      const victim = deployment.instances.findIndex((instance) => instance.name === stream.instance);
      signalInstance(deployment.instances[victim], "SIGKILL");
      await deployment.instances[victim].exit;
      expect((await stream.rest()).ended).toBe(false); // the connection broke

      // The browser reconnects; the balancer sends it to the survivor, which finds the responses
      // abandoned (no progress saved for a while) and marks them interrupted.
      const reconnected = await annotator.openStream({ turnId: turn.turnId });
      expect(reconnected.status).toBe(200);
      expect(reconnected.instance).not.toBe(stream.instance);
      const { events, ended } = await reconnected.rest();
      expect(ended).toBe(true);
      const interrupted = finalResponses(events).filter((response) => response.status === "failed");
      expect(interrupted.length).toBeGreaterThanOrEqual(1);
      for (const response of interrupted) expect(response.error).toBe(INTERRUPTED_MESSAGE);

      // The annotator's click on Retry.
      await annotator.call("mutate", "annotation.retryGeneration", { turnId: turn.turnId });
      const retried = await annotator.openStream({ turnId: turn.turnId });
      expect((await retried.rest()).ended).toBe(true);
      expect((await storedResponses(turn.turnId)).map((row) => row.status)).toEqual([
        "completed",
        "completed",
      ]);
      await annotator.call("mutate", "annotation.submitComparison", submitInput(turn));
      expect(await comparisonsOf([turn.turnId])).toEqual({ [turn.turnId]: 1 });

      await deployment.restartInstance(victim);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "drains an instance on SIGTERM: no new streams, running ones finish, exit 0",
    async () => {
      const campaign = await createCampaign(400);
      const annotator = await createAnnotator();
      const other = await createAnnotator();
      const { stream, turn } = await sendPrompt(annotator, campaign, null, "Keep going for a while.");
      await untilFirstDelta(stream);
      const index = deployment.instances.findIndex((instance) => instance.name === stream.instance);
      const stopping = deployment.instances[index];
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
      expect((await storedResponses(turn.turnId)).map((row) => row.status)).toEqual([
        "completed",
        "completed",
      ]);
      expect(await stopping.exit).toBe(0);
      await deployment.restartInstance(index);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "fails the responses when the shared inference server hangs (timeout) or is dead, and the retry completes",
    async () => {
      const campaign = await createCampaign(64);
      const annotator = await createAnnotator();
      // Faults before the prompt, so they hit every response (a tiny random model may finish a
      // response within a fraction of a second); the instance's SIGKILL test covers mid-stream.
      for (const fault of ["hang", "kill"] as const) {
        deployment.signalInference(fault === "hang" ? "SIGSTOP" : "SIGKILL");
        const { stream, turn } = await sendPrompt(annotator, campaign, null, `An answer (${fault}).`);
        const { events, ended } = await stream.rest();
        expect(ended).toBe(true);
        expect(finalResponses(events).map((response) => response.status)).toEqual(["failed", "failed"]);
        for (const row of await storedResponses(turn.turnId)) {
          expect(row.status).toBe("failed");
          expect(row.error).toMatch(
            fault === "hang" ? /sent nothing for 3 seconds/ : /Could not reach the model server/,
          );
        }
        if (fault === "hang") deployment.signalInference("SIGCONT");
        else await deployment.restartInference();

        await annotator.call("mutate", "annotation.retryGeneration", { turnId: turn.turnId });
        const retried = await annotator.openStream({ turnId: turn.turnId });
        expect((await retried.rest()).ended).toBe(true);
        expect((await storedResponses(turn.turnId)).map((row) => row.status)).toEqual([
          "completed",
          "completed",
        ]);
        await annotator.call("mutate", "annotation.submitComparison", submitInput(turn));
        expect(await comparisonsOf([turn.turnId])).toEqual({ [turn.turnId]: 1 });
        await annotator.call("mutate", "annotation.endConversation", { conversationId: turn.conversationId });
      }
    },
    TEST_TIMEOUT_MS,
  );
});
