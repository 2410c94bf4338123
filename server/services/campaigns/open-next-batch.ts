// An admin closes the campaign's current batch (if one is open) and opens the next, recording
// the version of every active variant at that moment (Llama 2 collected weekly batches, each
// tied to the model versions that generated it). Opening the first batch starts a draft campaign.
import { and, asc, count, desc, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { batches, campaignMembers, campaigns, modelVariants } from "@/db/schema";
import type { SessionUser } from "@/server/auth/session-user";
import { ValidationError } from "@/server/errors";
import { recordAudit } from "../audit/record-audit";
import { emitWebhookEvent } from "../webhooks/deliver-webhook";
import { findCampaign, requireNotArchived, requireSomeoneMayWork } from "./campaign-access";

export const OpenNextBatchInput = z.object({
  campaignId: z.uuid("That is not a valid campaign id."),
  label: z.string().trim().max(100, "A batch label can be at most 100 characters long.").default(""),
});
export type OpenNextBatchInput = z.input<typeof OpenNextBatchInput>;

export const CloseBatchInput = z.object({ campaignId: z.uuid("That is not a valid campaign id.") });
export type CloseBatchInput = z.infer<typeof CloseBatchInput>;

async function closeOpenBatch(tx: Db, campaignId: string, actorId: string) {
  const [closed] = await tx
    .update(batches)
    .set({ status: "closed", closedAt: new Date(), closedById: actorId })
    .where(and(eq(batches.campaignId, campaignId), eq(batches.status, "open")))
    .returning();
  if (closed) {
    await recordAudit(tx, {
      actorId,
      action: "batch.closed",
      targetType: "batch",
      targetId: closed.id,
      details: { campaignId, number: closed.number },
    });
    await emitWebhookEvent(tx, campaignId, "batch.closed", {
      batch: { id: closed.id, number: closed.number, label: closed.label, closedAt: closed.closedAt },
    });
  }
  return closed ?? null;
}

export async function openNextBatch(db: Db, rawInput: OpenNextBatchInput, actor: Pick<SessionUser, "id">) {
  const input = OpenNextBatchInput.parse(rawInput);
  return db.transaction(async (tx) => {
    // The campaign row lock serialises batch changes of one campaign.
    const campaign = await findCampaign(tx, input.campaignId, { lock: true });
    requireNotArchived(campaign);
    const variants = await tx
      .select()
      .from(modelVariants)
      .where(and(eq(modelVariants.campaignId, campaign.id), eq(modelVariants.isActive, true)))
      .orderBy(asc(modelVariants.name));
    if (variants.length < 2) {
      throw new ValidationError(
        "A batch needs at least two active model variants, so each turn can compare different ones. Add or activate variants first.",
      );
    }
    const [{ members }] = await tx
      .select({ members: count() })
      .from(campaignMembers)
      .where(eq(campaignMembers.campaignId, campaign.id));
    requireSomeoneMayWork(campaign, campaign.membership, members);
    const closed = await closeOpenBatch(tx, campaign.id, actor.id);
    const [last] = await tx
      .select({ number: batches.number })
      .from(batches)
      .where(eq(batches.campaignId, campaign.id))
      .orderBy(desc(batches.number))
      .limit(1);
    const number = (last?.number ?? 0) + 1;
    const [opened] = await tx
      .insert(batches)
      .values({
        campaignId: campaign.id,
        number,
        label: input.label || `Batch ${number}`,
        variantVersions: Object.fromEntries(variants.map((variant) => [variant.id, variant.versionLabel])),
        openedById: actor.id,
      })
      .returning();
    if (campaign.status === "draft") {
      await tx
        .update(campaigns)
        .set({ status: "active", updatedAt: new Date() })
        .where(eq(campaigns.id, campaign.id));
    }
    await recordAudit(tx, {
      actorId: actor.id,
      action: "batch.opened",
      targetType: "batch",
      targetId: opened.id,
      details: {
        campaignId: campaign.id,
        number,
        label: opened.label,
        versions: Object.fromEntries(variants.map((variant) => [variant.name, variant.versionLabel])),
        closedBatch: closed?.number ?? null,
      },
    });
    return { batch: opened, closedBatch: closed };
  });
}

/** Closes the open batch without opening another: collection stops until the next opens. */
export async function closeBatch(db: Db, input: CloseBatchInput, actor: Pick<SessionUser, "id">) {
  return db.transaction(async (tx) => {
    const campaign = await findCampaign(tx, input.campaignId, { lock: true });
    requireNotArchived(campaign);
    const closed = await closeOpenBatch(tx, campaign.id, actor.id);
    if (!closed) throw new ValidationError("No batch is open in this campaign.");
    return closed;
  });
}
