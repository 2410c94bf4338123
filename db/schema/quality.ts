// Quality control: reviews of comparisons (the Llama 2 QA step), gold items with their expected
// answer, and "rate this pair" tasks that re-serve a finished turn to another annotator
// (overlap, for agreement) or serve a gold item blind (accuracy).
import { sql } from "drizzle-orm";
import {
  index,
  jsonb,
  pgEnum,
  pgTable,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { comparisons, responses, strength, turns } from "./annotation";
import { batches, campaigns } from "./campaigns";
import { users } from "./users";

export const REVIEW_DECISIONS = ["accepted", "rejected"] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];
export const reviewDecision = pgEnum("review_decision", REVIEW_DECISIONS);

/** History of review decisions; comparisons.review_status holds the latest. */
export const reviews = pgTable(
  "reviews",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    comparisonId: uuid("comparison_id")
      .notNull()
      .references(() => comparisons.id, { onDelete: "cascade" }),
    reviewerId: uuid("reviewer_id")
      .notNull()
      .references(() => users.id),
    /** The reviewed comparison's annotator, so "feedback on my work" reads one index. */
    annotatorId: uuid("annotator_id").references(() => users.id),
    decision: reviewDecision("decision").notNull(),
    comment: text("comment"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index("reviews_comparison_idx").on(table.comparisonId, table.createdAt),
    index("reviews_reviewer_idx").on(table.reviewerId, table.createdAt),
    index("reviews_annotator_idx").on(table.annotatorId, table.createdAt),
  ],
);

/** A turn whose correct answer is known. Marked from a comparison or imported from JSONL. */
export const goldItems = pgTable(
  "gold_items",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    campaignId: uuid("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    turnId: uuid("turn_id")
      .notNull()
      .references(() => turns.id, { onDelete: "cascade" }),
    /** The comparison it was marked from, if any. */
    sourceComparisonId: uuid("source_comparison_id").references(() => comparisons.id, {
      onDelete: "set null",
    }),
    expectedChosenResponseId: uuid("expected_chosen_response_id")
      .notNull()
      .references(() => responses.id),
    /** Optional: accuracy on strength is reported when set. */
    expectedStrength: strength("expected_strength"),
    explanation: text("explanation"),
    createdById: uuid("created_by_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex("gold_items_turn_key").on(table.turnId),
    index("gold_items_campaign_idx").on(table.campaignId),
  ],
);

export const PAIR_TASK_KINDS = ["overlap", "gold"] as const;
export type PairTaskKind = (typeof PAIR_TASK_KINDS)[number];
export const pairTaskKind = pgEnum("pair_task_kind", PAIR_TASK_KINDS);

export const PAIR_TASK_STATUSES = ["pending", "done", "skipped"] as const;
export type PairTaskStatus = (typeof PAIR_TASK_STATUSES)[number];
export const pairTaskStatus = pgEnum("pair_task_status", PAIR_TASK_STATUSES);

/** A finished turn served to another annotator: same dialogue and responses, order
 * re-randomized (displayOrder), the first rating hidden. Answered by a comparison whose
 * source is the task's kind. */
export const pairTasks = pgTable(
  "pair_tasks",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    kind: pairTaskKind("kind").notNull(),
    campaignId: uuid("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    turnId: uuid("turn_id")
      .notNull()
      .references(() => turns.id, { onDelete: "cascade" }),
    /** Overlap: the comparison being re-rated. */
    sourceComparisonId: uuid("source_comparison_id").references(() => comparisons.id, {
      onDelete: "cascade",
    }),
    goldItemId: uuid("gold_item_id").references(() => goldItems.id, { onDelete: "cascade" }),
    annotatorId: uuid("annotator_id")
      .notNull()
      .references(() => users.id),
    /** Response ids in the order this annotator sees them (A, B, ...). */
    displayOrder: jsonb("display_order").$type<string[]>().notNull(),
    status: pairTaskStatus("status").notNull().default("pending"),
    /** Overlap: the source comparison's batch; gold: the batch open when it was served. */
    batchId: uuid("batch_id").references(() => batches.id),
    /** Overlap: who made the first rating (agreement is reported for both annotators). */
    sourceAnnotatorId: uuid("source_annotator_id").references(() => users.id),
    /** The first rating (overlap) or the expected answer (gold) on the turn's own orientation:
     * side -1 = the response at position 0 ("A" for the dialogue's author), +1 = position 1;
     * strength 1 (negligibly better) .. 4 (significantly better), null when a gold item has none.
     * Stored so agreement never depends on the re-randomized order this annotator saw. */
    referenceSide: smallint("reference_side"),
    referenceStrength: smallint("reference_strength"),
    /** The same for this task's answer, set when it is done. */
    resultSide: smallint("result_side"),
    resultStrength: smallint("result_strength"),
    resultComparisonId: uuid("result_comparison_id"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    completedAt: timestamp("completed_at", { withTimezone: true }),
  },
  (table) => [
    uniqueIndex("pair_tasks_turn_annotator_key").on(table.turnId, table.annotatorId),
    index("pair_tasks_queue_idx").on(table.annotatorId, table.status, table.createdAt),
    index("pair_tasks_campaign_idx").on(table.campaignId, table.kind, table.status),
    index("pair_tasks_source_comparison_idx").on(table.sourceComparisonId),
    index("pair_tasks_gold_item_idx").on(table.goldItemId),
  ],
);

/** Primary comparisons picked for overlap, waiting to be served to a second annotator. Filled by
 * the comparisons trigger (migration 0005) for the campaign's overlap fraction of new primary
 * comparisons, so every writer (interactive submit, bulk import) is covered. */
export const overlapCandidates = pgTable(
  "overlap_candidates",
  {
    comparisonId: uuid("comparison_id")
      .primaryKey()
      .references(() => comparisons.id, { onDelete: "cascade" }),
    campaignId: uuid("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    turnId: uuid("turn_id").notNull(),
    authorId: uuid("author_id").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** Set when served; the pair task then carries the work. */
    pairTaskId: uuid("pair_task_id"),
  },
  (table) => [
    index("overlap_candidates_waiting_idx")
      .on(table.campaignId, table.createdAt)
      .where(sql`${table.pairTaskId} is null`),
  ],
);

export type Review = typeof reviews.$inferSelect;
export type GoldItem = typeof goldItems.$inferSelect;
export type PairTask = typeof pairTasks.$inferSelect;
export type OverlapCandidate = typeof overlapCandidates.$inferSelect;
