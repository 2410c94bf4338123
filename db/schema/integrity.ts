// Vote integrity: turns flagged when they are saved (a response names a model or vendor, or the
// prompt asks the model who it is), opening prompts' signatures for near-duplicates, and the
// integrity reports computed in the background for the campaign's Integrity tab.
import { sql } from "drizzle-orm";
import {
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { comparisons, responses, turns } from "./annotation";
import { campaigns } from "./campaigns";
import { jobs } from "./jobs";
import { users } from "./users";

export const TURN_FLAG_KINDS = ["identity-leak", "identity-question"] as const;
export type TurnFlagKind = (typeof TURN_FLAG_KINDS)[number];
export const turnFlagKind = pgEnum("turn_flag_kind", TURN_FLAG_KINDS);

export const turnFlags = pgTable(
  "turn_flags",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    campaignId: uuid("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    turnId: uuid("turn_id")
      .notNull()
      .references(() => turns.id, { onDelete: "cascade" }),
    kind: turnFlagKind("kind").notNull(),
    /** identity-leak: the response that names a model. */
    responseId: uuid("response_id").references(() => responses.id, { onDelete: "cascade" }),
    /** The words that matched ("ChatGPT", "who are you"). */
    matched: text("matched").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex("turn_flags_turn_kind_key").on(table.turnId, table.kind),
    index("turn_flags_campaign_idx").on(table.campaignId, table.kind),
  ],
);

/**
 * The opening prompt of every conversation, as a MinHash signature, for flagging near-duplicates
 * when they are saved (server/services/integrity/flag-near-duplicates.ts). The band keys of the
 * locality-sensitive hashing are indexed (GIN), so a new prompt finds its candidates without
 * reading the campaign's other prompts; each prompt joins the cluster of its most similar earlier
 * one, and its position in the cluster decides whether the leaderboard counts it.
 */
export const promptSignatures = pgTable(
  "prompt_signatures",
  {
    turnId: uuid("turn_id")
      .primaryKey()
      .references(() => turns.id, { onDelete: "cascade" }),
    campaignId: uuid("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    /** 128 min-hashes (32-bit, stored signed). */
    signature: integer("signature").array().notNull(),
    /** One hash per band of the signature, mixed with the campaign id (so lookups stay in it). */
    bandKeys: integer("band_keys").array().notNull(),
    /** The first prompt of its near-duplicate cluster: its own turn when no earlier one matched. */
    clusterTurnId: uuid("cluster_turn_id").notNull(),
    /** Earlier prompts in the cluster when it was saved: 0 for the first; above 0 flags a
     * near-duplicate, and from MAX_CONVERSATIONS_PER_PROMPT on the leaderboard leaves it out. */
    clusterPosition: integer("cluster_position").notNull().default(0),
    /** Estimated Jaccard similarity to the earlier prompt it matched; null for a cluster's first. */
    similarity: real("similarity"),
    /** The campaign threshold the cluster was found at. A row whose value is not the campaign's
     * (null: saved while a re-clustering was pending, or from before signatures existed) waits
     * for the re-clustering job (recluster-prompts.ts) and is nobody's candidate meanwhile. */
    clusteredAtThreshold: real("clustered_at_threshold"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index("prompt_signatures_band_keys_idx").using("gin", table.bandKeys),
    index("prompt_signatures_campaign_position_idx").on(table.campaignId, table.clusterPosition),
    index("prompt_signatures_cluster_idx").on(table.clusterTurnId),
  ],
);

export const INTEGRITY_REPORT_STATUSES = ["running", "done", "failed"] as const;
export type IntegrityReportStatus = (typeof INTEGRITY_REPORT_STATUSES)[number];
export const integrityReportStatus = pgEnum("integrity_report_status", INTEGRITY_REPORT_STATUSES);

export const integrityReports = pgTable(
  "integrity_reports",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    campaignId: uuid("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    status: integrityReportStatus("status").notNull().default("running"),
    /** The report (analyze-integrity.ts) once done. */
    report: jsonb("report"),
    error: text("error"),
    requestedById: uuid("requested_by_id").references(() => users.id, { onDelete: "set null" }),
    /** The queued job that computes it (its status, progress and last error). */
    jobId: uuid("job_id").references(() => jobs.id, { onDelete: "set null" }),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (table) => [index("integrity_reports_campaign_idx").on(table.campaignId, table.startedAt)],
);

/** Both responses of each comparison as the integrity report reads them, copied from the
 * responses when the comparison is saved (a trigger, migration 0022): the report then reads this
 * narrow table instead of the wide responses rows (their texts and message histories) twice per
 * vote. A null style: the response had none stored yet; the report then reads the response. */
export const comparisonSides = pgTable(
  "comparison_sides",
  {
    comparisonId: uuid("comparison_id")
      .primaryKey()
      .references(() => comparisons.id, { onDelete: "cascade" }),
    chosenVariant: text("chosen_variant").notNull(),
    /** The chosen response's display slot for the turn's author (0 = "Response A"). */
    chosenPosition: integer("chosen_position").notNull(),
    chosenStyleFeatures: integer("chosen_style_features").array(),
    rejectedVariant: text("rejected_variant").notNull(),
    rejectedStyleFeatures: integer("rejected_style_features").array(),
  },
  (table) => [
    // The sides the style backfill still has to fill (backfill-style-features.ts).
    index("comparison_sides_style_missing_idx")
      .on(table.comparisonId)
      .where(sql`${table.chosenStyleFeatures} is null or ${table.rejectedStyleFeatures} is null`),
  ],
);

export type TurnFlag = typeof turnFlags.$inferSelect;
export type PromptSignature = typeof promptSignatures.$inferSelect;
export type IntegrityReport = typeof integrityReports.$inferSelect;
