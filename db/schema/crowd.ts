// Crowd-platform links (Prolific, MTurk): a secret link per campaign that signs a platform's
// participant in without a password, runs a comprehension check, and ends with the completion
// code the platform expects. A participant is one identity per campaign, platform and platform id,
// with an account of its own that nothing else can sign in to.
import { sql } from "drizzle-orm";
import {
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { CROWD_PLATFORMS } from "../../lib/constants";
import { campaigns } from "./campaigns";
import { users } from "./users";

export const crowdPlatform = pgEnum("crowd_platform", CROWD_PLATFORMS);

/** One multiple-choice question of a link's comprehension check. */
export interface ComprehensionQuestion {
  question: string;
  options: string[];
  /** Index into `options`; never sent to participants. */
  correctOption: number;
}

export const crowdLinks = pgTable(
  "crowd_links",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    campaignId: uuid("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    platform: crowdPlatform("platform").notNull(),
    /** Shown to admins, and to participants as the study's title. */
    name: text("name").notNull(),
    /** What the task is, shown before work (and as MTurk's preview). */
    description: text("description").notNull().default(""),
    /** sha256 of the secret in the link; the secret itself is shown once. */
    tokenHash: text("token_hash").notNull(),
    tokenPrefix: text("token_prefix").notNull(),
    /** Comparisons a participant submits before the completion code is shown. */
    requiredComparisons: integer("required_comparisons").notNull(),
    /** Prolific's completion code (also shown to MTurk workers). */
    completionCode: text("completion_code").notNull(),
    comprehensionQuestions: jsonb("comprehension_questions")
      .$type<ComprehensionQuestion[]>()
      .notNull()
      .default([]),
    /** How many times a participant may answer the check. */
    comprehensionAttempts: integer("comprehension_attempts").notNull().default(2),
    createdById: uuid("created_by_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (table) => [
    uniqueIndex("crowd_links_token_hash_key").on(table.tokenHash),
    index("crowd_links_campaign_idx").on(table.campaignId),
    check("crowd_links_required_comparisons_range", sql`${table.requiredComparisons} between 1 and 1000`),
    check("crowd_links_comprehension_attempts_range", sql`${table.comprehensionAttempts} between 1 and 10`),
  ],
);

export const crowdParticipants = pgTable(
  "crowd_participants",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    campaignId: uuid("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    platform: crowdPlatform("platform").notNull(),
    /** PROLIFIC_PID or MTurk's workerId. */
    participantId: text("participant_id").notNull(),
    /** The link they first came through: its check, count and completion code apply. */
    linkId: uuid("link_id")
      .notNull()
      .references(() => crowdLinks.id, { onDelete: "cascade" }),
    /** The account the link signs in to; it has no password and belongs to this row only. */
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** Prolific's STUDY_ID and SESSION_ID, or MTurk's hitId and assignmentId (latest visit). */
    studyId: text("study_id"),
    sessionId: text("session_id"),
    /** MTurk's turkSubmitTo (one of its two hosts), where the completion form is posted. */
    submitTo: text("submit_to"),
    comprehensionAttemptsUsed: integer("comprehension_attempts_used").notNull().default(0),
    passedAt: timestamp("passed_at", { withTimezone: true }),
    /** Every attempt failed: no work. */
    failedAt: timestamp("failed_at", { withTimezone: true }),
    completedAt: timestamp("completed_at", { withTimezone: true }),
    firstSeenAt: timestamp("first_seen_at", { withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex("crowd_participants_identity_key").on(table.campaignId, table.platform, table.participantId),
    uniqueIndex("crowd_participants_user_key").on(table.userId),
    index("crowd_participants_link_idx").on(table.linkId),
  ],
);

export type CrowdLink = typeof crowdLinks.$inferSelect;
export type CrowdParticipant = typeof crowdParticipants.$inferSelect;
