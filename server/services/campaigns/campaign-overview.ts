// Everything the admin's campaign page shows: settings, variants, batches with their counts,
// members, the setup checklist, and how many members acknowledged the current guidelines.
import { and, asc, desc, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import {
  annotatorRollups,
  batches,
  campaignMembers,
  guidelineAcknowledgements,
  modelVariants,
  users,
} from "@/db/schema";
import { findCampaign } from "./campaign-access";

export async function getCampaignOverview(db: Db, input: { campaignId: string }) {
  const campaign = await findCampaign(db, input.campaignId);
  const [variants, batchRows, batchCounts, members, acknowledged] = await Promise.all([
    db
      .select()
      .from(modelVariants)
      .where(eq(modelVariants.campaignId, campaign.id))
      .orderBy(asc(modelVariants.name)),
    db.select().from(batches).where(eq(batches.campaignId, campaign.id)).orderBy(desc(batches.number)),
    db
      .select({
        batchId: annotatorRollups.batchId,
        comparisons: sql<number>`sum(${annotatorRollups.comparisons})::int`,
      })
      .from(annotatorRollups)
      .where(and(eq(annotatorRollups.campaignId, campaign.id), eq(annotatorRollups.source, "primary")))
      .groupBy(annotatorRollups.batchId),
    db
      .select({ id: users.id, email: users.email, name: users.name, role: users.role })
      .from(campaignMembers)
      .innerJoin(users, eq(users.id, campaignMembers.userId))
      .where(eq(campaignMembers.campaignId, campaign.id))
      .orderBy(asc(users.email)),
    db
      .select({ people: sql<number>`count(*)::int` })
      .from(guidelineAcknowledgements)
      .where(
        and(
          eq(guidelineAcknowledgements.campaignId, campaign.id),
          eq(guidelineAcknowledgements.version, campaign.guidelinesVersion),
        ),
      ),
  ]);
  const activeVariants = variants.filter((variant) => variant.isActive).length;
  const setup = {
    hasVariants: activeVariants >= 2,
    hasMembers: campaign.membership === "all" || members.length > 0,
    hasGuidelines: campaign.guidelines.trim() !== "",
    hasOpenBatch: batchRows.some((batch) => batch.status === "open"),
  };
  const countOf = new Map(batchCounts.map((row) => [row.batchId, Number(row.comparisons)]));
  const variantNames = new Map(variants.map((variant) => [variant.id, variant.name]));
  return {
    campaign,
    variants,
    batches: batchRows.map((batch) => ({
      ...batch,
      comparisons: countOf.get(batch.id) ?? 0,
      versions: Object.entries(batch.variantVersions).map(([variantId, version]) => ({
        variant: variantNames.get(variantId) ?? "(deleted variant)",
        version,
      })),
    })),
    members,
    /** The setup checklist, in the order an admin works through it; the first batch can open
     * once the first three hold (openNextBatch checks variants and members itself). */
    setup: { ...setup, isReadyToOpen: setup.hasVariants && setup.hasMembers && setup.hasGuidelines },
    acknowledgedCurrentGuidelines: Number(acknowledged[0]?.people ?? 0),
  };
}
