// The dashboard's per-annotator table: comparisons, median time, skip/report rate, agreement
// on overlap items, gold accuracy and review rejections — sortable by any column, paginated.
import { and, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import {
  annotatorRollups,
  conversations,
  pairTasks,
  problemReports,
  timeSpentRollups,
  users,
} from "@/db/schema";
import { findCampaign } from "../campaigns/campaign-access";
import { PageInput, toPage } from "../pagination";
import { getAnnotatorAgreement, getGoldAccuracy } from "../quality/agreement";
import { medianFromBuckets } from "./time-buckets";

const ANNOTATOR_SORT_KEYS = [
  "email",
  "comparisons",
  "pairRatings",
  "medianTimeMs",
  "skipReportRate",
  "agreement",
  "alpha",
  "goldAccuracy",
  "rejected",
  "rejectionRate",
] as const;

export const ListAnnotatorStatsInput = PageInput.extend({
  campaignId: z.uuid("That is not a valid campaign id."),
  batchId: z.uuid().optional(),
  sort: z.enum(ANNOTATOR_SORT_KEYS).default("comparisons"),
  direction: z.enum(["asc", "desc"]).default("desc"),
});
export type ListAnnotatorStatsInput = z.input<typeof ListAnnotatorStatsInput>;

export interface AnnotatorStats {
  annotatorId: string;
  email: string;
  name: string;
  comparisons: number;
  pairRatings: number;
  medianTimeMs: number | null;
  problemReports: number;
  skippedPairs: number;
  skipReportRate: number | null;
  agreementItems: number;
  agreement: number | null;
  alpha: number | null;
  goldRated: number;
  goldAccuracy: number | null;
  rejected: number;
  rejectionRate: number | null;
}

export async function listAnnotatorStats(db: Db, rawInput: ListAnnotatorStatsInput) {
  const input = ListAnnotatorStatsInput.parse(rawInput);
  const campaign = await findCampaign(db, input.campaignId);
  const [counts, times, reports, skipped, agreement, gold] = await Promise.all([
    db
      .select({
        annotatorId: annotatorRollups.annotatorId,
        source: annotatorRollups.source,
        reviewStatus: annotatorRollups.reviewStatus,
        comparisons: sql<number>`sum(${annotatorRollups.comparisons})::int`,
      })
      .from(annotatorRollups)
      .where(
        and(
          eq(annotatorRollups.campaignId, campaign.id),
          input.batchId ? eq(annotatorRollups.batchId, input.batchId) : undefined,
        ),
      )
      .groupBy(annotatorRollups.annotatorId, annotatorRollups.source, annotatorRollups.reviewStatus),
    db
      .select({
        annotatorId: timeSpentRollups.annotatorId,
        bucket: timeSpentRollups.bucket,
        count: sql<number>`sum(${timeSpentRollups.comparisons})::int`,
      })
      .from(timeSpentRollups)
      .where(
        and(
          eq(timeSpentRollups.campaignId, campaign.id),
          input.batchId ? eq(timeSpentRollups.batchId, input.batchId) : undefined,
        ),
      )
      .groupBy(timeSpentRollups.annotatorId, timeSpentRollups.bucket),
    db
      .select({ annotatorId: problemReports.annotatorId, count: sql<number>`count(*)::int` })
      .from(problemReports)
      .innerJoin(conversations, eq(conversations.id, problemReports.conversationId))
      .where(
        and(
          eq(problemReports.campaignId, campaign.id),
          input.batchId ? eq(conversations.batchId, input.batchId) : undefined,
        ),
      )
      .groupBy(problemReports.annotatorId),
    db
      .select({ annotatorId: pairTasks.annotatorId, count: sql<number>`count(*)::int` })
      .from(pairTasks)
      .where(
        and(
          eq(pairTasks.campaignId, campaign.id),
          inArray(pairTasks.kind, ["overlap", "gold"]),
          eq(pairTasks.status, "skipped"),
          input.batchId ? eq(pairTasks.batchId, input.batchId) : undefined,
        ),
      )
      .groupBy(pairTasks.annotatorId),
    getAnnotatorAgreement(db, input),
    getGoldAccuracy(db, input),
  ]);

  const stats = new Map<string, AnnotatorStats>();
  const entry = (annotatorId: string) => {
    let row = stats.get(annotatorId);
    if (!row) {
      row = {
        annotatorId,
        email: "",
        name: "",
        comparisons: 0,
        pairRatings: 0,
        medianTimeMs: null,
        problemReports: 0,
        skippedPairs: 0,
        skipReportRate: null,
        agreementItems: 0,
        agreement: null,
        alpha: null,
        goldRated: 0,
        goldAccuracy: null,
        rejected: 0,
        rejectionRate: null,
      };
      stats.set(annotatorId, row);
    }
    return row;
  };
  const reviewed = new Map<string, number>();
  for (const row of counts) {
    const stat = entry(row.annotatorId);
    const count = Number(row.comparisons);
    if (row.source === "primary") {
      stat.comparisons += count;
      if (row.reviewStatus !== "pending")
        reviewed.set(row.annotatorId, (reviewed.get(row.annotatorId) ?? 0) + count);
      if (row.reviewStatus === "rejected") stat.rejected += count;
    } else {
      stat.pairRatings += count;
    }
  }
  const buckets = new Map<string, { bucket: number; count: number }[]>();
  for (const row of times) {
    buckets.set(row.annotatorId, [
      ...(buckets.get(row.annotatorId) ?? []),
      { bucket: Number(row.bucket), count: Number(row.count) },
    ]);
  }
  for (const [annotatorId, list] of buckets) entry(annotatorId).medianTimeMs = medianFromBuckets(list);
  for (const row of reports) entry(row.annotatorId).problemReports = Number(row.count);
  for (const row of skipped) entry(row.annotatorId).skippedPairs = Number(row.count);
  for (const [annotatorId, figures] of Object.entries(agreement)) {
    const stat = entry(annotatorId);
    stat.agreementItems = figures.items;
    stat.agreement = figures.percentAgreement;
    stat.alpha = figures.alpha;
  }
  for (const row of gold) {
    const stat = entry(row.annotatorId);
    stat.goldRated = row.rated;
    stat.goldAccuracy = row.accuracy;
  }
  for (const stat of stats.values()) {
    const skipsAndReports = stat.problemReports + stat.skippedPairs;
    const attempts = stat.comparisons + stat.pairRatings + skipsAndReports;
    stat.skipReportRate = attempts ? skipsAndReports / attempts : null;
    const decided = reviewed.get(stat.annotatorId) ?? 0;
    stat.rejectionRate = decided ? stat.rejected / decided : null;
  }
  if (stats.size > 0) {
    const people = await db
      .select({ id: users.id, email: users.email, name: users.name })
      .from(users)
      .where(inArray(users.id, [...stats.keys()]));
    for (const person of people) {
      const stat = stats.get(person.id)!;
      stat.email = person.email;
      stat.name = person.name;
    }
  }

  const sign = input.direction === "asc" ? 1 : -1;
  const sorted = [...stats.values()].sort((a, b) => {
    const x = a[input.sort];
    const y = b[input.sort];
    // Missing figures sort last either way.
    if (x === null || y === null) return x === y ? a.email.localeCompare(b.email) : x === null ? 1 : -1;
    const order = typeof x === "string" ? x.localeCompare(y as string) : (x as number) - (y as number);
    return order === 0 ? a.email.localeCompare(b.email) : sign * order;
  });
  const start = (input.page - 1) * input.pageSize;
  return toPage(sorted.slice(start, start + input.pageSize), sorted.length, input);
}
