// Webhook events: recorded as deliveries and queued in the transaction of what happened, then
// POSTed by the job queue's workers (server/services/jobs), signed, through the outbound address
// policy, retried with the queue's exponential backoff. A delivery keeps its id on every retry
// (the Arbiter-Delivery header), so a receiver can drop a duplicate.
import crypto from "node:crypto";
import { and, arrayContains, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { webhookDeliveries, webhooks } from "@/db/schema";
import { env } from "@/server/env";
import { log } from "@/server/log";
import { createOutboundFetch, type Fetch } from "@/server/net/outbound-fetch";
import { OutboundPolicy, OutboundRefusedError } from "@/server/net/outbound-policy";
import type { WebhookEvent } from "@/lib/constants";
import { defineJob, type JobContext } from "../jobs/define-job";
import { enqueueJob } from "../jobs/enqueue-job";
import { decryptWebhookSecret, signWebhookBody } from "./webhook-secret";

/** How long one attempt waits for the receiver's answer. */
export const WEBHOOK_TIMEOUT_MS = 10_000;
/** Attempts before a delivery is marked failed; with the queue's backoff the last is ~2.5 min after the first. */
export const WEBHOOK_MAX_ATTEMPTS = 5;

export interface WebhookTransport {
  fetch: Fetch;
  timeoutMs: number;
}

/** Records a delivery of `event` to one webhook and queues it; call inside the event's transaction. */
export async function queueWebhookDelivery(
  tx: Db,
  webhookId: string,
  event: WebhookEvent | "test",
  data: Record<string, unknown>,
) {
  const id = crypto.randomUUID();
  const body = JSON.stringify({ id, event, createdAt: new Date().toISOString(), data });
  const [delivery] = await tx.insert(webhookDeliveries).values({ id, webhookId, event, body }).returning();
  await enqueueJob(tx, webhookDeliveryJob, { deliveryId: id });
  return delivery;
}

/** Queues `event` to every active webhook of the campaign that subscribes to it. */
export async function emitWebhookEvent(
  tx: Db,
  campaignId: string,
  event: WebhookEvent,
  data: Record<string, unknown>,
) {
  const subscribed = await tx
    .select({ id: webhooks.id })
    .from(webhooks)
    .where(
      and(
        eq(webhooks.campaignId, campaignId),
        eq(webhooks.isActive, true),
        arrayContains(webhooks.events, [event]),
      ),
    );
  for (const webhook of subscribed)
    await queueWebhookDelivery(tx, webhook.id, event, { campaignId, ...data });
}

/** What went wrong, for admins: the HTTP status, the refusal or the network error, never a body. */
function describeFailure(error: unknown): string {
  if (error instanceof OutboundRefusedError) return error.message;
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `The receiver did not answer within ${WEBHOOK_TIMEOUT_MS / 1000} seconds.`;
  }
  let code: unknown;
  for (let cause = error, depth = 0; cause instanceof Error && depth < 8; cause = cause.cause, depth++) {
    code = (cause as { code?: unknown }).code ?? code;
  }
  return typeof code === "string" ? `The request failed (${code}).` : "The request failed.";
}

const SECRET_UNREADABLE =
  "The webhook's secret cannot be read (the session secret changed since it was added). Remove the webhook and add it again.";

function readSecret(stored: string): string | null {
  try {
    return decryptWebhookSecret(stored);
  } catch {
    return null;
  }
}

/** One attempt at a delivery; throws when it failed, so that the queue retries it. */
export async function deliverWebhook(
  db: Db,
  deliveryId: string,
  context: Pick<JobContext, "attempt" | "signal"> & { maxAttempts: number },
  transport: WebhookTransport,
) {
  const [found] = await db
    .select({ delivery: webhookDeliveries, webhook: webhooks })
    .from(webhookDeliveries)
    .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
    .where(eq(webhookDeliveries.id, deliveryId));
  // Removed with its webhook, or delivered by an attempt whose outcome the queue lost.
  if (!found || found.delivery.status === "delivered") return;
  const { delivery, webhook } = found;

  let responseStatus: number | null = null;
  let error: string | null = null;
  const secret = readSecret(webhook.secretEncrypted);
  if (!webhook.isActive) error = "The webhook was paused before this delivery was sent.";
  else if (secret === null) error = SECRET_UNREADABLE;
  else {
    try {
      const response = await transport.fetch(webhook.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "Arbiter-Webhooks",
          "arbiter-event": delivery.event,
          "arbiter-delivery": delivery.id,
          "arbiter-signature": signWebhookBody(secret, delivery.body, Math.floor(Date.now() / 1000)),
        },
        body: delivery.body,
        signal: AbortSignal.any([context.signal, AbortSignal.timeout(transport.timeoutMs)]),
      });
      responseStatus = response.status;
      await response.body?.cancel();
      if (!response.ok) error = `The receiver answered HTTP ${response.status}.`;
    } catch (failure) {
      // A drain: the queue puts the job back and another worker makes this attempt again.
      if (context.signal.aborted) throw failure;
      error = describeFailure(failure);
    }
  }

  // Retrying cannot help a paused webhook or one whose secret cannot be read.
  const isLast = context.attempt >= context.maxAttempts || !webhook.isActive || secret === null;
  const status = error === null ? "delivered" : isLast ? "failed" : "retrying";
  await db
    .update(webhookDeliveries)
    .set({
      status,
      attempts: context.attempt,
      responseStatus,
      error,
      lastAttemptAt: new Date(),
      ...(error === null ? { deliveredAt: new Date() } : {}),
    })
    .where(eq(webhookDeliveries.id, delivery.id));
  log.info(`Webhook delivery ${delivery.id} (${delivery.event}) attempt ${context.attempt}: ${status}`, {
    webhookId: webhook.id,
    responseStatus,
    error,
  });
  if (error !== null && !isLast) throw new Error(error);
}

/** The queue gave up on a delivery's job (its last attempt threw, or its workers kept dying):
 * the delivery ends failed with the queue's reason instead of showing "retrying" forever. */
export async function markDeliveryGivenUp(db: Db, deliveryId: string, reason: string) {
  await db
    .update(webhookDeliveries)
    .set({ status: "failed", error: `The delivery was given up: ${reason}` })
    .where(
      and(eq(webhookDeliveries.id, deliveryId), inArray(webhookDeliveries.status, ["pending", "retrying"])),
    );
}

let serverTransport: WebhookTransport | undefined;
/** The server's transport: the outbound policy the operator set (ARBITER_OUTBOUND_ALLOW). */
function webhookTransport(): WebhookTransport {
  serverTransport ??= {
    fetch: createOutboundFetch(new OutboundPolicy(env.ARBITER_OUTBOUND_ALLOW)),
    timeoutMs: WEBHOOK_TIMEOUT_MS,
  };
  return serverTransport;
}

export const WEBHOOK_DELIVERY_KIND = "webhook-delivery";
export const WebhookDeliveryPayload = z.object({ deliveryId: z.uuid() });

/** The delivery job with the given transport (tests aim it at a receiver on 127.0.0.1). */
export function webhookDeliveryJobWith(transport: () => WebhookTransport) {
  return defineJob({
    kind: WEBHOOK_DELIVERY_KIND,
    payload: WebhookDeliveryPayload,
    maxAttempts: WEBHOOK_MAX_ATTEMPTS,
    run: ({ deliveryId }, context) =>
      deliverWebhook(context.db, deliveryId, { ...context, maxAttempts: WEBHOOK_MAX_ATTEMPTS }, transport()),
    onGiveUp: ({ deliveryId }, { db, reason }) => markDeliveryGivenUp(db, deliveryId, reason),
  });
}

export const webhookDeliveryJob = webhookDeliveryJobWith(webhookTransport);
