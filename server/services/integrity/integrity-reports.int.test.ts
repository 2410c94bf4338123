// The Integrity tab's report runs after the request and is stored; a second request while it
// runs gets the same run; the drill-down pages through one annotator's comparisons.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { createTestDb } from "@/db/testing";
import { generateSyntheticData } from "@/scripts/synthetic/generate-synthetic";
import { createAdmin } from "@/server/testing/fixtures";
import { getIntegrityReport, requestIntegrityReport, type Schedule } from "./integrity-reports";
import { listAnnotatorComparisons } from "./list-annotator-comparisons";

let database: Database;

beforeAll(async () => {
  database = await createTestDb();
});
afterAll(async () => {
  await database?.close();
});

describe("integrity reports", () => {
  it("computes the report in the background and serves the latest one", { timeout: 300_000 }, async () => {
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

    // Held until the test runs it, as if the request had answered first.
    const runs: (() => Promise<void>)[] = [];
    const keep: Schedule = (work) => runs.push(work);
    const first = await requestIntegrityReport(database.db, { campaignId }, admin, keep);
    const second = await requestIntegrityReport(database.db, { campaignId }, admin, keep);
    expect(second.id).toBe(first.id);
    expect(runs).toHaveLength(1);
    expect((await getIntegrityReport(database.db, { campaignId })).latest?.status).toBe("running");

    await Promise.all(runs.map((run) => run()));
    const done = await getIntegrityReport(database.db, { campaignId });
    expect(done.latest).toMatchObject({ id: first.id, status: "done" });
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
});
