// Summaries of the comparisons table that the dashboard and leaderboard read instead of scanning
// millions of rows. They are maintained by statement-level triggers on comparisons (migration
// 0005_comparison_rollup_triggers.sql) on insert, update and delete, so every writer keeps them
// correct; server/services/dashboard/rollups.int.test.ts checks them against the raw rows.
import {
  bigint,
  boolean,
  date,
  integer,
  pgTable,
  primaryKey,
  smallint,
  text,
  uuid,
} from "drizzle-orm/pg-core";
import { comparisonSource, reviewStatus, strength } from "./annotation";
import { campaigns } from "./campaigns";

/** Comparisons per UTC day, batch, source, strength, safety bin ("" when none) and review status. */
export const comparisonDailyRollups = pgTable(
  "comparison_daily_rollups",
  {
    campaignId: uuid("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    batchId: uuid("batch_id").notNull(),
    day: date("day", { mode: "string" }).notNull(),
    source: comparisonSource("source").notNull(),
    strength: strength("strength").notNull(),
    safetyBin: text("safety_bin").notNull(),
    reviewStatus: reviewStatus("review_status").notNull(),
    comparisons: integer("comparisons").notNull(),
    timeSpentMsSum: bigint("time_spent_ms_sum", { mode: "number" }).notNull(),
  },
  (table) => [
    primaryKey({
      name: "comparison_daily_rollups_pk",
      columns: [
        table.campaignId,
        table.batchId,
        table.day,
        table.source,
        table.strength,
        table.safetyBin,
        table.reviewStatus,
      ],
    }),
  ],
);

/** Comparisons per batch, annotator, source and review status. */
export const annotatorRollups = pgTable(
  "annotator_rollups",
  {
    campaignId: uuid("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    batchId: uuid("batch_id").notNull(),
    annotatorId: uuid("annotator_id").notNull(),
    source: comparisonSource("source").notNull(),
    reviewStatus: reviewStatus("review_status").notNull(),
    comparisons: integer("comparisons").notNull(),
    timeSpentMsSum: bigint("time_spent_ms_sum", { mode: "number" }).notNull(),
  },
  (table) => [
    primaryKey({
      name: "annotator_rollups_pk",
      columns: [table.campaignId, table.batchId, table.annotatorId, table.source, table.reviewStatus],
    }),
  ],
);

/** Histogram of time spent per batch and annotator, for medians: bucket b holds times in
 * [2^(b/20), 2^((b+1)/20)) ms, 20 buckets per doubling, so a median read from it is within
 * 1.8% of the exact one (server/services/dashboard/time-buckets.ts). */
export const timeSpentRollups = pgTable(
  "time_spent_rollups",
  {
    campaignId: uuid("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    batchId: uuid("batch_id").notNull(),
    annotatorId: uuid("annotator_id").notNull(),
    bucket: smallint("bucket").notNull(),
    comparisons: integer("comparisons").notNull(),
  },
  (table) => [
    primaryKey({
      name: "time_spent_rollups_pk",
      columns: [table.campaignId, table.batchId, table.annotatorId, table.bucket],
    }),
  ],
);

/** Pairwise outcomes between variants (name and version snapshots of the responses, as
 * comparisons.ranking_variants holds them) from primary comparisons: a ranking of n responses gives its n(n-1)/2 pairs; a pair is a tie when
 * it is the top two and the strength is "negligibly better / unsure". */
export const battleRollups = pgTable(
  "battle_rollups",
  {
    campaignId: uuid("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    batchId: uuid("batch_id").notNull(),
    reviewStatus: reviewStatus("review_status").notNull(),
    winnerName: text("winner_name").notNull(),
    winnerVersion: text("winner_version").notNull(),
    loserName: text("loser_name").notNull(),
    loserVersion: text("loser_version").notNull(),
    isTie: boolean("is_tie").notNull(),
    battles: integer("battles").notNull(),
  },
  (table) => [
    primaryKey({
      name: "battle_rollups_pk",
      columns: [
        table.campaignId,
        table.batchId,
        table.reviewStatus,
        table.winnerName,
        table.winnerVersion,
        table.loserName,
        table.loserVersion,
        table.isTie,
      ],
    }),
  ],
);
