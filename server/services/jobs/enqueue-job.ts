// Puts a job on the queue. Call it inside the transaction that records what the job is for, so
// that both commit together; the workers of every instance are woken by a notification that
// PostgreSQL delivers on commit (they also poll, in case one is missed).
import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { jobs, type Job } from "@/db/schema";
import type { JobDefinition } from "./define-job";

/** The LISTEN/NOTIFY channel that wakes workers. */
export const JOBS_CHANNEL = "arbiter_jobs";

export async function enqueueJob<Payload>(
  db: Db,
  definition: JobDefinition<Payload>,
  payload: Payload,
  options: { runAfter?: Date } = {},
): Promise<Job> {
  const [job] = await db
    .insert(jobs)
    .values({
      kind: definition.kind,
      payload: definition.payload.parse(payload),
      maxAttempts: definition.maxAttempts,
      ...(options.runAfter ? { runAfter: options.runAfter } : {}),
    })
    .returning();
  await db.execute(sql`select pg_notify(${JOBS_CHANNEL}, ${definition.kind})`);
  return job;
}
