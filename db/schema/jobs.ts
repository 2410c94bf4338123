// The background job queue (server/services/jobs): work that must not run on a page request
// (integrity reports now; judges and webhooks next). Rows are claimed with FOR UPDATE SKIP LOCKED
// by any server instance, held under a lease that the running worker renews, and retried with
// exponential backoff; a job whose worker died is claimed again once its lease has expired.
import { index, integer, jsonb, pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

export const JOB_STATUSES = ["queued", "running", "done", "failed"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const jobStatus = pgEnum("job_status", JOB_STATUSES);

export const jobs = pgTable(
  "jobs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** The registered kind ("integrity-report"); its handler and payload schema are in code. */
    kind: text("kind").notNull(),
    payload: jsonb("payload").$type<unknown>().notNull(),
    status: jobStatus("status").notNull().default("queued"),
    /** Claims so far, the running one included. */
    attempts: integer("attempts").notNull().default(0),
    maxAttempts: integer("max_attempts").notNull().default(3),
    /** Not claimed before this time (the backoff after a failed attempt). */
    runAfter: timestamp("run_after", { withTimezone: true }).notNull().defaultNow(),
    /** The worker holding a running job, and until when; an expired lease may be claimed again. */
    lockedBy: text("locked_by"),
    lockedUntil: timestamp("locked_until", { withTimezone: true }),
    progressDone: integer("progress_done").notNull().default(0),
    progressTotal: integer("progress_total"),
    /** The last failed attempt's error; cleared when an attempt succeeds. */
    error: text("error"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  // The claim scans queued jobs by due time and running ones by lease expiry.
  (table) => [
    index("jobs_claim_idx").on(table.status, table.runAfter),
    index("jobs_lease_idx").on(table.status, table.lockedUntil),
  ],
);

export type Job = typeof jobs.$inferSelect;
