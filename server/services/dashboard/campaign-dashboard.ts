// The campaign dashboard: comparisons per day and per batch, the strength distribution per
// batch (the Llama 2 paper's Figure 25), safety-bin shares, median time per comparison, review
// outcomes and agreement. Read from the rollups (db/schema/rollups.ts), so the cost does not
// grow with the number of comparisons.
import { and, asc, eq, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { batches, comparisonDailyRollups, timeSpentRollups, type ComparisonSource } from "@/db/schema";
import { SAFETY_BINS, STRENGTHS, type SafetyBin, type Strength } from "@/lib/constants";
import { findCampaign } from "../campaigns/campaign-access";
import { getBatchAgreement, getGoldAccuracy } from "../quality/agreement";
import { medianFromBuckets } from "./time-buckets";

export const DashboardInput = z.object({
  campaignId: z.uuid("That is not a valid campaign id."),
  batchId: z.uuid().optional(),
});
export type DashboardInput = z.infer<typeof DashboardInput>;

type StrengthCounts = Record<Strength, number>;
const noStrengths = (): StrengthCounts =>
  Object.fromEntries(STRENGTHS.map((strength) => [strength, 0])) as StrengthCounts;

export async function getCampaignDashboard(db: Db, rawInput: DashboardInput) {
  const input = DashboardInput.parse(rawInput);
  const campaign = await findCampaign(db, input.campaignId);
  const dailyWhere: SQL[] = [eq(comparisonDailyRollups.campaignId, campaign.id)];
  const timeWhere: SQL[] = [eq(timeSpentRollups.campaignId, campaign.id)];
  if (input.batchId) {
    dailyWhere.push(eq(comparisonDailyRollups.batchId, input.batchId));
    timeWhere.push(eq(timeSpentRollups.batchId, input.batchId));
  }
  const [batchRows, daily, times, agreement, gold] = await Promise.all([
    db
      .select({ id: batches.id, number: batches.number, label: batches.label, status: batches.status })
      .from(batches)
      .where(eq(batches.campaignId, campaign.id))
      .orderBy(asc(batches.number)),
    db
      .select({
        batchId: comparisonDailyRollups.batchId,
        day: comparisonDailyRollups.day,
        source: comparisonDailyRollups.source,
        strength: comparisonDailyRollups.strength,
        safetyBin: comparisonDailyRollups.safetyBin,
        reviewStatus: comparisonDailyRollups.reviewStatus,
        comparisons: comparisonDailyRollups.comparisons,
      })
      .from(comparisonDailyRollups)
      .where(and(...dailyWhere)),
    db
      .select({
        batchId: timeSpentRollups.batchId,
        bucket: timeSpentRollups.bucket,
        count: sql<number>`sum(${timeSpentRollups.comparisons})::int`,
      })
      .from(timeSpentRollups)
      .where(and(...timeWhere))
      .groupBy(timeSpentRollups.batchId, timeSpentRollups.bucket),
    getBatchAgreement(db, input),
    getGoldAccuracy(db, input),
  ]);

  const perDay = new Map<string, Record<ComparisonSource, number>>();
  const perBatch = new Map<string, { primary: number; ratings: number; strengths: StrengthCounts }>();
  const safetyBins = new Map<SafetyBin, number>(SAFETY_BINS.map((bin) => [bin, 0]));
  const review = { pending: 0, accepted: 0, rejected: 0 };
  let primary = 0;
  let ratings = 0;
  for (const row of daily) {
    const count = Number(row.comparisons);
    const day = perDay.get(row.day) ?? { primary: 0, overlap: 0, gold: 0 };
    day[row.source] += count;
    perDay.set(row.day, day);
    const batch = perBatch.get(row.batchId) ?? { primary: 0, ratings: 0, strengths: noStrengths() };
    if (row.source === "primary") {
      primary += count;
      batch.primary += count;
      batch.strengths[row.strength] += count;
      review[row.reviewStatus] += count;
      if (row.safetyBin)
        safetyBins.set(row.safetyBin as SafetyBin, (safetyBins.get(row.safetyBin as SafetyBin) ?? 0) + count);
    } else {
      ratings += count;
      batch.ratings += count;
    }
    perBatch.set(row.batchId, batch);
  }

  const timesByBatch = new Map<string, { bucket: number; count: number }[]>();
  for (const row of times) {
    const list = timesByBatch.get(row.batchId) ?? [];
    list.push({ bucket: Number(row.bucket), count: Number(row.count) });
    timesByBatch.set(row.batchId, list);
  }
  const allTimes = new Map<number, number>();
  for (const row of times)
    allTimes.set(Number(row.bucket), (allTimes.get(Number(row.bucket)) ?? 0) + Number(row.count));

  const shownBatches = batchRows.filter((batch) => !input.batchId || batch.id === input.batchId);
  const safetyTotal = [...safetyBins.values()].reduce((sum, count) => sum + count, 0);
  return {
    campaign: { id: campaign.id, name: campaign.name, kind: campaign.kind, status: campaign.status },
    batches: batchRows,
    totals: {
      comparisons: primary,
      pairRatings: ratings,
      review,
      medianTimeMs: medianFromBuckets([...allTimes].map(([bucket, count]) => ({ bucket, count }))),
    },
    perDay: [...perDay].sort(([a], [b]) => a.localeCompare(b)).map(([day, counts]) => ({ day, ...counts })),
    perBatch: shownBatches.map((batch) => {
      const counts = perBatch.get(batch.id) ?? { primary: 0, ratings: 0, strengths: noStrengths() };
      return {
        batchId: batch.id,
        label: batch.label || `Batch ${batch.number}`,
        number: batch.number,
        comparisons: counts.primary,
        pairRatings: counts.ratings,
        strengths: counts.strengths,
        /** Shares of each strength among the batch's comparisons (0 when it has none). */
        strengthShares: Object.fromEntries(
          STRENGTHS.map((strength) => [
            strength,
            counts.primary ? counts.strengths[strength] / counts.primary : 0,
          ]),
        ) as Record<Strength, number>,
        medianTimeMs: medianFromBuckets(timesByBatch.get(batch.id) ?? []),
        agreement: agreement.byBatch[batch.id] ?? { items: 0, percentAgreement: null, alpha: null },
      };
    }),
    safetyBins:
      campaign.kind === "safety"
        ? SAFETY_BINS.map((bin) => ({
            bin,
            comparisons: safetyBins.get(bin) ?? 0,
            share: safetyTotal ? (safetyBins.get(bin) ?? 0) / safetyTotal : 0,
          }))
        : [],
    agreement: agreement.overall,
    gold: {
      rated: gold.reduce((sum, row) => sum + row.rated, 0),
      accuracy: (() => {
        const rated = gold.reduce((sum, row) => sum + row.rated, 0);
        const correct = gold.reduce((sum, row) => sum + (row.accuracy ?? 0) * row.rated, 0);
        return rated ? correct / rated : null;
      })(),
    },
  };
}
