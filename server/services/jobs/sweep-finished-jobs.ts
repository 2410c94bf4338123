// Retention of the jobs table: finished jobs (done or failed) are deleted once they are older than
// the retention period (ARBITER_JOB_RETENTION_DAYS on a server), so the queue does not keep every
// webhook delivery and report run forever. What a job was for keeps its own record (a webhook
// delivery's log, an integrity report's status), so nothing a page shows goes with it.
import { and, inArray, lt, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { jobs } from "@/db/schema";

/** Rows per delete statement: a large backlog goes in short transactions, not one long lock. */
const SWEEP_BATCH = 1000;

/** Deletes the jobs that finished more than `olderThanMs` ago; returns how many. */
export async function sweepFinishedJobs(db: Db, options: { olderThanMs: number }): Promise<number> {
  let deleted = 0;
  for (;;) {
    const expired = db
      .select({ id: jobs.id })
      .from(jobs)
      .where(
        and(
          inArray(jobs.status, ["done", "failed"]),
          lt(jobs.finishedAt, sql`now() - make_interval(secs => ${options.olderThanMs / 1000})`),
        ),
      )
      .limit(SWEEP_BATCH);
    const rows = await db.delete(jobs).where(inArray(jobs.id, expired)).returning({ id: jobs.id });
    deleted += rows.length;
    if (rows.length < SWEEP_BATCH) return deleted;
  }
}
