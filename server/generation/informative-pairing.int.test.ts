// A campaign set to "most informative pairs": the strengths come from its battle rollups, fitted
// as the leaderboard fits them (checked in closed form), and pickArms then draws the close pair
// most often.
import crypto from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { battleRollups, campaigns, variantPairUsage, type ModelVariant } from "@/db/schema";
import { createTestDb } from "@/db/testing";
import { seededRandom } from "@/server/services/quality/stats/random";
import { createCampaign } from "@/server/testing/annotation-campaigns";
import { loadLogStrengths } from "./informative-pairing";
import { pairKey, pickArms } from "./pairing";

let database: Database;
beforeAll(async () => {
  database = await createTestDb();
});
afterAll(async () => {
  await database?.close();
});

async function recordBattles(
  campaignId: string,
  battles: {
    winner: ModelVariant;
    loser: ModelVariant;
    count: number;
    version?: string;
    isRejected?: boolean;
  }[],
) {
  const batchId = crypto.randomUUID();
  await database.db.insert(battleRollups).values(
    battles.map(({ winner, loser, count, version, isRejected }) => ({
      campaignId,
      batchId,
      reviewStatus: isRejected ? ("rejected" as const) : ("pending" as const),
      winnerName: winner.name,
      winnerVersion: version ?? winner.versionLabel,
      loserName: loser.name,
      loserVersion: loser.versionLabel,
      isTie: false,
      battles: count,
    })),
  );
}

describe("most informative pairs", () => {
  it("fits the campaign's battles as the leaderboard does, current versions only", async () => {
    const { campaign, variants } = await createCampaign(database.db, { variants: 2 });
    const [a, b] = variants;
    await recordBattles(campaign.id, [
      { winner: a, loser: b, count: 30 },
      { winner: b, loser: a, count: 10 },
      { winner: b, loser: a, count: 100, isRejected: true },
      { winner: a, loser: b, count: 50, version: "an older version" },
    ]);
    const strengths = await loadLogStrengths(database.db, campaign.id, variants);
    // Two players with one virtual tie: γa/γb = (30 + ½)/(10 + ½).
    expect(strengths.get(a.id)! - strengths.get(b.id)!).toBeCloseTo(Math.log(30.5 / 10.5), 5);
  });

  it("draws the close pair most once the campaign picks the most informative pairs", async () => {
    const { campaign, variants } = await createCampaign(database.db, { variants: 3 });
    const [a, b, weak] = variants;
    await recordBattles(campaign.id, [
      { winner: a, loser: b, count: 20 },
      { winner: b, loser: a, count: 20 },
      { winner: a, loser: weak, count: 40 },
      { winner: b, loser: weak, count: 40 },
    ]);
    await database.db.insert(variantPairUsage).values(
      [
        [a, b],
        [a, weak],
        [b, weak],
      ].map(([x, y]) => {
        const [first, second] = [x.id, y.id].sort();
        return { campaignId: campaign.id, variantAId: first, variantBId: second, turns: 40 };
      }),
    );
    const [informative] = await database.db
      .update(campaigns)
      .set({ pairing: "informative" })
      .where(eq(campaigns.id, campaign.id))
      .returning();

    const random = seededRandom(9);
    const drawn = new Map<string, number>();
    for (let turn = 0; turn < 60; turn++) {
      const arms = await database.db.transaction((tx) => pickArms(tx, informative, variants, 2, random));
      const key = pairKey(arms[0].variant.id, arms[1].variant.id);
      drawn.set(key, (drawn.get(key) ?? 0) + 1);
    }
    const close = drawn.get(pairKey(a.id, b.id)) ?? 0;
    expect(close).toBeGreaterThan(drawn.get(pairKey(a.id, weak.id)) ?? 0);
    expect(close).toBeGreaterThan(drawn.get(pairKey(b.id, weak.id)) ?? 0);
    expect(close).toBeGreaterThan(30);
  });
});
