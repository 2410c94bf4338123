// The job worker of a server process: started with the server (server/startup.ts) unless
// ARBITER_JOB_CONCURRENCY is 0, drained on SIGTERM (server/shutdown.ts); it also deletes finished
// jobs older than ARBITER_JOB_RETENTION_DAYS. Kept on globalThis because Next.js may load this
// module in several bundles of one process.
import "server-only";
import type { Database } from "@/db/client";
import { env } from "@/server/env";
import { log } from "@/server/log";
import { serverJobKinds } from "./job-kinds";
import { startJobWorker, type JobWorker } from "./job-worker";

const DAY_MS = 24 * 60 * 60_000;
const GLOBAL_KEY = Symbol.for("arbiter.jobWorker");
type GlobalWithWorker = typeof globalThis & { [GLOBAL_KEY]?: Promise<JobWorker | null> };

export function startServerJobWorker(database: Database): Promise<JobWorker | null> {
  const holder = globalThis as GlobalWithWorker;
  holder[GLOBAL_KEY] ??=
    env.ARBITER_JOB_CONCURRENCY === 0
      ? Promise.resolve(null)
      : startJobWorker({
          db: database.db,
          registry: serverJobKinds,
          notifications: database.notifications,
          concurrency: env.ARBITER_JOB_CONCURRENCY,
          retention: { keepMs: env.ARBITER_JOB_RETENTION_DAYS * DAY_MS },
          onError: (message) => log.error(message),
        });
  return holder[GLOBAL_KEY];
}

/** Lets running jobs finish for up to `graceMs`, then puts them back on the queue. */
export async function stopServerJobWorker(graceMs: number) {
  const worker = await (globalThis as GlobalWithWorker)[GLOBAL_KEY];
  await worker?.stop(graceMs);
}
