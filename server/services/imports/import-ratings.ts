// Bulk import of second ratings and reviews: answered "rate this pair" tasks (overlap
// re-ratings of primary comparisons, gold items met blind) and review decisions. Validated like
// the interactive services (pair-task.ts, review-comparison.ts), written with multi-row inserts.
import crypto from "node:crypto";
import { inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { bulkInsert } from "@/db/bulk-insert";
import type { Db } from "@/db/client";
import {
  comparisons,
  goldItems,
  overlapCandidates,
  pairTasks,
  responses,
  reviews,
  turns,
  type Campaign,
} from "@/db/schema";
import { STRENGTHS } from "@/lib/constants";
import { ValidationError } from "@/server/errors";
import { safetyBinOf } from "../annotation/safety-taxonomy";
import { sideOf, STRENGTH_LEVEL } from "../quality/stats/signed-strength";
import { COMPARISON_COLUMNS, ImportedTimeSpentMs } from "./import-dialogues";

export const ImportedPairRating = z
  .object({
    kind: z.enum(["overlap", "gold"]),
    /** Overlap: the primary comparison re-rated. */
    sourceComparisonId: z.uuid().optional(),
    /** Gold: the gold item met. */
    goldItemId: z.uuid().optional(),
    annotatorId: z.uuid(),
    /** Gold: the batch open when it was served (overlap takes the source's batch). */
    batchId: z.uuid().optional(),
    /** True: response at the turn's position 0 was shown as "A"; false: shown as "B". */
    firstShownFirst: z.boolean(),
    /** Which of the pair won, in the turn's position order (0 or 1). */
    chosen: z.union([z.literal(0), z.literal(1)]),
    strength: z.enum(STRENGTHS),
    /** Safety campaigns: safety of the pair, in position order. */
    responseSafety: z.tuple([z.boolean(), z.boolean()]).optional(),
    timeSpentMs: ImportedTimeSpentMs,
    createdAt: z.date(),
  })
  .refine(
    (rating) =>
      rating.kind === "overlap" ? !!rating.sourceComparisonId : !!rating.goldItemId && !!rating.batchId,
    {
      message: "An overlap rating names its source comparison; a gold rating its gold item and batch.",
    },
  );
export type ImportedPairRating = z.input<typeof ImportedPairRating>;

interface PairSource {
  turnId: string;
  conversationId: string;
  batchId: string | null;
  /** The pair in the turn's position order. */
  pair: [string, string];
  referenceSide: -1 | 1;
  referenceStrength: number | null;
  sourceAnnotatorId: string | null;
}

async function loadSources(db: Db, campaign: Campaign, ratings: z.output<typeof ImportedPairRating>[]) {
  const comparisonIds = ratings.flatMap((rating) =>
    rating.sourceComparisonId ? [rating.sourceComparisonId] : [],
  );
  const goldIds = ratings.flatMap((rating) => (rating.goldItemId ? [rating.goldItemId] : []));
  const [sourceRows, goldRows] = await Promise.all([
    comparisonIds.length
      ? db.select().from(comparisons).where(inArray(comparisons.id, comparisonIds))
      : Promise.resolve([]),
    goldIds.length ? db.select().from(goldItems).where(inArray(goldItems.id, goldIds)) : Promise.resolve([]),
  ]);
  const turnIds = [
    ...new Set([...sourceRows.map((row) => row.turnId), ...goldRows.map((row) => row.turnId)]),
  ];
  const responseRows = turnIds.length
    ? await db
        .select({ id: responses.id, turnId: responses.turnId, position: responses.position })
        .from(responses)
        .where(inArray(responses.turnId, turnIds))
    : [];
  const byTurn = new Map<string, { id: string; position: number }[]>();
  for (const row of responseRows) byTurn.set(row.turnId, [...(byTurn.get(row.turnId) ?? []), row]);
  const conversationOfTurn = new Map(sourceRows.map((row) => [row.turnId, row.conversationId]));
  const ordered = (turnId: string, a: string, b: string): [string, string] => {
    const position = new Map((byTurn.get(turnId) ?? []).map((row) => [row.id, row.position]));
    return (position.get(a) ?? 0) <= (position.get(b) ?? 0) ? [a, b] : [b, a];
  };

  const sources = new Map<string, PairSource>();
  for (const source of sourceRows) {
    if (source.campaignId !== campaign.id || source.source !== "primary") {
      throw new ValidationError("Overlap ratings re-rate primary comparisons of the same campaign.");
    }
    const pair = ordered(source.turnId, source.chosenResponseId, source.rejectedResponseId);
    sources.set(source.id, {
      turnId: source.turnId,
      conversationId: source.conversationId,
      batchId: source.batchId,
      pair,
      referenceSide: sideOf(source.chosenResponseId, pair),
      referenceStrength: STRENGTH_LEVEL[source.strength],
      sourceAnnotatorId: source.annotatorId,
    });
  }
  const goldTurns = goldRows.length
    ? await db
        .select({ turnId: turns.id, conversationId: turns.conversationId })
        .from(turns)
        .where(
          inArray(
            turns.id,
            goldRows.map((row) => row.turnId),
          ),
        )
    : [];
  for (const row of goldTurns) conversationOfTurn.set(row.turnId, row.conversationId);
  for (const gold of goldRows) {
    if (gold.campaignId !== campaign.id)
      throw new ValidationError("Gold ratings meet gold items of the same campaign.");
    const other = (byTurn.get(gold.turnId) ?? []).find((row) => row.id !== gold.expectedChosenResponseId);
    if (!other) throw new ValidationError("A gold item's turn has fewer than two responses.");
    const pair = ordered(gold.turnId, gold.expectedChosenResponseId, other.id);
    sources.set(gold.id, {
      turnId: gold.turnId,
      conversationId: conversationOfTurn.get(gold.turnId)!,
      batchId: null,
      pair,
      referenceSide: sideOf(gold.expectedChosenResponseId, pair),
      referenceStrength: gold.expectedStrength ? STRENGTH_LEVEL[gold.expectedStrength] : null,
      sourceAnnotatorId: null,
    });
  }
  return sources;
}

/** Writes answered pair tasks and their comparisons; overlap candidates become served. */
export async function importPairRatings(
  db: Db,
  campaign: Campaign,
  rawRatings: readonly ImportedPairRating[],
) {
  const ratings = rawRatings.map((raw, index) => {
    const parsed = ImportedPairRating.safeParse(raw);
    if (!parsed.success) throw new ValidationError(`Rating ${index + 1}: ${parsed.error.issues[0].message}`);
    if (campaign.kind === "safety" && !parsed.data.responseSafety) {
      throw new ValidationError(`Rating ${index + 1}: mark both responses safe or unsafe (safety campaign).`);
    }
    return parsed.data;
  });
  if (ratings.length === 0) return { tasks: 0 };
  const sources = await loadSources(db, campaign, ratings);
  const taskRows: (typeof pairTasks.$inferInsert)[] = [];
  const comparisonRows: (typeof comparisons.$inferInsert)[] = [];
  const seen = new Set<string>();
  for (const rating of ratings) {
    const source = sources.get((rating.sourceComparisonId ?? rating.goldItemId)!);
    if (!source) throw new ValidationError("A rating names a comparison or gold item that does not exist.");
    if (source.sourceAnnotatorId === rating.annotatorId) {
      throw new ValidationError("An overlap rating must come from someone other than the first annotator.");
    }
    const key = `${source.turnId}:${rating.annotatorId}`;
    if (seen.has(key)) throw new ValidationError("An annotator rates a turn at most once.");
    seen.add(key);
    const taskId = crypto.randomUUID();
    const comparisonId = crypto.randomUUID();
    const chosen = source.pair[rating.chosen];
    const rejected = source.pair[1 - rating.chosen];
    const safety = rating.responseSafety
      ? { [source.pair[0]]: rating.responseSafety[0], [source.pair[1]]: rating.responseSafety[1] }
      : null;
    const batchId = rating.kind === "overlap" ? source.batchId! : rating.batchId!;
    taskRows.push({
      id: taskId,
      kind: rating.kind,
      campaignId: campaign.id,
      turnId: source.turnId,
      sourceComparisonId: rating.sourceComparisonId ?? null,
      goldItemId: rating.goldItemId ?? null,
      annotatorId: rating.annotatorId,
      displayOrder: rating.firstShownFirst ? source.pair : [source.pair[1], source.pair[0]],
      status: "done",
      batchId,
      sourceAnnotatorId: source.sourceAnnotatorId,
      referenceSide: source.referenceSide,
      referenceStrength: source.referenceStrength,
      resultSide: sideOf(chosen, source.pair),
      resultStrength: STRENGTH_LEVEL[rating.strength],
      resultComparisonId: comparisonId,
      createdAt: rating.createdAt,
      completedAt: rating.createdAt,
    });
    comparisonRows.push({
      id: comparisonId,
      turnId: source.turnId,
      conversationId: source.conversationId,
      campaignId: campaign.id,
      batchId,
      annotatorId: rating.annotatorId,
      source: rating.kind,
      pairTaskId: taskId,
      chosenResponseId: chosen,
      rejectedResponseId: rejected,
      ranking: [chosen, rejected],
      strength: rating.strength,
      responseSafety: safety,
      safetyBin: safety ? safetyBinOf(safety[chosen], safety[rejected]) : null,
      note: null,
      timeSpentMs: rating.timeSpentMs,
      idempotencyKey: `import:${comparisonId}`,
      reviewStatus: "pending",
      isGold: false,
      rankingVariants: null,
      createdAt: rating.createdAt,
    });
  }
  await db.transaction(async (tx) => {
    await bulkInsert(tx, pairTasks, PAIR_TASK_COLUMNS, taskRows);
    await bulkInsert(tx, comparisons, COMPARISON_COLUMNS, comparisonRows);
    const overlap = taskRows.filter((task) => task.kind === "overlap");
    if (overlap.length > 0) {
      await tx.execute(sql`
        update ${overlapCandidates} set pair_task_id = served.task_id
        from unnest(${sql.param(overlap.map((task) => task.sourceComparisonId))}::uuid[],
                    ${sql.param(overlap.map((task) => task.id))}::uuid[]) as served(comparison_id, task_id)
        where ${overlapCandidates.comparisonId} = served.comparison_id`);
    }
  });
  return { tasks: taskRows.length };
}

const PAIR_TASK_COLUMNS = [
  "id",
  "kind",
  "campaignId",
  "turnId",
  "sourceComparisonId",
  "goldItemId",
  "annotatorId",
  "displayOrder",
  "status",
  "batchId",
  "sourceAnnotatorId",
  "referenceSide",
  "referenceStrength",
  "resultSide",
  "resultStrength",
  "resultComparisonId",
  "createdAt",
  "completedAt",
] as const;

export const ImportedReview = z.object({
  comparisonId: z.uuid(),
  reviewerId: z.uuid(),
  decision: z.enum(["accepted", "rejected"]),
  comment: z
    .string()
    .trim()
    .max(2000)
    .nullish()
    .transform((value) => value || null),
  createdAt: z.date(),
});
export type ImportedReview = z.input<typeof ImportedReview>;

/** Writes review decisions (a rejection needs a comment) and sets each comparison's status. */
export async function importReviews(db: Db, rawReviews: readonly ImportedReview[]) {
  const decisions = rawReviews.map((raw) => {
    const review = ImportedReview.parse(raw);
    if (review.decision === "rejected" && !review.comment) {
      throw new ValidationError("A rejection needs a comment that tells the annotator what to change.");
    }
    return review;
  });
  if (decisions.length === 0) return { reviews: 0 };
  const authors = await db
    .select({ id: comparisons.id, annotatorId: comparisons.annotatorId })
    .from(comparisons)
    .where(inArray(comparisons.id, [...new Set(decisions.map((review) => review.comparisonId))]));
  const authorOf = new Map(authors.map((row) => [row.id, row.annotatorId]));
  const rows = decisions.map((review) => {
    const annotatorId = authorOf.get(review.comparisonId);
    if (!annotatorId) throw new ValidationError("A review names a comparison that does not exist.");
    if (annotatorId === review.reviewerId) throw new ValidationError("Nobody reviews their own comparisons.");
    return { id: crypto.randomUUID(), ...review, annotatorId };
  });
  const latest = new Map<string, (typeof rows)[number]>();
  for (const row of rows) {
    const current = latest.get(row.comparisonId);
    if (!current || current.createdAt <= row.createdAt) latest.set(row.comparisonId, row);
  }
  await db.transaction(async (tx) => {
    await bulkInsert(
      tx,
      reviews,
      ["id", "comparisonId", "reviewerId", "annotatorId", "decision", "comment", "createdAt"],
      rows,
    );
    const final = [...latest.values()];
    await tx.execute(sql`
      update ${comparisons} set review_status = decided.status::review_status
      from unnest(${sql.param(final.map((row) => row.comparisonId))}::uuid[],
                  ${sql.param(final.map((row) => row.decision))}::text[]) as decided(comparison_id, status)
      where ${comparisons.id} = decided.comparison_id`);
  });
  return { reviews: rows.length };
}
