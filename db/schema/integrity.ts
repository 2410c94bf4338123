// Vote integrity: turns flagged when they are saved (a response names a model or vendor, or the
// prompt asks the model who it is), and the integrity reports computed in the background for
// the campaign's Integrity tab.
import { index, jsonb, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { responses, turns } from "./annotation";
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

export type TurnFlag = typeof turnFlags.$inferSelect;
export type IntegrityReport = typeof integrityReports.$inferSelect;
