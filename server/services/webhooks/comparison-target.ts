// A campaign's target number of comparisons and the "quota.reached" webhook event. The submit
// that brings the count to the target stamps target_reached_at with a conditional update, so
// the event is queued exactly once however many submits race (and again only for a new target).
// A submit whose process dies before this step leaves the stamp empty; the next submit sends it.
import { and, count, eq, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { campaigns, comparisons, type Campaign } from "@/db/schema";
import type { SessionUser } from "@/server/auth/session-user";
import { recordAudit } from "../audit/record-audit";
import { findCampaign, requireNotArchived } from "../campaigns/campaign-access";
import { emitWebhookEvent } from "./deliver-webhook";

export const SetComparisonTargetInput = z.object({
  campaignId: z.uuid("That is not a valid campaign id."),
  targetComparisons: z
    .number()
    .int()
    .min(1, "The target must be at least 1 comparison, or empty for none.")
    .max(100_000_000, "The target can be at most 100,000,000 comparisons.")
    .nullable(),
});
export type SetComparisonTargetInput = z.input<typeof SetComparisonTargetInput>;

export async function setComparisonTarget(
  db: Db,
  rawInput: SetComparisonTargetInput,
  actor: Pick<SessionUser, "id">,
) {
  const input = SetComparisonTargetInput.parse(rawInput);
  const campaign = await db.transaction(async (tx) => {
    const current = await findCampaign(tx, input.campaignId, { lock: true });
    requireNotArchived(current);
    if (current.targetComparisons === input.targetComparisons) return current;
    const [updated] = await tx
      .update(campaigns)
      .set({ targetComparisons: input.targetComparisons, targetReachedAt: null, updatedAt: new Date() })
      .where(eq(campaigns.id, current.id))
      .returning();
    await recordAudit(tx, {
      actorId: actor.id,
      action: "campaign.updated",
      targetType: "campaign",
      targetId: current.id,
      details: { targetComparisons: { from: current.targetComparisons, to: input.targetComparisons } },
    });
    return updated;
  });
  // A target at or below what is collected already is reached now.
  await noteComparisonTarget(db, campaign);
  return { targetComparisons: campaign.targetComparisons };
}

/** After a submit: sends "quota.reached" when the campaign's comparisons reach its target. */
export async function noteComparisonTarget(
  db: Db,
  campaign: Pick<Campaign, "id" | "targetComparisons" | "targetReachedAt">,
) {
  const target = campaign.targetComparisons;
  if (target === null || campaign.targetReachedAt !== null) return;
  const [{ collected }] = await db
    .select({ collected: count() })
    .from(comparisons)
    .where(eq(comparisons.campaignId, campaign.id));
  if (collected < target) return;
  await db.transaction(async (tx) => {
    const [reached] = await tx
      .update(campaigns)
      .set({ targetReachedAt: sql`now()` })
      .where(
        and(
          eq(campaigns.id, campaign.id),
          eq(campaigns.targetComparisons, target),
          isNull(campaigns.targetReachedAt),
        ),
      )
      .returning({ reachedAt: campaigns.targetReachedAt });
    if (!reached) return; // another submit got there first
    await emitWebhookEvent(tx, campaign.id, "quota.reached", {
      target,
      comparisons: collected,
      reachedAt: reached.reachedAt,
    });
  });
}

export const ComparisonTargetInput = z.object({ campaignId: z.uuid("That is not a valid campaign id.") });

export async function getComparisonTarget(db: Db, rawInput: z.input<typeof ComparisonTargetInput>) {
  const campaign = await findCampaign(db, ComparisonTargetInput.parse(rawInput).campaignId);
  return { targetComparisons: campaign.targetComparisons, targetReachedAt: campaign.targetReachedAt };
}
