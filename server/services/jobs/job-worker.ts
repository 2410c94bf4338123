// Runs queued jobs. A worker claims one job at a time with FOR UPDATE SKIP LOCKED (so the workers
// of several instances never take the same one), holds it under a lease that it renews while the
// handler runs, and records the outcome: done; queued again after an exponential backoff; or
// failed once its attempts are spent, when the kind's give-up hook runs. A job whose worker died
// (SIGKILL, a lost machine) keeps a lease that nobody renews: once it has expired, any worker
// claims the job again. On a drain (SIGTERM) the worker claims nothing more, gives running jobs a
// grace period and puts the rest back on the queue for another instance. Given a retention
// period, it also deletes old finished jobs.
import crypto from "node:crypto";
import os from "node:os";
import { and, eq, inArray, lt, lte, or, sql } from "drizzle-orm";
import type { PgUpdateSetSource } from "drizzle-orm/pg-core";
import type { Db } from "@/db/client";
import type { Notifications } from "@/db/notifications";
import { jobs, type Job } from "@/db/schema";
import type { JobRegistry } from "./define-job";
import { JOBS_CHANNEL } from "./enqueue-job";
import { sweepFinishedJobs } from "./sweep-finished-jobs";

export interface JobTimings {
  /** How long a claim holds without renewal; the worker renews it every third of this. */
  leaseMs: number;
  /** The wait before the first retry; each further retry waits twice as long, up to backoffMaxMs. */
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export const DEFAULT_JOB_TIMINGS: JobTimings = {
  leaseMs: 120_000,
  backoffBaseMs: 10_000,
  backoffMaxMs: 60 * 60_000,
};

const ERROR_MAX_CHARS = 2000;

/** The wait after failed attempt number `attempt` (1-based). */
export function retryDelayMs(attempt: number, timings: JobTimings): number {
  return Math.min(timings.backoffMaxMs, timings.backoffBaseMs * 2 ** (attempt - 1));
}

const afterMs = (ms: number) => sql`now() + make_interval(secs => ${ms / 1000})`;

/** Takes the next due job of the given kinds (or one whose lease expired), or null. */
export async function claimJob(
  db: Db,
  options: { workerId: string; kinds: string[]; leaseMs: number },
): Promise<Job | null> {
  const due = db
    .select({ id: jobs.id })
    .from(jobs)
    .where(
      and(
        inArray(jobs.kind, options.kinds),
        or(
          and(eq(jobs.status, "queued"), lte(jobs.runAfter, sql`now()`)),
          and(eq(jobs.status, "running"), lt(jobs.lockedUntil, sql`now()`)),
        ),
      ),
    )
    .orderBy(jobs.runAfter, jobs.createdAt)
    .limit(1)
    .for("update", { skipLocked: true });
  const [job] = await db
    .update(jobs)
    .set({
      status: "running",
      attempts: sql`${jobs.attempts} + 1`,
      lockedBy: options.workerId,
      lockedUntil: afterMs(options.leaseMs),
      startedAt: sql`coalesce(${jobs.startedAt}, now())`,
      updatedAt: sql`now()`,
    })
    .where(inArray(jobs.id, due))
    .returning();
  return job ?? null;
}

function describeError(error: unknown) {
  const message = error instanceof Error ? error.message : String(error);
  return message.slice(0, ERROR_MAX_CHARS);
}

export interface RunJobOptions {
  workerId: string;
  timings: JobTimings;
  /** Aborted by a drain: the handler is told to stop and the job goes back on the queue. */
  drain?: AbortSignal;
  onError?(message: string): void;
}

/** Runs a job claimed by `claimJob` to its outcome. Never throws. */
export async function runClaimedJob(db: Db, registry: JobRegistry, job: Job, options: RunJobOptions) {
  const { workerId, timings } = options;
  const owned = and(eq(jobs.id, job.id), eq(jobs.lockedBy, workerId), eq(jobs.status, "running"));
  const record = (handle: Db, values: PgUpdateSetSource<typeof jobs>) =>
    handle
      .update(jobs)
      .set({ lockedBy: null, lockedUntil: null, updatedAt: sql`now()`, ...values })
      .where(owned)
      .returning({ id: jobs.id });
  const settle = (values: PgUpdateSetSource<typeof jobs>) =>
    record(db, values).catch((error: Error) =>
      options.onError?.(`Could not record the outcome of job ${job.id}: ${error.message}`),
    );
  const failed = (reason: string): PgUpdateSetSource<typeof jobs> => ({
    status: "failed",
    error: reason.slice(0, ERROR_MAX_CHARS),
    finishedAt: sql`now()`,
  });

  const definition = registry.get(job.kind)!;
  const payload = definition.payload.safeParse(job.payload);
  if (!payload.success) {
    await settle(failed(`The job's payload is not valid for "${job.kind}": ${payload.error.message}`));
    return;
  }
  /** Marks the job failed and, in the same transaction, lets its kind record that. A hook that
   * throws must not leave the job running (it would be claimed and given up again forever):
   * the job is then marked failed alone and the hook's error logged. */
  const giveUp = async (reason: string) => {
    const { onGiveUp } = definition;
    if (!onGiveUp) {
      await settle(failed(reason));
      return;
    }
    try {
      await db.transaction(async (tx) => {
        const [marked] = await record(tx, failed(reason));
        if (marked) await onGiveUp(payload.data, { jobId: job.id, db: tx, reason });
      });
    } catch (error) {
      options.onError?.(`The give-up hook of job ${job.id} ("${job.kind}") failed: ${describeError(error)}`);
      await settle(failed(reason));
    }
  };
  if (job.attempts > job.maxAttempts) {
    await giveUp(
      `The job stopped without finishing ${job.maxAttempts} times (its worker was stopped or lost its lease).`,
    );
    return;
  }

  const controller = new AbortController();
  const onDrain = () => controller.abort(new Error("The server is stopping."));
  if (options.drain?.aborted) onDrain();
  options.drain?.addEventListener("abort", onDrain, { once: true });
  let hasLostLease = false;
  const renewal = setInterval(() => {
    db.update(jobs)
      .set({ lockedUntil: afterMs(timings.leaseMs), updatedAt: sql`now()` })
      .where(owned)
      .returning({ id: jobs.id })
      .then((rows) => {
        if (rows.length > 0 || controller.signal.aborted) return;
        hasLostLease = true;
        controller.abort(new Error("This worker lost the job's lease; another worker runs it."));
      })
      .catch((error: Error) =>
        options.onError?.(`Could not renew the lease of job ${job.id}: ${error.message}`),
      );
  }, timings.leaseMs / 3);
  renewal.unref();

  try {
    await definition.run(payload.data, {
      jobId: job.id,
      attempt: job.attempts,
      db,
      signal: controller.signal,
      async progress(done, total) {
        await db
          .update(jobs)
          .set({ progressDone: done, ...(total === undefined ? {} : { progressTotal: total }) })
          .where(owned);
      },
    });
    clearInterval(renewal);
    await settle({ status: "done", error: null, finishedAt: sql`now()` });
  } catch (error) {
    clearInterval(renewal);
    if (hasLostLease) return;
    if (options.drain?.aborted) {
      // Not the job's fault: back on the queue at once, this attempt not counted.
      await settle({ status: "queued", attempts: sql`${jobs.attempts} - 1`, runAfter: sql`now()` });
    } else if (job.attempts >= job.maxAttempts) {
      await giveUp(describeError(error));
    } else {
      await settle({
        status: "queued",
        error: describeError(error),
        runAfter: afterMs(retryDelayMs(job.attempts, timings)),
      });
    }
  } finally {
    options.drain?.removeEventListener("abort", onDrain);
  }
}

export interface JobWorkerOptions {
  db: Db;
  registry: JobRegistry;
  /** Wakes the worker as soon as a job is enqueued on any instance; it polls as well. */
  notifications?: Notifications;
  /** Jobs run at once by this worker. */
  concurrency?: number;
  pollMs?: number;
  timings?: Partial<JobTimings>;
  /** Names the worker in `jobs.locked_by`; unique by default (host, process, random). */
  workerId?: string;
  /** Deletes jobs finished more than `keepMs` ago, at start and every `sweepEveryMs` (default
   * an hour); unset: finished jobs are kept. Every worker may sweep: deleting twice is harmless. */
  retention?: { keepMs: number; sweepEveryMs?: number };
  onError?(message: string): void;
}

export interface JobWorker {
  id: string;
  /** Claims nothing more, waits up to `graceMs` for running jobs, then stops them and puts them
   * back on the queue. */
  stop(graceMs: number): Promise<void>;
}

const DEFAULT_POLL_MS = 5000;
const DEFAULT_SWEEP_EVERY_MS = 60 * 60_000;
/** After the grace period: how long stopped handlers get to put their jobs back. */
const ABORT_WAIT_MS = 5000;

async function settledWithin(work: Promise<unknown>, ms: number) {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

export async function startJobWorker(options: JobWorkerOptions): Promise<JobWorker> {
  const id = options.workerId ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString("hex")}`;
  const timings = { ...DEFAULT_JOB_TIMINGS, ...options.timings };
  const concurrency = options.concurrency ?? 1;
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const kinds = [...options.registry.keys()];
  const stopping = new AbortController();
  const drain = new AbortController();
  const running = new Set<Promise<void>>();

  // A wake-up that arrives while the loop is claiming is remembered, so none is lost.
  let isWoken = false;
  let endIdle: (() => void) | null = null;
  const wake = () => {
    isWoken = true;
    endIdle?.();
  };
  const idle = () =>
    isWoken
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const timer = setTimeout(() => endIdle?.(), pollMs);
          endIdle = () => {
            clearTimeout(timer);
            endIdle = null;
            resolve();
          };
        });
  const unlisten = await options.notifications?.listen(JOBS_CHANNEL, wake, wake);

  // One sweep at a time: a slow one is not joined by the next.
  let sweeping: Promise<unknown> | null = null;
  const sweep = (keepMs: number) => {
    sweeping ??= sweepFinishedJobs(options.db, { olderThanMs: keepMs })
      .catch((error: Error) => options.onError?.(`Could not delete finished jobs: ${error.message}`))
      .finally(() => (sweeping = null));
  };
  let sweeper: NodeJS.Timeout | undefined;
  if (options.retention) {
    const { keepMs, sweepEveryMs = DEFAULT_SWEEP_EVERY_MS } = options.retention;
    sweep(keepMs);
    sweeper = setInterval(() => sweep(keepMs), sweepEveryMs);
    sweeper.unref();
  }

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      isWoken = false;
      if (running.size < concurrency) {
        const job = await claimJob(options.db, { workerId: id, kinds, leaseMs: timings.leaseMs }).catch(
          (error: Error) => {
            options.onError?.(`Could not claim a job: ${error.message}`);
            return null;
          },
        );
        if (job) {
          const run = runClaimedJob(options.db, options.registry, job, {
            workerId: id,
            timings,
            drain: drain.signal,
            onError: options.onError,
          }).finally(() => {
            running.delete(run);
            wake();
          });
          running.add(run);
          continue;
        }
      }
      await idle();
    }
  })();

  return {
    id,
    async stop(graceMs) {
      stopping.abort();
      clearInterval(sweeper);
      wake();
      unlisten?.();
      await loop;
      await sweeping;
      const finished = Promise.all(running);
      await settledWithin(finished, graceMs);
      drain.abort();
      // A handler that ignores its signal must not hold the process: its job keeps a lease that
      // nobody renews, so another worker takes it over once the lease has expired.
      await settledWithin(finished, ABORT_WAIT_MS);
    },
  };
}
