// The annotator's own figures per campaign: comparisons and what review decided, time worked,
// earnings where the campaign sets a rate, gold accuracy and agreement with other annotators.
// Gold and agreement count only pair tasks finished before today (UTC): a figure that moved
// right after a submit would tell the annotator which task was a gold check.
import { and, eq, lt, max, or, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { campaigns, comparisons, pairTasks } from "@/db/schema";
import type { SessionUser } from "@/server/auth/session-user";

/** Campaigns shown, most recently worked first. */
const MAX_CAMPAIGNS = 100;

export interface CampaignWork {
  campaignId: string;
  campaignName: string;
  comparisons: number;
  accepted: number;
  rejected: number;
  pendingReview: number;
  timeSpentMs: number;
  lastWorkedAt: Date;
  /** Null when the campaign sets no rate. Rejected comparisons earn nothing. */
  earnings: { amount: number; unit: string; ratePerComparison: number } | null;
  /** Gold checks rated before today; accuracy null without any. */
  gold: { rated: number; accuracy: number | null };
  /** Pair ratings of the same turn by you and another annotator, finished before today. */
  agreement: { items: number; percentAgreement: number | null };
}

export function startOfUtcDay(now: Date) {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

/** Amounts in hundredths, so a rate of 0.10 times 3 is 0.30 exactly. */
function earned(rate: number | null, unit: string, counted: number) {
  if (rate === null) return null;
  return { amount: (Math.round(rate * 100) * counted) / 100, unit, ratePerComparison: rate };
}

export async function getWorkSummary(db: Db, actor: Pick<SessionUser, "id">, now = new Date()) {
  const cutoff = startOfUtcDay(now);
  const [work, gold, agreement] = await Promise.all([
    db
      .select({
        campaignId: comparisons.campaignId,
        campaignName: campaigns.name,
        ratePerComparison: campaigns.ratePerComparison,
        rateUnit: campaigns.rateUnit,
        comparisons: sql<number>`count(*)::int`,
        accepted: sql<number>`count(*) filter (where ${comparisons.reviewStatus} = 'accepted')::int`,
        rejected: sql<number>`count(*) filter (where ${comparisons.reviewStatus} = 'rejected')::int`,
        timeSpentMs: sql<number>`coalesce(sum(${comparisons.timeSpentMs}), 0)::float8`,
        lastWorkedAt: max(comparisons.createdAt),
      })
      .from(comparisons)
      .innerJoin(campaigns, eq(campaigns.id, comparisons.campaignId))
      .where(eq(comparisons.annotatorId, actor.id))
      .groupBy(comparisons.campaignId, campaigns.id)
      .orderBy(sql`max(${comparisons.createdAt}) desc`)
      .limit(MAX_CAMPAIGNS),
    db
      .select({
        campaignId: pairTasks.campaignId,
        rated: sql<number>`count(*)::int`,
        correct: sql<number>`count(*) filter (where ${pairTasks.resultSide} = ${pairTasks.referenceSide})::int`,
      })
      .from(pairTasks)
      .where(
        and(
          eq(pairTasks.annotatorId, actor.id),
          eq(pairTasks.kind, "gold"),
          eq(pairTasks.status, "done"),
          lt(pairTasks.completedAt, cutoff),
        ),
      )
      .groupBy(pairTasks.campaignId),
    db
      .select({
        campaignId: pairTasks.campaignId,
        items: sql<number>`count(*)::int`,
        agreeing: sql<number>`count(*) filter (where ${pairTasks.resultSide} = ${pairTasks.referenceSide})::int`,
      })
      .from(pairTasks)
      .where(
        and(
          or(eq(pairTasks.annotatorId, actor.id), eq(pairTasks.sourceAnnotatorId, actor.id)),
          eq(pairTasks.kind, "overlap"),
          eq(pairTasks.status, "done"),
          lt(pairTasks.completedAt, cutoff),
        ),
      )
      .groupBy(pairTasks.campaignId),
  ]);
  const goldByCampaign = new Map(gold.map((row) => [row.campaignId, row]));
  const agreementByCampaign = new Map(agreement.map((row) => [row.campaignId, row]));
  const campaignsWorked: CampaignWork[] = work.map((row) => {
    const goldRow = goldByCampaign.get(row.campaignId);
    const agreementRow = agreementByCampaign.get(row.campaignId);
    return {
      campaignId: row.campaignId,
      campaignName: row.campaignName,
      comparisons: row.comparisons,
      accepted: row.accepted,
      rejected: row.rejected,
      pendingReview: row.comparisons - row.accepted - row.rejected,
      timeSpentMs: Number(row.timeSpentMs),
      lastWorkedAt: row.lastWorkedAt!,
      earnings: earned(row.ratePerComparison, row.rateUnit, row.comparisons - row.rejected),
      gold: {
        rated: goldRow?.rated ?? 0,
        accuracy: goldRow ? goldRow.correct / goldRow.rated : null,
      },
      agreement: {
        items: agreementRow?.items ?? 0,
        percentAgreement: agreementRow ? agreementRow.agreeing / agreementRow.items : null,
      },
    };
  });
  const earningsByUnit: Record<string, number> = {};
  for (const campaign of campaignsWorked) {
    if (!campaign.earnings) continue;
    const { unit, amount } = campaign.earnings;
    earningsByUnit[unit] = Math.round(((earningsByUnit[unit] ?? 0) + amount) * 100) / 100;
  }
  return {
    campaigns: campaignsWorked,
    totals: {
      comparisons: campaignsWorked.reduce((sum, campaign) => sum + campaign.comparisons, 0),
      timeSpentMs: campaignsWorked.reduce((sum, campaign) => sum + campaign.timeSpentMs, 0),
      earningsByUnit,
    },
    /** Gold and agreement count pair tasks finished before this moment. */
    qualityCountedBefore: cutoff,
  };
}
