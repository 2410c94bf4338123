// Quality control: reviews of comparisons (the Llama 2 QA step), gold items with their expected
// answer, and "rate this pair" tasks that re-serve a finished turn to another annotator
// (overlap, for agreement) or serve a gold item blind (accuracy).
import {
  index,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { comparisons, responses, strength, turns } from "./annotation";
import { campaigns } from "./campaigns";
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
    decision: reviewDecision("decision").notNull(),
    comment: text("comment"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index("reviews_comparison_idx").on(table.comparisonId, table.createdAt),
    index("reviews_reviewer_idx").on(table.reviewerId, table.createdAt),
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
    resultComparisonId: uuid("result_comparison_id"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    completedAt: timestamp("completed_at", { withTimezone: true }),
  },
  (table) => [
    uniqueIndex("pair_tasks_turn_annotator_key").on(table.turnId, table.annotatorId),
    index("pair_tasks_queue_idx").on(table.annotatorId, table.status, table.createdAt),
    index("pair_tasks_campaign_idx").on(table.campaignId, table.kind, table.status),
  ],
);

export type Review = typeof reviews.$inferSelect;
export type GoldItem = typeof goldItems.$inferSelect;
export type PairTask = typeof pairTasks.$inferSelect;
