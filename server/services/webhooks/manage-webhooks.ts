// An admin's webhooks on a campaign: add one (the signing secret is shown once), remove one,
// list them with their recent deliveries, and send a test event. Each change is audit-logged.
import { desc, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { webhookDeliveries, webhooks } from "@/db/schema";
import { WEBHOOK_EVENTS } from "@/lib/constants";
import type { SessionUser } from "@/server/auth/session-user";
import { NotFoundError } from "@/server/errors";
import { type AuditAction, recordAudit } from "../audit/record-audit";
import { findCampaign } from "../campaigns/campaign-access";
import { queueWebhookDelivery } from "./deliver-webhook";
import { encryptWebhookSecret, generateWebhookSecret } from "./webhook-secret";

const RECENT_DELIVERIES = 20;
const WEBHOOK_NOT_FOUND = "That webhook does not exist (it may have been removed). Reload the page.";

export const CampaignWebhooksInput = z.object({ campaignId: z.uuid("That is not a valid campaign id.") });

export const CreateWebhookInput = z.object({
  campaignId: z.uuid("That is not a valid campaign id."),
  url: z
    .url({ protocol: /^https?$/, message: "Enter an http:// or https:// URL." })
    .max(2000, "A webhook URL can be at most 2000 characters long."),
  events: z
    .array(z.enum(WEBHOOK_EVENTS))
    .min(1, "Choose at least one event.")
    .transform((events) => [...new Set(events)]),
});
export type CreateWebhookInput = z.input<typeof CreateWebhookInput>;

export const WebhookIdInput = z.object({ webhookId: z.uuid("That is not a valid webhook id.") });

export const SetWebhookActiveInput = WebhookIdInput.extend({ isActive: z.boolean() });

export async function createWebhook(db: Db, rawInput: CreateWebhookInput, actor: Pick<SessionUser, "id">) {
  const input = CreateWebhookInput.parse(rawInput);
  const { secret, prefix } = generateWebhookSecret();
  return db.transaction(async (tx) => {
    await findCampaign(tx, input.campaignId);
    const [webhook] = await tx
      .insert(webhooks)
      .values({
        campaignId: input.campaignId,
        url: input.url,
        events: input.events,
        secretEncrypted: encryptWebhookSecret(secret),
        secretPrefix: prefix,
        createdById: actor.id,
      })
      .returning({ id: webhooks.id });
    await recordAudit(tx, {
      actorId: actor.id,
      action: "webhook.created",
      targetType: "webhook",
      targetId: webhook.id,
      details: { campaignId: input.campaignId, url: input.url, events: input.events },
    });
    return { id: webhook.id, secret };
  });
}

/**
 * One change to an existing webhook, in a transaction with its audit entry (the entry names the
 * campaign beside the change's own details).
 */
async function changeWebhook<T>(
  db: Db,
  webhookId: string,
  actor: Pick<SessionUser, "id">,
  change: (
    tx: Db,
    webhook: typeof webhooks.$inferSelect,
  ) => Promise<{ action: AuditAction; details?: Record<string, unknown>; result: T }>,
): Promise<T> {
  return db.transaction(async (tx) => {
    const [webhook] = await tx.select().from(webhooks).where(eq(webhooks.id, webhookId));
    if (!webhook) throw new NotFoundError(WEBHOOK_NOT_FOUND);
    const { action, details, result } = await change(tx, webhook);
    await recordAudit(tx, {
      actorId: actor.id,
      action,
      targetType: "webhook",
      targetId: webhook.id,
      details: { campaignId: webhook.campaignId, ...details },
    });
    return result;
  });
}

export async function deleteWebhook(
  db: Db,
  rawInput: z.input<typeof WebhookIdInput>,
  actor: Pick<SessionUser, "id">,
) {
  const input = WebhookIdInput.parse(rawInput);
  await changeWebhook(db, input.webhookId, actor, async (tx, webhook) => {
    await tx.delete(webhooks).where(eq(webhooks.id, webhook.id));
    return { action: "webhook.deleted", details: { url: webhook.url }, result: undefined };
  });
}

/** A paused webhook gets no new events; deliveries already queued end as failed. */
export async function setWebhookActive(
  db: Db,
  rawInput: z.input<typeof SetWebhookActiveInput>,
  actor: Pick<SessionUser, "id">,
) {
  const input = SetWebhookActiveInput.parse(rawInput);
  await changeWebhook(db, input.webhookId, actor, async (tx, webhook) => {
    await tx.update(webhooks).set({ isActive: input.isActive }).where(eq(webhooks.id, webhook.id));
    return {
      action: input.isActive ? "webhook.resumed" : "webhook.paused",
      details: { url: webhook.url },
      result: undefined,
    };
  });
}

/** Queues a "test" event to the webhook, whatever it subscribes to. */
export async function sendTestWebhookEvent(
  db: Db,
  rawInput: z.input<typeof WebhookIdInput>,
  actor: Pick<SessionUser, "id">,
) {
  const input = WebhookIdInput.parse(rawInput);
  return changeWebhook(db, input.webhookId, actor, async (tx, webhook) => {
    const delivery = await queueWebhookDelivery(tx, webhook.id, "test", { campaignId: webhook.campaignId });
    return {
      action: "webhook.test_sent",
      details: { deliveryId: delivery.id },
      result: { deliveryId: delivery.id },
    };
  });
}

/** The campaign's webhooks (never their secrets) with their latest deliveries. */
export async function listWebhooks(db: Db, rawInput: z.input<typeof CampaignWebhooksInput>) {
  const input = CampaignWebhooksInput.parse(rawInput);
  await findCampaign(db, input.campaignId);
  const rows = await db
    .select({
      id: webhooks.id,
      url: webhooks.url,
      events: webhooks.events,
      secretPrefix: webhooks.secretPrefix,
      isActive: webhooks.isActive,
      createdAt: webhooks.createdAt,
    })
    .from(webhooks)
    .where(eq(webhooks.campaignId, input.campaignId))
    .orderBy(webhooks.createdAt);
  // One small query per webhook (a campaign has a few), so a busy one cannot crowd out the others.
  return Promise.all(
    rows.map(async (row) => ({
      ...row,
      deliveries: await db
        .select({
          id: webhookDeliveries.id,
          event: webhookDeliveries.event,
          status: webhookDeliveries.status,
          attempts: webhookDeliveries.attempts,
          responseStatus: webhookDeliveries.responseStatus,
          error: webhookDeliveries.error,
          createdAt: webhookDeliveries.createdAt,
          lastAttemptAt: webhookDeliveries.lastAttemptAt,
          deliveredAt: webhookDeliveries.deliveredAt,
        })
        .from(webhookDeliveries)
        .where(eq(webhookDeliveries.webhookId, row.id))
        .orderBy(desc(webhookDeliveries.createdAt))
        .limit(RECENT_DELIVERIES),
    })),
  );
}
