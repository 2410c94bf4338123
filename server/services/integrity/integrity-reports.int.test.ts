// The Integrity tab's report is a queued job whose result is stored; a second request while it
// waits or runs gets the same run; its progress and failure show in the tab's state; the
// drill-down pages through one annotator's comparisons.
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { jobs } from "@/db/schema";
import { createTestDb } from "@/db/testing";
import { generateSyntheticData } from "@/scripts/synthetic/generate-synthetic";
import { createAdmin } from "@/server/testing/fixtures";
import { serverJobKinds } from "../jobs/job-kinds";
import { claimJob, DEFAULT_JOB_TIMINGS, runClaimedJob } from "../jobs/job-worker";
import { getIntegrityReport, requestIntegrityReport } from "./integrity-reports";
import { listAnnotatorComparisons } from "./list-annotator-comparisons";

let database: Database;

const claim = (workerId: string) =>
  claimJob(database.db, { workerId, kinds: ["integrity-report"], leaseMs: DEFAULT_JOB_TIMINGS.leaseMs });
const runJob = async (workerId: string) =>
  runClaimedJob(database.db, serverJobKinds, (await claim(workerId))!, {
    workerId,
    timings: DEFAULT_JOB_TIMINGS,
  });

beforeAll(async () => {
  database = await createTestDb();
});
afterAll(async () => {
  await database?.close();
});

describe("integrity reports", () => {
  it("computes the report in a queued job and serves the latest one", { timeout: 300_000 }, async () => {
    const { actor: admin } = await createAdmin(database.db);
    const { campaignId } = await generateSyntheticData(database.db, {
      comparisons: 800,
      campaignName: "Reports",
      annotators: 4,
      seed: 2,
      alwaysAAnnotators: 1,
    });
    const empty = await getIntegrityReport(database.db, { campaignId });
    expect(empty).toMatchObject({ latest: null, report: null });

    const first = await requestIntegrityReport(database.db, { campaignId }, admin);
    const second = await requestIntegrityReport(database.db, { campaignId }, admin);
    expect(second.id).toBe(first.id);
    expect(await database.db.select().from(jobs).where(eq(jobs.kind, "integrity-report"))).toHaveLength(1);
    expect((await getIntegrityReport(database.db, { campaignId })).latest?.status).toBe("queued");

    await runJob("worker");
    const done = await getIntegrityReport(database.db, { campaignId });
    expect(done.latest).toMatchObject({ id: first.id, status: "done", progress: { done: 4, total: 4 } });
    expect(done.report?.annotators).toHaveLength(5);
    const alwaysA = done.report!.annotators.find((annotator) => annotator.email.startsWith("always-a-"))!;
    expect(alwaysA.flags).toContain("position-bias");

    const page = await listAnnotatorComparisons(database.db, {
      campaignId,
      annotatorId: alwaysA.annotatorId,
      pageSize: 10,
    });
    expect(page.total).toBe(alwaysA.comparisons);
    expect(page.items).toHaveLength(10);
    // Always "A": every primary comparison chose the first slot.
    for (const item of page.items.filter((row) => row.source === "primary"))
      expect(item.chosenSlot).toBe("A");
  });

  it(
    "shows a run whose workers kept dying as failed, and lets a new one start",
    { timeout: 120_000 },
    async () => {
      const { actor: admin } = await createAdmin(database.db);
      const { campaignId } = await generateSyntheticData(database.db, {
        comparisons: 50,
        campaignName: "Reports that die",
        annotators: 2,
        seed: 3,
      });
      const run = await requestIntegrityReport(database.db, { campaignId }, admin);
      // Two workers claimed it and vanished (their leases expired); the third claim gives up.
      for (const workerId of ["first", "second"]) {
        expect(await claim(workerId)).not.toBeNull();
        await database.db
          .update(jobs)
          .set({ lockedUntil: sql`now() - interval '1 second'` })
          .where(eq(jobs.kind, "integrity-report"));
      }
      await runJob("third");
      const state = await getIntegrityReport(database.db, { campaignId });
      expect(state.latest).toMatchObject({ id: run.id, status: "failed" });
      expect(state.latest?.error).toMatch(/could not be computed: The job stopped without finishing 2 times/);
      // The give-up hook recorded it on the run itself, so it outlives the job row.
      await database.db.delete(jobs).where(eq(jobs.kind, "integrity-report"));
      expect((await getIntegrityReport(database.db, { campaignId })).latest).toMatchObject({
        status: "failed",
        error: state.latest?.error,
      });

      const again = await requestIntegrityReport(database.db, { campaignId }, admin);
      expect(again.id).not.toBe(run.id);
    },
  );
});
