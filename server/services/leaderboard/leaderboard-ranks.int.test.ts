// Ranks and preliminary marks on real judgements: variants that no 95% interval separates share
// a rank, and a variant with fewer than PRELIMINARY_BATTLES battles is marked preliminary.
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, Db } from "@/db/client";
import { responses } from "@/db/schema";
import { createTestDb } from "@/db/testing";
import {
  createCampaign,
  createJudgeableTurn,
  newIdempotencyKey,
} from "@/server/testing/annotation-campaigns";
import { createAnnotator, type TestUser } from "@/server/testing/fixtures";
import { endConversation } from "../annotation/end-conversation";
import { submitComparison } from "../annotation/submit-comparison";
import { getLeaderboard, PRELIMINARY_BATTLES } from "./get-leaderboard";

let database: Database;
let db: Db;
let annotator: TestUser["actor"];

beforeAll(async () => {
  database = await createTestDb();
  db = database.db;
  annotator = (await createAnnotator(db)).actor;
});
afterAll(async () => {
  await database?.close();
});

/** A two-variant campaign where variant-0 wins `firstWins` judged turns and variant-1 `secondWins`. */
async function campaignWithRecord(firstWins: number, secondWins: number) {
  const limits = { turnsPerHour: 10_000, turnsPerDay: 100_000 };
  const { campaign, variants } = await createCampaign(db, { limits });
  const winners = [
    ...Array.from({ length: firstWins }, () => variants[0].id),
    ...Array.from({ length: secondWins }, () => variants[1].id),
  ];
  for (const winnerId of winners) {
    const turn = await createJudgeableTurn(db, campaign.id, annotator);
    const shown = await db
      .select({ id: responses.id, variantId: responses.variantId })
      .from(responses)
      .where(eq(responses.turnId, turn.turnId));
    const ranking = [...shown].sort(
      (a, b) => Number(b.variantId === winnerId) - Number(a.variantId === winnerId),
    );
    await submitComparison(
      db,
      {
        turnId: turn.turnId,
        idempotencyKey: newIdempotencyKey(),
        ranking: ranking.map((response) => response.id),
        strength: "better",
        timeSpentMs: 3000,
      },
      annotator,
    );
    await endConversation(db, { conversationId: turn.conversationId }, annotator);
  }
  return campaign.id;
}

describe("getLeaderboard's ranks", () => {
  it("gives variants with the same record one rank, and marks both preliminary", async () => {
    const board = await getLeaderboard(db, { campaignId: await campaignWithRecord(2, 2) });
    expect(board.preliminaryBattles).toBe(PRELIMINARY_BATTLES);
    expect(board.players.map((player) => [player.name, player.rank, player.isPreliminary])).toEqual(
      expect.arrayContaining([
        ["variant-0", 1, true],
        ["variant-1", 1, true],
      ]),
    );
  });

  it(`separates a clear winner once each has ${PRELIMINARY_BATTLES} battles, and drops the mark`, async () => {
    const board = await getLeaderboard(db, {
      campaignId: await campaignWithRecord(PRELIMINARY_BATTLES - 4, 4),
    });
    expect(board.players.map((player) => [player.name, player.rank, player.isPreliminary])).toEqual([
      ["variant-0", 1, false],
      ["variant-1", 2, false],
    ]);
    // The second's interval lies wholly below the first's: that is what separates their ranks.
    expect(board.players[0].interval!.lower).toBeGreaterThan(board.players[1].interval!.upper);
  }, 120_000);
});
