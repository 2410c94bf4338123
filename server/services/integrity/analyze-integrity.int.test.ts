// The integrity report on synthetic campaigns with planted behaviours (known truth): planted
// spammers, always-A and too-fast annotators are flagged with precision and recall of at least
// 0.9 each (pooled over seeds), every planted identity leak and duplicate prompt is found, and a
// planted length bias tops plain Bradley–Terry while style control takes it away.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { createTestDb } from "@/db/testing";
import {
  generateSyntheticData,
  PLANTED_BEHAVIOURS,
  type PlantedBehaviour,
} from "@/scripts/synthetic/generate-synthetic";
import type { AnnotatorFlag } from "./annotator-reliability";
import { analyzeCampaignIntegrity } from "./analyze-integrity";

let database: Database;

beforeAll(async () => {
  database = await createTestDb();
});
afterAll(async () => {
  await database?.close();
});

const FLAG_OF: Record<PlantedBehaviour, AnnotatorFlag> = {
  random: "random",
  "always-a": "position-bias",
  "too-fast": "too-fast",
};

describe("analyzeCampaignIntegrity", () => {
  it(
    "flags planted spammers, always-A and too-fast annotators, leaks and duplicates",
    { timeout: 600_000 },
    async () => {
      const confusion = Object.fromEntries(
        PLANTED_BEHAVIOURS.map((behaviour) => [
          behaviour,
          { truePositive: 0, falsePositive: 0, falseNegative: 0 },
        ]),
      ) as Record<PlantedBehaviour, { truePositive: number; falsePositive: number; falseNegative: number }>;
      for (const seed of [1, 2, 3]) {
        const planted = await generateSyntheticData(database.db, {
          // About 200 comparisons per annotator: enough to tell the noisiest honest annotator
          // (who still follows the consensus 60% of the time) from a coin.
          comparisons: 5000,
          campaignName: `Planted ${seed}`,
          annotators: 12,
          seed,
          randomAnnotators: 4,
          alwaysAAnnotators: 4,
          tooFastAnnotators: 4,
          identityLeaks: 6,
          duplicatePrompts: 6,
        });
        expect(planted.planted).toMatchObject({ identityLeaks: 6, duplicatePrompts: 6 });
        const report = await analyzeCampaignIntegrity(database.db, {
          campaignId: planted.campaignId,
          bootstrapRounds: 20,
        });
        expect(report.annotators).toHaveLength(24);
        for (const behaviour of PLANTED_BEHAVIOURS) {
          for (const annotator of report.annotators) {
            const isPlanted = annotator.email.startsWith(`${behaviour}-`);
            const isFlagged = annotator.flags.includes(FLAG_OF[behaviour]);
            if (isPlanted && isFlagged) confusion[behaviour].truePositive++;
            if (!isPlanted && isFlagged) confusion[behaviour].falsePositive++;
            if (isPlanted && !isFlagged) confusion[behaviour].falseNegative++;
          }
        }
        // Riskiest first: the list opens with a planted annotator.
        expect(report.annotators[0].email).not.toMatch(/^synthetic-/);

        expect(report.flaggedTurns["identity-leak"]).toBe(6);
        expect(report.flaggedTurns["identity-question"]).toBe(0);
        // Each planted duplicate joins its original's cluster: prompts in clusters minus one
        // original per cluster is the number planted.
        const duplicates = report.duplicateClusters.reduce((sum, cluster) => sum + cluster.length - 1, 0);
        expect(duplicates).toBe(6);
        expect(report.flaggedTurns["near-duplicate"]).toBe(6);
        expect(report.excludedFromLeaderboard.flaggedTurns).toBeGreaterThanOrEqual(1);
      }
      for (const behaviour of PLANTED_BEHAVIOURS) {
        const { truePositive, falsePositive, falseNegative } = confusion[behaviour];
        const precision = truePositive / Math.max(truePositive + falsePositive, 1);
        const recall = truePositive / (truePositive + falseNegative);
        expect(precision, `${behaviour} precision`).toBeGreaterThanOrEqual(0.9);
        expect(recall, `${behaviour} recall`).toBeGreaterThanOrEqual(0.9);
      }
    },
  );

  it(
    "finds that a planted length bias tops plain Bradley–Terry, and style control removes it",
    { timeout: 300_000 },
    async () => {
      const planted = await generateSyntheticData(database.db, {
        comparisons: 2500,
        campaignName: "Length bias",
        annotators: 10,
        seed: 9,
        lengthBias: 0.5,
      });
      const verbose = planted.planted.verboseVariant;
      expect(verbose).not.toBeNull();
      const report = await analyzeCampaignIntegrity(database.db, {
        campaignId: planted.campaignId,
        bootstrapRounds: 50,
      });
      const { plain, styleControlled } = report.leaderboard;
      expect(plain[0].variant).toBe(verbose);
      // Plain: clearly ahead of the runner-up (their intervals do not overlap).
      expect(plain[0].low).toBeGreaterThan(plain[1].high);
      expect(styleControlled[0].variant).not.toBe(verbose);
      const styled = styleControlled.find((entry) => entry.variant === verbose)!;
      expect(styled.high).toBeLessThan(styleControlled[0].low);
      expect(report.leaderboard.styleCoefficients.length).toBeGreaterThan(0);
      expect(report.robustness.votesToFlipTop).toBeGreaterThan(0);
    },
  );
});
