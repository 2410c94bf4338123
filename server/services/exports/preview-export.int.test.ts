// The export preview explains an empty result: which filters left the comparisons out and how
// many each; and it warns when the test split would hold no row.
import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { createTestCampaign, createTestDialogue } from "@/server/testing/annotation-history";
import { createAnnotator } from "@/server/testing/fixtures";
import { setUpAdminDb } from "@/server/testing/test-db";
import { previewExport } from "./preview-export";

const world = setUpAdminDb();
const key = crypto.randomBytes(32);

describe("previewExport", () => {
  it("says why no comparison matches: rejected ones and reported turns, with their counts", async () => {
    const setup = await createTestCampaign(world.db, { variants: 2 });
    const { user } = await createAnnotator(world.db);
    const turn = (user: string, extra: object) => ({
      user,
      responses: ["one", "two"],
      ranking: [0, 1],
      strength: "better" as const,
      ...extra,
    });
    await createTestDialogue(world.db, setup, user.id, [
      turn("first", { reviewStatus: "rejected" }),
      turn("second", { reviewStatus: "rejected" }),
    ]);
    await createTestDialogue(world.db, setup, user.id, [turn("third", { reported: true })]);

    const preview = await previewExport(
      world.db,
      { options: { format: "trl", campaigns: [setup.campaign.name] } },
      key,
    );
    expect(preview.matchingComparisons).toBe(0);
    expect(preview.rows).toEqual([]);
    expect(preview.excluded).toEqual([
      { reason: "Rejected by a reviewer", comparisons: 2 },
      { reason: "On turns an annotator reported as broken", comparisons: 1 },
    ]);
  });

  it("warns when a fraction split leaves the test set empty", async () => {
    const setup = await createTestCampaign(world.db, { variants: 2 });
    const { user } = await createAnnotator(world.db);
    await createTestDialogue(world.db, setup, user.id, [
      { user: "only", responses: ["one", "two"], ranking: [0, 1], strength: "better" },
    ]);
    const options = { format: "trl" as const, campaigns: [setup.campaign.name] };
    const split = await previewExport(
      world.db,
      { options: { ...options, split: { kind: "fraction", value: 0.001, seed: "s" } } },
      key,
    );
    expect(split.rows.map((row) => row.split)).toEqual(["train"]);
    expect(split.isTestSplitEmpty).toBe(true);
    const none = await previewExport(world.db, { options }, key);
    expect(none.isTestSplitEmpty).toBe(false);
    expect(none.excluded).toEqual([]);
  });
});
