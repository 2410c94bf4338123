// The job queue on PGlite and PostgreSQL: a job runs once however many workers compete for it,
// a job whose worker died runs again once its lease expires (on PostgreSQL with a real worker
// process killed by SIGKILL), failures are retried with exponential backoff, progress is
// visible while a job runs, a drain puts running jobs back, queued jobs survive a restart, a kind's
// give-up hook runs when the queue gives up, and old finished jobs are swept.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { migrateDatabase, openDatabase, type Database } from "@/db/client";
import { queryRows } from "@/db/query-rows";
import { jobs, type Job } from "@/db/schema";
import { createBlankTestDb, testDatabaseKind } from "@/db/testing";
import { defineJob, jobRegistry, type JobContext } from "./define-job";
import { enqueueJob } from "./enqueue-job";
import { claimJob, runClaimedJob, startJobWorker, type JobTimings } from "./job-worker";
import { CRASH_TEST_KIND, CrashTestPayload } from "./testing/crash-test-job";

const root = path.resolve(import.meta.dirname, "../../..");
const cleanups: (() => Promise<unknown> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** One migrated test database for the file (each test uses job kinds of its own), and a way to
 * open a second handle on it (another instance's pool). */
let shared: Promise<Database & { url?: string }> | undefined;
function createQueueDb(): Promise<Database & { url?: string }> {
  shared ??= (async () => {
    const database = await createBlankTestDb();
    cleanups.push(() => database.close());
    await migrateDatabase(database);
    return database;
  })();
  return shared;
}

async function openSecondHandle(database: Database & { url?: string }): Promise<Database> {
  if (!database.url) return database; // PGlite: one process, one handle
  const second = await openDatabase({ kind: "postgres", url: database.url, poolSize: 4 });
  cleanups.unshift(() => second.close()); // closed before the database is dropped
  return second;
}

const readJob = async (database: Database, id: string) =>
  (await database.db.select().from(jobs).where(eq(jobs.id, id)))[0];

const timings: JobTimings = { leaseMs: 60_000, backoffBaseMs: 1000, backoffMaxMs: 60_000 };
const WAIT = { timeout: 60_000, interval: 50 };

/** Records which jobs ran. */
function recordingJob(kind: string) {
  const runs: { jobId: string; label: string }[] = [];
  const definition = defineJob({
    kind,
    payload: z.object({ label: z.string() }),
    async run(payload, context) {
      runs.push({ jobId: context.jobId, label: payload.label });
    },
  });
  return { definition, runs };
}

/** A job that waits for the test to release it, reporting progress and honouring its signal. */
function gatedJob(kind: string) {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  let started: (context: JobContext) => void = () => {};
  const running = new Promise<JobContext>((resolve) => (started = resolve));
  const definition = defineJob({
    kind,
    payload: z.object({}),
    async run(_payload, context) {
      await context.progress(2, 3);
      started(context);
      await Promise.race([
        released,
        new Promise((_, reject) =>
          context.signal.addEventListener("abort", () => reject(context.signal.reason), { once: true }),
        ),
      ]);
      await context.progress(3);
    },
  });
  return { definition, release, running };
}

describe("the job queue", () => {
  it("gives each job to exactly one of two workers claiming at the same moment", async () => {
    const database = await createQueueDb();
    const other = await openSecondHandle(database);
    const { definition } = recordingJob("claim-race");
    for (let index = 0; index < 10; index++) await enqueueJob(database.db, definition, { label: `${index}` });

    const claims = await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        claimJob((index % 2 ? other : database).db, {
          workerId: `worker-${index % 2}`,
          kinds: [definition.kind],
          leaseMs: timings.leaseMs,
        }),
      ),
    );
    const claimed = claims.filter((job): job is Job => job !== null);
    expect(claimed).toHaveLength(10);
    expect(new Set(claimed.map((job) => job.id)).size).toBe(10);
    expect(claimed.every((job) => job.attempts === 1 && job.status === "running")).toBe(true);
  });

  it("runs every job once with two running workers, woken by the enqueue's notification", async () => {
    const database = await createQueueDb();
    const other = await openSecondHandle(database);
    const { definition, runs } = recordingJob("two-workers");
    const registry = jobRegistry([definition]);
    // Polling once an hour: only the notification can get the jobs started within the test.
    const workers = await Promise.all(
      [database, other].map((handle) =>
        startJobWorker({
          db: handle.db,
          registry,
          notifications: handle.notifications,
          concurrency: 2,
          pollMs: 3_600_000,
          timings,
        }),
      ),
    );
    cleanups.unshift(() => Promise.all(workers.map((worker) => worker.stop(0))));
    const enqueued: Job[] = [];
    for (let index = 0; index < 20; index++)
      enqueued.push(await enqueueJob(database.db, definition, { label: `${index}` }));

    await vi.waitFor(async () => {
      const [{ done }] = await queryRows<{ done: number }>(
        database.db,
        sql`select count(*)::int as done from jobs where kind = 'two-workers' and status = 'done'`,
      );
      expect(done).toBe(20);
    }, WAIT);
    expect(runs.map((run) => run.jobId).sort()).toEqual(enqueued.map((job) => job.id).sort());
  });

  it("claims a job again once the lease of its vanished worker has expired", async () => {
    const database = await createQueueDb();
    const { definition, runs } = recordingJob("orphaned");
    const job = await enqueueJob(database.db, definition, { label: "orphan" });
    const claim = (workerId: string) =>
      claimJob(database.db, { workerId, kinds: [definition.kind], leaseMs: timings.leaseMs });

    expect((await claim("vanished"))?.id).toBe(job.id);
    expect(await claim("survivor")).toBeNull(); // the lease still holds
    // The vanished worker renews nothing: move its lease's end into the past.
    await database.db
      .update(jobs)
      .set({ lockedUntil: sql`now() - interval '1 second'` })
      .where(eq(jobs.id, job.id));
    const reclaimed = await claim("survivor");
    expect(reclaimed).toMatchObject({ id: job.id, attempts: 2, lockedBy: "survivor" });

    await runClaimedJob(database.db, jobRegistry([definition]), reclaimed!, {
      workerId: "survivor",
      timings,
    });
    expect(await readJob(database, job.id)).toMatchObject({ status: "done", lockedBy: null });
    expect(runs).toHaveLength(1);
  });

  it("fails a job whose workers stopped without finishing as often as it may be tried", async () => {
    const database = await createQueueDb();
    const { definition, runs } = recordingJob("cursed");
    const job = await enqueueJob(database.db, { ...definition, maxAttempts: 2 }, { label: "cursed" });
    const registry = jobRegistry([definition]);
    let last: Job | null = null;
    for (let attempt = 1; attempt <= 3; attempt++) {
      await database.db
        .update(jobs)
        .set({ lockedUntil: sql`now() - interval '1 second'` })
        .where(eq(jobs.id, job.id));
      last = await claimJob(database.db, { workerId: `w${attempt}`, kinds: ["cursed"], leaseMs: 60_000 });
      expect(last?.attempts).toBe(attempt);
    }
    await runClaimedJob(database.db, registry, last!, { workerId: "w3", timings });
    const failed = await readJob(database, job.id);
    expect(failed).toMatchObject({ status: "failed", attempts: 3 });
    expect(failed.error).toMatch(/stopped without finishing 2 times/);
    expect(runs).toHaveLength(0);
  });

  it("retries a failing job with exponential backoff, then records success", async () => {
    const database = await createQueueDb();
    const attempts: number[] = [];
    const flaky = defineJob({
      kind: "flaky",
      payload: z.object({}),
      async run(_payload, context) {
        attempts.push(context.attempt);
        if (context.attempt < 3) throw new Error(`upstream refused (attempt ${context.attempt})`);
      },
    });
    const registry = jobRegistry([flaky]);
    const job = await enqueueJob(database.db, flaky, {});
    const claim = () => claimJob(database.db, { workerId: "w", kinds: ["flaky"], leaseMs: timings.leaseMs });

    for (const [attempt, delaySeconds] of [
      [1, 1],
      [2, 2],
    ]) {
      await runClaimedJob(database.db, registry, (await claim())!, { workerId: "w", timings });
      const [row] = await queryRows<{ status: string; error: string; wait: number }>(
        database.db,
        sql`select status, error, extract(epoch from run_after - updated_at)::float as wait
              from jobs where id = ${job.id}`,
      );
      expect(row).toEqual({
        status: "queued",
        error: `upstream refused (attempt ${attempt})`,
        wait: delaySeconds,
      });
      expect(await claim()).toBeNull(); // not before its backoff has passed
      await database.db
        .update(jobs)
        .set({ runAfter: sql`now()` })
        .where(eq(jobs.id, job.id));
    }
    await runClaimedJob(database.db, registry, (await claim())!, { workerId: "w", timings });
    expect(await readJob(database, job.id)).toMatchObject({ status: "done", attempts: 3, error: null });
    expect(attempts).toEqual([1, 2, 3]);
  });

  it("marks a job failed with its last error once its attempts are spent", async () => {
    const database = await createQueueDb();
    const broken = defineJob({
      kind: "broken",
      payload: z.object({}),
      maxAttempts: 1,
      async run() {
        throw new Error("the campaign was deleted");
      },
    });
    const job = await enqueueJob(database.db, broken, {});
    const claimed = await claimJob(database.db, { workerId: "w", kinds: ["broken"], leaseMs: 60_000 });
    await runClaimedJob(database.db, jobRegistry([broken]), claimed!, { workerId: "w", timings });
    const failed = await readJob(database, job.id);
    expect(failed).toMatchObject({ status: "failed", error: "the campaign was deleted", lockedBy: null });
    expect(failed.finishedAt).not.toBeNull();
  });

  it("calls the kind's give-up hook once, with the job failed, when the last attempt throws or the workers keep dying", async () => {
    const database = await createQueueDb();
    const givenUp: { label: string; reason: string; status: string }[] = [];
    const hooked = defineJob({
      kind: "hooked",
      payload: z.object({ label: z.string(), throws: z.boolean() }),
      maxAttempts: 2,
      async run({ throws }) {
        if (throws) throw new Error("the receiver is gone");
      },
      async onGiveUp({ label }, { db, jobId, reason }) {
        // Inside the transaction that marks it: the job already reads as failed there.
        const [job] = await db.select().from(jobs).where(eq(jobs.id, jobId));
        givenUp.push({ label, reason, status: job.status });
      },
    });
    const registry = jobRegistry([hooked]);
    const claim = (workerId: string) =>
      claimJob(database.db, { workerId, kinds: ["hooked"], leaseMs: timings.leaseMs });
    const expireAll = () =>
      database.db
        .update(jobs)
        .set({ lockedUntil: sql`now() - interval '1 second'`, runAfter: sql`now()` })
        .where(eq(jobs.kind, "hooked"));

    // Thrown twice: retried once (no hook), then given up.
    const thrown = await enqueueJob(database.db, hooked, { label: "thrown", throws: true });
    await runClaimedJob(database.db, registry, (await claim("w1"))!, { workerId: "w1", timings });
    expect(givenUp).toEqual([]);
    await expireAll();
    await runClaimedJob(database.db, registry, (await claim("w2"))!, { workerId: "w2", timings });
    expect(givenUp).toEqual([{ label: "thrown", reason: "the receiver is gone", status: "failed" }]);
    expect(await readJob(database, thrown.id)).toMatchObject({
      status: "failed",
      error: "the receiver is gone",
    });

    // Claimed twice by workers that vanished: the third claim gives up without running it.
    const lost = await enqueueJob(database.db, hooked, { label: "lost", throws: false });
    for (const workerId of ["v1", "v2"]) {
      expect((await claim(workerId))?.id).toBe(lost.id);
      await expireAll();
    }
    await runClaimedJob(database.db, registry, (await claim("v3"))!, { workerId: "v3", timings });
    expect(givenUp.slice(1)).toEqual([
      { label: "lost", reason: expect.stringMatching(/stopped without finishing 2 times/), status: "failed" },
    ]);

    // A job that succeeds is not given up.
    const fine = await enqueueJob(database.db, hooked, { label: "fine", throws: false });
    await runClaimedJob(database.db, registry, (await claim("w3"))!, { workerId: "w3", timings });
    expect(await readJob(database, fine.id)).toMatchObject({ status: "done" });
    expect(givenUp).toHaveLength(2);
  });

  it("marks a job failed even when its give-up hook throws, and reports the hook's error", async () => {
    const database = await createQueueDb();
    const brokenHook = defineJob({
      kind: "broken-hook",
      payload: z.object({}),
      maxAttempts: 1,
      async run() {
        throw new Error("out of luck");
      },
      async onGiveUp() {
        throw new Error("the hook's table is gone");
      },
    });
    const job = await enqueueJob(database.db, brokenHook, {});
    const errors: string[] = [];
    const claimed = await claimJob(database.db, { workerId: "w", kinds: ["broken-hook"], leaseMs: 60_000 });
    await runClaimedJob(database.db, jobRegistry([brokenHook]), claimed!, {
      workerId: "w",
      timings,
      onError: (message) => errors.push(message),
    });
    expect(await readJob(database, job.id)).toMatchObject({
      status: "failed",
      error: "out of luck",
      lockedBy: null,
    });
    expect(errors).toEqual([expect.stringMatching(/give-up hook .*the hook's table is gone/)]);
  });

  it("deletes finished jobs older than the retention period, at start and periodically", async () => {
    const database = await createQueueDb();
    const { definition } = recordingJob("retained");
    const ages = { oldDone: 49, oldFailed: 49, recentDone: 1, oldQueued: 49 };
    const ids: Record<string, string> = {};
    for (const [name, hoursAgo] of Object.entries(ages)) {
      const job = await enqueueJob(database.db, definition, { label: name });
      ids[name] = job.id;
      const status = name.endsWith("Failed") ? "failed" : name.endsWith("Queued") ? "queued" : "done";
      await database.db
        .update(jobs)
        .set({
          status,
          createdAt: sql`now() - make_interval(hours => ${hoursAgo})`,
          finishedAt: status === "queued" ? null : sql`now() - make_interval(hours => ${hoursAgo})`,
          // Not claimable: this test's worker runs no job of this kind.
          runAfter: sql`now() + interval '1 day'`,
        })
        .where(eq(jobs.id, job.id));
    }
    const remaining = async () =>
      (await database.db.select({ id: jobs.id }).from(jobs).where(eq(jobs.kind, "retained")))
        .map((row) => Object.keys(ids).find((name) => ids[name] === row.id))
        .sort();

    const worker = await startJobWorker({
      db: database.db,
      registry: jobRegistry([definition]),
      pollMs: 3_600_000,
      timings,
      retention: { keepMs: 48 * 3_600_000, sweepEveryMs: 100 },
    });
    cleanups.unshift(() => worker.stop(0));
    await vi.waitFor(async () => expect(await remaining()).toEqual(["oldQueued", "recentDone"]), WAIT);

    // Later sweeps find what has aged since.
    await database.db
      .update(jobs)
      .set({ finishedAt: sql`now() - interval '50 hours'` })
      .where(eq(jobs.id, ids.recentDone));
    await vi.waitFor(async () => expect(await remaining()).toEqual(["oldQueued"]), WAIT);
  });

  it("refuses a payload that does not match its kind's schema", async () => {
    const database = await createQueueDb();
    const { definition } = recordingJob("checked-payload");
    await expect(enqueueJob(database.db, definition, { label: 7 } as never)).rejects.toThrow();
    expect(await database.db.select().from(jobs).where(eq(jobs.kind, definition.kind))).toHaveLength(0);
  });

  it("shows a running job's progress, and renews its lease", async () => {
    const database = await createQueueDb();
    const { definition, release, running } = gatedJob("progress");
    // A short lease: renewed every 200 ms, so it is still held when the test looks.
    const worker = await startJobWorker({
      db: database.db,
      registry: jobRegistry([definition]),
      notifications: database.notifications,
      timings: { ...timings, leaseMs: 600 },
    });
    cleanups.unshift(() => worker.stop(0));
    const job = await enqueueJob(database.db, definition, {});
    await running;
    const first = await readJob(database, job.id);
    expect(first).toMatchObject({
      status: "running",
      progressDone: 2,
      progressTotal: 3,
      lockedBy: worker.id,
    });
    await vi.waitFor(async () => {
      expect((await readJob(database, job.id)).lockedUntil!.getTime()).toBeGreaterThan(
        first.lockedUntil!.getTime(),
      );
    }, WAIT);
    release();
    await vi.waitFor(async () => expect((await readJob(database, job.id)).status).toBe("done"), WAIT);
    expect(await readJob(database, job.id)).toMatchObject({ progressDone: 3, progressTotal: 3 });
  });

  it("puts a job that was still running when its worker drained back on the queue, attempt not counted", async () => {
    const database = await createQueueDb();
    const { definition, running } = gatedJob("drained");
    const worker = await startJobWorker({
      db: database.db,
      registry: jobRegistry([definition]),
      notifications: database.notifications,
      timings,
    });
    const job = await enqueueJob(database.db, definition, {});
    const context = await running;
    await worker.stop(0);
    expect(context.signal.aborted).toBe(true);
    expect(await readJob(database, job.id)).toMatchObject({ status: "queued", attempts: 0, lockedBy: null });
  });

  it("stops even when a handler ignores its signal, leaving that job to its lease", async () => {
    const database = await createQueueDb();
    let started: () => void = () => {};
    const running = new Promise<void>((resolve) => (started = resolve));
    const stubborn = defineJob({
      kind: "stubborn",
      payload: z.object({}),
      async run() {
        started();
        await new Promise(() => {});
      },
    });
    const worker = await startJobWorker({
      db: database.db,
      registry: jobRegistry([stubborn]),
      notifications: database.notifications,
      timings,
    });
    const job = await enqueueJob(database.db, stubborn, {});
    await running;
    await worker.stop(0);
    expect(await readJob(database, job.id)).toMatchObject({ status: "running", lockedBy: worker.id });
  });

  it("runs the jobs queued before a restart once the server is back", async () => {
    const { definition, runs } = recordingJob("restart");
    let restarted: Database;
    let job: Job;
    if (testDatabaseKind() === "postgres") {
      // The queue lives in the database: a new instance (a pool of its own) finds the job.
      const first = await createQueueDb();
      job = await enqueueJob(first.db, definition, { label: "before the restart" });
      restarted = await openSecondHandle(first);
    } else {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "arbiter-jobs-"));
      cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
      const first = await openDatabase({ kind: "pglite", dataDir });
      await migrateDatabase(first);
      job = await enqueueJob(first.db, definition, { label: "before the restart" });
      await first.close();
      restarted = await openDatabase({ kind: "pglite", dataDir });
      cleanups.unshift(() => restarted.close());
    }
    const worker = await startJobWorker({
      db: restarted.db,
      registry: jobRegistry([definition]),
      notifications: restarted.notifications,
      timings,
    });
    cleanups.unshift(() => worker.stop(0));
    await vi.waitFor(async () => expect((await readJob(restarted, job.id)).status).toBe("done"), WAIT);
    expect(runs).toEqual([{ jobId: job.id, label: "before the restart" }]);
  });
});

describe.skipIf(testDatabaseKind() !== "postgres")("a worker process killed mid-job", () => {
  it("leaves the job to another worker once its lease expires, which runs it to the end", async () => {
    const database = await createQueueDb();
    const survivorRuns: number[] = [];
    const finishing = defineJob({
      kind: CRASH_TEST_KIND,
      payload: CrashTestPayload,
      async run(_payload, context) {
        survivorRuns.push(context.attempt);
      },
    });
    const job = await enqueueJob(database.db, finishing, { label: "killed mid-run" });

    const child = spawn(
      process.execPath,
      [
        "--conditions=react-server",
        "--import",
        "tsx",
        path.join(root, "server/services/jobs/testing/crashing-worker.mts"),
        database.url!,
        "1500",
      ],
      { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on("exit", (_code, signal) => resolve(signal)),
    );
    cleanups.push(() => void child.kill("SIGKILL"));
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    await vi.waitFor(() => expect(output).toContain(`running ${job.id} attempt 1`), WAIT);
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    expect(await readJob(database, job.id)).toMatchObject({ status: "running", attempts: 1 });

    const survivor = await startJobWorker({
      db: database.db,
      registry: jobRegistry([finishing]),
      pollMs: 200,
      timings,
    });
    cleanups.unshift(() => survivor.stop(0));
    await vi.waitFor(async () => expect((await readJob(database, job.id)).status).toBe("done"), WAIT);
    expect(survivorRuns).toEqual([2]);
    expect(await readJob(database, job.id)).toMatchObject({ attempts: 2, lockedBy: null });
  });
});
