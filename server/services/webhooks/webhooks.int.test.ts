// Webhooks against a real receiver on 127.0.0.1 and a real job worker: a closed batch is delivered
// with a signature that the test verifies on its own, a 500 is retried until one 2xx, a worker
// stopped mid-queue loses no delivery, a delivery whose job the queue gives up on ends failed, and
// an address the outbound policy refuses is never reached.
import crypto from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Database } from "@/db/client";
import { queryRows } from "@/db/query-rows";
import { auditLog, webhookDeliveries, webhooks } from "@/db/schema";
import { createTestDb } from "@/db/testing";
import { createOutboundFetch } from "@/server/net/outbound-fetch";
import { OutboundPolicy } from "@/server/net/outbound-policy";
import { answerJson, startCaptureServer, type Answer } from "@/server/testing/capture-server";
import { generateSyntheticData } from "@/scripts/synthetic/generate-synthetic";
import {
  createCampaign,
  createJudgeableTurn,
  newIdempotencyKey,
} from "@/server/testing/annotation-campaigns";
import { exportForTest } from "@/server/testing/export-readback";
import { createAdmin, createAnnotator, type TestUser } from "@/server/testing/fixtures";
import { endConversation } from "../annotation/end-conversation";
import { submitComparison } from "../annotation/submit-comparison";
import { closeBatch } from "../campaigns/open-next-batch";
import { jobRegistry } from "../jobs/define-job";
import { serverJobKinds } from "../jobs/job-kinds";
import { requestIntegrityReport } from "../integrity/integrity-reports";
import {
  claimJob,
  DEFAULT_JOB_TIMINGS,
  runClaimedJob,
  startJobWorker,
  type JobWorker,
} from "../jobs/job-worker";
import { noteComparisonTarget, setComparisonTarget } from "./comparison-target";
import { webhookDeliveryJobWith } from "./deliver-webhook";
import {
  createWebhook,
  deleteWebhook,
  listWebhooks,
  sendTestWebhookEvent,
  setWebhookActive,
} from "./manage-webhooks";

let database: Database;
let admin: TestUser;
const cleanups: (() => Promise<unknown>)[] = [];
const WAIT = { timeout: 60_000, interval: 50 };

beforeAll(async () => {
  database = await createTestDb();
  admin = await createAdmin(database.db);
});

/** Each test's workers stop at its end, so that no test's deliveries are run by another's worker. */
const workers: JobWorker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.stop(0)));
});

afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await database?.close();
});

async function receiver(answer: Answer) {
  const server = await startCaptureServer(answer);
  cleanups.push(() => server.close());
  return server;
}

/** A worker for webhook deliveries whose outbound policy allows 127.0.0.1 (as ARBITER_OUTBOUND_ALLOW would). */
async function startWebhookWorker(policy = new OutboundPolicy(["127.0.0.1"])): Promise<JobWorker> {
  const transport = { fetch: createOutboundFetch(policy), timeoutMs: 30_000 };
  const worker = await startJobWorker({
    db: database.db,
    registry: jobRegistry([webhookDeliveryJobWith(() => transport)]),
    notifications: database.notifications,
    // Short retries, so that the test need not wait the production backoff.
    timings: { backoffBaseMs: 50, backoffMaxMs: 200 },
    pollMs: 100,
  });
  workers.push(worker);
  return worker;
}

const deliveriesOf = (webhookId: string) =>
  database.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, webhookId));

/** Verifies an Arbiter-Signature header as a receiver would, without the server's code. */
function hasValidSignature(secret: string, header: string, body: string) {
  const parts = Object.fromEntries(header.split(",").map((part) => part.split("=", 2)));
  const expected = crypto.createHmac("sha256", secret).update(`${parts.t}.${body}`).digest("hex");
  return crypto.timingSafeEqual(Buffer.from(parts.v1, "hex"), Buffer.from(expected, "hex"));
}

describe("webhooks", () => {
  it("delivers a closed batch to the subscribed webhook, signed, and logs it without the secret", async () => {
    const server = await receiver(answerJson(200, { ok: true }));
    const { campaign } = await createCampaign(database.db);
    const subscribed = await createWebhook(
      database.db,
      { campaignId: campaign.id, url: `${server.url}/hooks`, events: ["batch.closed"] },
      admin.actor,
    );
    const other = await createWebhook(
      database.db,
      { campaignId: campaign.id, url: `${server.url}/other`, events: ["export.finished"] },
      admin.actor,
    );
    const paused = await createWebhook(
      database.db,
      { campaignId: campaign.id, url: `${server.url}/paused`, events: ["batch.closed"] },
      admin.actor,
    );
    await setWebhookActive(database.db, { webhookId: paused.id, isActive: false }, admin.actor);
    const worker = await startWebhookWorker();

    await closeBatch(database.db, { campaignId: campaign.id }, admin.actor);
    await vi.waitFor(async () => {
      expect((await deliveriesOf(subscribed.id)).map((delivery) => delivery.status)).toEqual(["delivered"]);
    }, WAIT);
    await worker.stop(0);

    const [delivery] = await deliveriesOf(subscribed.id);
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request).toMatchObject({ method: "POST", path: "/v1/hooks" });
    expect(request.headers["content-type"]).toBe("application/json");
    expect(request.headers["arbiter-event"]).toBe("batch.closed");
    expect(request.headers["arbiter-delivery"]).toBe(delivery.id);
    expect(
      hasValidSignature(subscribed.secret, String(request.headers["arbiter-signature"]), request.body),
    ).toBe(true);
    expect(hasValidSignature(other.secret, String(request.headers["arbiter-signature"]), request.body)).toBe(
      false,
    );
    expect(JSON.parse(request.body)).toMatchObject({
      id: delivery.id,
      event: "batch.closed",
      data: { campaignId: campaign.id, batch: { number: 1 } },
    });
    expect(await deliveriesOf(other.id)).toEqual([]);
    expect(await deliveriesOf(paused.id)).toEqual([]);

    const [stored] = await database.db.select().from(webhooks).where(eq(webhooks.id, subscribed.id));
    expect(stored.secretEncrypted).not.toContain(subscribed.secret.slice(6));
    const listed = await listWebhooks(database.db, { campaignId: campaign.id });
    expect(JSON.stringify(listed)).not.toContain(subscribed.secret);
    expect(listed.find((webhook) => webhook.id === subscribed.id)?.deliveries).toMatchObject([
      { id: delivery.id, status: "delivered", attempts: 1, responseStatus: 200, error: null },
    ]);
    const audited = await database.db.select().from(auditLog).where(eq(auditLog.targetId, subscribed.id));
    expect(audited.map((entry) => entry.action)).toEqual(["webhook.created"]);
  });

  it("sends quota.reached once when the campaign's comparisons reach its target, again for a new target", async () => {
    const server = await receiver(answerJson(200, {}));
    const { campaign } = await createCampaign(database.db);
    const webhook = await createWebhook(
      database.db,
      { campaignId: campaign.id, url: server.url, events: ["quota.reached"] },
      admin.actor,
    );
    await setComparisonTarget(database.db, { campaignId: campaign.id, targetComparisons: 2 }, admin.actor);
    const { actor } = await createAnnotator(database.db);
    const submitOne = async () => {
      const turn = await createJudgeableTurn(database.db, campaign.id, actor);
      const [a, b] = turn.responses;
      await submitComparison(
        database.db,
        {
          turnId: turn.turnId,
          idempotencyKey: newIdempotencyKey(),
          ranking: [a.id, b.id],
          strength: "better",
          timeSpentMs: 1000,
        },
        actor,
      );
      await endConversation(database.db, { conversationId: turn.conversationId }, actor);
    };
    await submitOne();
    expect(await deliveriesOf(webhook.id)).toEqual([]);
    await submitOne();
    await submitOne();
    // Submits that raced past the target: still one event.
    const stale = { id: campaign.id, targetComparisons: 2, targetReachedAt: null };
    await Promise.all([noteComparisonTarget(database.db, stale), noteComparisonTarget(database.db, stale)]);
    expect(await deliveriesOf(webhook.id)).toHaveLength(1);

    await startWebhookWorker();
    await vi.waitFor(async () => {
      expect((await deliveriesOf(webhook.id)).map((delivery) => delivery.status)).toEqual(["delivered"]);
    }, WAIT);
    const [request] = server.requests;
    expect(request.headers["arbiter-event"]).toBe("quota.reached");
    expect(
      hasValidSignature(webhook.secret, String(request.headers["arbiter-signature"]), request.body),
    ).toBe(true);
    expect(JSON.parse(request.body)).toMatchObject({
      event: "quota.reached",
      data: { campaignId: campaign.id, target: 2, comparisons: 2 },
    });

    // A new target is a new quota; one already met is reached at once.
    await setComparisonTarget(database.db, { campaignId: campaign.id, targetComparisons: 3 }, admin.actor);
    const bodies = (await deliveriesOf(webhook.id)).map((delivery) => JSON.parse(delivery.body).data);
    expect(bodies).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ target: 2 }),
        expect.objectContaining({ target: 3, comparisons: 3 }),
      ]),
    );
    expect(bodies).toHaveLength(2);
  });

  it("retries a delivery the receiver answers with 500 and stops at the first 2xx", async () => {
    let answered = 0;
    const server = await receiver((request, response) =>
      answerJson(++answered === 1 ? 500 : 200, {})(request, response),
    );
    const { campaign } = await createCampaign(database.db);
    const webhook = await createWebhook(
      database.db,
      { campaignId: campaign.id, url: server.url, events: ["annotator.flagged"] },
      admin.actor,
    );
    await startWebhookWorker();

    const { deliveryId } = await sendTestWebhookEvent(database.db, { webhookId: webhook.id }, admin.actor);
    await vi.waitFor(async () => {
      expect((await deliveriesOf(webhook.id))[0]).toMatchObject({ status: "delivered" });
    }, WAIT);

    expect((await deliveriesOf(webhook.id))[0]).toMatchObject({
      id: deliveryId,
      event: "test",
      attempts: 2,
      responseStatus: 200,
      error: null,
    });
    expect(server.requests.map((request) => request.headers["arbiter-delivery"])).toEqual([
      deliveryId,
      deliveryId,
    ]);
    expect(server.requests[1].body).toBe(server.requests[0].body);
    expect(answered).toBe(2);
  });

  it("loses no delivery when the worker is stopped mid-queue and another one starts", async () => {
    // The first request is never answered: the first worker is stopped while it waits, which
    // closes the connection; the second worker must send that delivery again.
    let firstClosed: () => void = () => {};
    const closed = new Promise<void>((resolve) => (firstClosed = resolve));
    let firstArrived: () => void = () => {};
    const arrived = new Promise<void>((resolve) => (firstArrived = resolve));
    const answeredOk: string[] = [];
    const server = await receiver((request, response) => {
      if (server.requests.length === 1) {
        response.once("close", firstClosed);
        firstArrived();
        return;
      }
      answeredOk.push(String(request.headers["arbiter-delivery"]));
      answerJson(200, {})(request, response);
    });
    const { campaign } = await createCampaign(database.db);
    const webhook = await createWebhook(
      database.db,
      { campaignId: campaign.id, url: server.url, events: ["batch.closed"] },
      admin.actor,
    );
    const queued: string[] = [];
    for (let index = 0; index < 5; index++) {
      queued.push(
        (await sendTestWebhookEvent(database.db, { webhookId: webhook.id }, admin.actor)).deliveryId,
      );
    }

    const first = await startWebhookWorker();
    await arrived;
    await first.stop(0);
    await closed;
    await startWebhookWorker();

    await vi.waitFor(async () => {
      const statuses = (await deliveriesOf(webhook.id)).map((delivery) => delivery.status);
      expect(statuses).toEqual(Array(5).fill("delivered"));
    }, WAIT);
    expect(answeredOk.sort()).toEqual([...queued].sort());
    const [{ open }] = await queryRows<{ open: number }>(
      database.db,
      sql`select count(*)::int as open from jobs where kind = 'webhook-delivery' and status <> 'done'`,
    );
    expect(open).toBe(0);
  });

  it("ends a delivery failed, not retrying, when the queue gives up on its job after its workers kept dying", async () => {
    const server = await receiver(answerJson(500, {}));
    const { campaign } = await createCampaign(database.db);
    const webhook = await createWebhook(
      database.db,
      { campaignId: campaign.id, url: server.url, events: ["batch.closed"] },
      admin.actor,
    );
    const transport = { fetch: createOutboundFetch(new OutboundPolicy(["127.0.0.1"])), timeoutMs: 30_000 };
    const registry = jobRegistry([webhookDeliveryJobWith(() => transport)]);
    const { deliveryId } = await sendTestWebhookEvent(database.db, { webhookId: webhook.id }, admin.actor);
    const [{ jobId }] = await queryRows<{ jobId: string }>(
      database.db,
      sql`select id as "jobId" from jobs where payload->>'deliveryId' = ${deliveryId}`,
    );
    const claimIt = async (workerId: string) => {
      // Due now, and any earlier claim's lease over (its worker vanished).
      await database.db.execute(
        sql`update jobs set run_after = now(), locked_until = now() - interval '1 second' where id = ${jobId}`,
      );
      const job = await claimJob(database.db, { workerId, kinds: ["webhook-delivery"], leaseMs: 60_000 });
      expect(job?.id).toBe(jobId);
      return job!;
    };

    // The first attempt gets its 500; the next four claims' workers die before answering.
    await runClaimedJob(database.db, registry, await claimIt("w1"), {
      workerId: "w1",
      timings: DEFAULT_JOB_TIMINGS,
    });
    expect((await deliveriesOf(webhook.id))[0]).toMatchObject({ status: "retrying", attempts: 1 });
    for (let attempt = 2; attempt <= 5; attempt++) await claimIt(`vanished-${attempt}`);
    await runClaimedJob(database.db, registry, await claimIt("w6"), {
      workerId: "w6",
      timings: DEFAULT_JOB_TIMINGS,
    });

    const [delivery] = await deliveriesOf(webhook.id);
    expect(delivery.status).toBe("failed");
    expect(delivery.error).toMatch(/given up: The job stopped without finishing 5 times/);
    expect(server.requests).toHaveLength(1);
    const [{ status }] = await queryRows<{ status: string }>(
      database.db,
      sql`select status::text from jobs where id = ${jobId}`,
    );
    expect(status).toBe("failed");
    await deleteWebhook(database.db, { webhookId: webhook.id }, admin.actor);
  });

  it("never reaches an address the outbound policy refuses, and says which setting allows it", async () => {
    const server = await receiver(answerJson(200, {}));
    const { campaign } = await createCampaign(database.db);
    const webhook = await createWebhook(
      database.db,
      { campaignId: campaign.id, url: server.url, events: ["batch.closed"] },
      admin.actor,
    );
    const worker = await startWebhookWorker(new OutboundPolicy());

    await sendTestWebhookEvent(database.db, { webhookId: webhook.id }, admin.actor);
    await vi.waitFor(async () => {
      expect((await deliveriesOf(webhook.id))[0].attempts).toBeGreaterThanOrEqual(1);
    }, WAIT);
    await worker.stop(0);

    const [delivery] = await deliveriesOf(webhook.id);
    expect(delivery.status).not.toBe("delivered");
    expect(delivery.responseStatus).toBeNull();
    expect(delivery.error).toMatch(/ARBITER_OUTBOUND_ALLOW/);
    expect(server.requests).toEqual([]);
    // Removing the webhook removes its queued retries' deliveries; the jobs then find nothing to do.
    await deleteWebhook(database.db, { webhookId: webhook.id }, admin.actor);
    expect(await deliveriesOf(webhook.id)).toEqual([]);
  });

  it("queues export.finished and annotator.flagged where they happen", { timeout: 300_000 }, async () => {
    const { campaignId } = await generateSyntheticData(database.db, {
      comparisons: 200,
      campaignName: "Webhook events",
      annotators: 2,
      seed: 3,
      alwaysAAnnotators: 1,
    });
    const webhook = await createWebhook(
      database.db,
      { campaignId, url: "https://receiver.example/hooks", events: ["export.finished", "annotator.flagged"] },
      admin.actor,
    );

    const report = await requestIntegrityReport(database.db, { campaignId }, admin.actor);
    const job = await claimJob(database.db, {
      workerId: "test",
      kinds: ["integrity-report"],
      leaseMs: DEFAULT_JOB_TIMINGS.leaseMs,
    });
    await runClaimedJob(database.db, serverJobKinds, job!, {
      workerId: "test",
      timings: DEFAULT_JOB_TIMINGS,
    });
    const exported = await exportForTest(database.db, { format: "raw", campaigns: ["Webhook events"] });

    const bodies = (await deliveriesOf(webhook.id)).map((delivery) => JSON.parse(delivery.body));
    const flagged = bodies.find((body) => body.event === "annotator.flagged");
    expect(flagged.data).toMatchObject({ campaignId, reportId: report.id });
    expect(
      flagged.data.annotators.some((annotator: { flags: string[] }) =>
        annotator.flags.includes("position-bias"),
      ),
    ).toBe(true);
    expect(JSON.stringify(flagged)).not.toContain("@"); // ids, never emails
    expect(bodies.find((body) => body.event === "export.finished").data).toMatchObject({
      campaignId,
      export: { id: exported.result.id, format: "raw" },
    });
    const [{ queued }] = await queryRows<{ queued: number }>(
      database.db,
      sql`select count(*)::int as queued from jobs
          join webhook_deliveries on webhook_deliveries.id::text = jobs.payload->>'deliveryId'
          where webhook_deliveries.webhook_id = ${webhook.id} and jobs.status = 'queued'`,
    );
    expect(queued).toBe(2);
    await deleteWebhook(database.db, { webhookId: webhook.id }, admin.actor);
  });
});
