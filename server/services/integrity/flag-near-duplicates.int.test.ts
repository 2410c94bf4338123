// Near-duplicate opening prompts are flagged when they are saved: through startTurn (an annotator
// sends a prompt) at the campaign's own threshold, each in the cluster of its earlier match with
// its position there; and through the synthetic import, where every planted duplicate is found
// and every flag agrees with the exact Jaccard similarity of the prompts' word 3-shingles.
import { asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { campaigns, conversations, promptSignatures, turns } from "@/db/schema";
import { createTestDb } from "@/db/testing";
import { generateSyntheticData } from "@/scripts/synthetic/generate-synthetic";
import { createCampaign, createJudgeableTurn } from "@/server/testing/annotation-campaigns";
import { createAnnotator } from "@/server/testing/fixtures";
import { jaccard, shingles } from "./near-duplicates";

let database: Database;

beforeAll(async () => {
  database = await createTestDb();
});
afterAll(async () => {
  await database?.close();
});

const ORIGINAL =
  "Can you explain how vaccines train the immune system? It's for my nephew, before Monday. " +
  "I'll read it on a tablet at the kitchen table, with about 20 minutes to spare. Keep it brief.";

/** Each prompt opens a conversation of its own annotator; returns the opening turns' ids. */
async function sendOpeningPrompts(campaignId: string, prompts: string[]) {
  const turnIds: string[] = [];
  for (const message of prompts) {
    const { actor } = await createAnnotator(database.db);
    turnIds.push((await createJudgeableTurn(database.db, campaignId, actor, { message })).turnId);
  }
  return turnIds;
}

async function signaturesOf(campaignId: string) {
  return database.db
    .select({
      turnId: promptSignatures.turnId,
      clusterTurnId: promptSignatures.clusterTurnId,
      clusterPosition: promptSignatures.clusterPosition,
      similarity: promptSignatures.similarity,
    })
    .from(promptSignatures)
    .where(eq(promptSignatures.campaignId, campaignId));
}

describe("near-duplicate prompts flagged when saved", () => {
  it("puts an annotator's edited copy of an earlier prompt in that prompt's cluster, in order", async () => {
    const { campaign } = await createCampaign(database.db);
    const [original, greeted, unrelated, shouted] = await sendOpeningPrompts(campaign.id, [
      ORIGINAL,
      `Hi! ${ORIGINAL}`,
      "Write a haiku about autumn rain for a client, by tonight, on paper in a waiting room.",
      `${ORIGINAL.toUpperCase()} Thanks!`,
    ]);
    const byTurn = new Map((await signaturesOf(campaign.id)).map((row) => [row.turnId, row]));
    expect(byTurn.size).toBe(4);
    expect(byTurn.get(original)).toMatchObject({
      clusterTurnId: original,
      clusterPosition: 0,
      similarity: null,
    });
    expect(byTurn.get(greeted)).toMatchObject({ clusterTurnId: original, clusterPosition: 1 });
    expect(byTurn.get(unrelated)).toMatchObject({ clusterTurnId: unrelated, clusterPosition: 0 });
    expect(byTurn.get(shouted)).toMatchObject({ clusterTurnId: original, clusterPosition: 2 });
    expect(byTurn.get(greeted)!.similarity).toBeGreaterThanOrEqual(0.8);

    // Another campaign's prompts are not earlier ones of this campaign.
    const { campaign: other } = await createCampaign(database.db);
    const [elsewhere] = await sendOpeningPrompts(other.id, [ORIGINAL]);
    expect((await signaturesOf(other.id))[0]).toMatchObject({ turnId: elsewhere, clusterPosition: 0 });
  });

  it("uses the campaign's threshold", async () => {
    const { campaign } = await createCampaign(database.db);
    await database.db
      .update(campaigns)
      .set({ nearDuplicateThreshold: 1 })
      .where(eq(campaigns.id, campaign.id));
    const [original, greeted, copied] = await sendOpeningPrompts(campaign.id, [
      ORIGINAL,
      `Hi there, a quick question for you! ${ORIGINAL}`,
      ORIGINAL.toLowerCase(),
    ]);
    const byTurn = new Map((await signaturesOf(campaign.id)).map((row) => [row.turnId, row]));
    expect(byTurn.get(greeted)).toMatchObject({ clusterTurnId: greeted, clusterPosition: 0 });
    expect(byTurn.get(copied)).toMatchObject({ clusterTurnId: original, clusterPosition: 1, similarity: 1 });
  });

  it(
    "finds every planted duplicate of a synthetic import, and flags only prompts that close to an earlier one",
    { timeout: 120_000 },
    async () => {
      const { campaignId, planted } = await generateSyntheticData(database.db, {
        comparisons: 300,
        campaignName: "Near-duplicates at save",
        seed: 11,
        duplicatePrompts: 5,
      });
      expect(planted.duplicatePrompts).toBe(5);
      const openings = await database.db
        .select({
          turnId: turns.id,
          prompt: turns.userMessage,
          clusterPosition: promptSignatures.clusterPosition,
        })
        .from(turns)
        .innerJoin(conversations, eq(conversations.id, turns.conversationId))
        .innerJoin(promptSignatures, eq(promptSignatures.turnId, turns.id))
        .where(eq(conversations.campaignId, campaignId))
        // The import saves dialogues in the order of their times.
        .orderBy(asc(conversations.createdAt));
      expect(openings).toHaveLength(
        await database.db.$count(conversations, eq(conversations.campaignId, campaignId)),
      );

      // Exact check, independent of MinHash: a flagged prompt has an earlier one at Jaccard ≥ 0.8
      // and an unflagged one has none. Planted copies are ~0.95 similar, distinct prompts ≤ 0.6.
      const sets = openings.map((opening) => shingles(opening.prompt));
      const hasEarlierTwin = sets.map((set, i) =>
        sets.slice(0, i).some((other) => jaccard(set, other) >= 0.8),
      );
      expect(openings.map((opening) => opening.clusterPosition > 0)).toEqual(hasEarlierTwin);
      expect(hasEarlierTwin.filter(Boolean)).toHaveLength(5);
    },
  );
});
