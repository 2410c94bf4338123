// Campaigns that show 3 and 4 responses per turn: each comparison stores a full ranking, and the
// leaderboard breaks it into every ordered pair. The rollups and the leaderboard must say what the
// raw rankings say (recomputed here from comparisons.ranking and the responses, not from the
// rollups' own ranking_variants column), also after review decisions and a deleted dialogue.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, Db } from "@/db/client";
import { queryRows } from "@/db/query-rows";
import { createTestDb } from "@/db/testing";
import { generateSyntheticData } from "@/scripts/synthetic/generate-synthetic";
import { getCampaignDashboard } from "@/server/services/dashboard/campaign-dashboard";
import { createCampaign } from "@/server/testing/annotation-campaigns";
import { leaderboardAndRankings, rankedPairs, rollupDisagreements } from "@/server/testing/rollup-checks";

const NONE = { daily: 0, annotators: 0, times: 0, battles: 0 };

let database: Database;
let db: Db;
const campaignIds = new Map<number, string>();

beforeAll(async () => {
  database = await createTestDb();
  db = database.db;
  for (const size of [3, 4]) {
    const { campaign } = await createCampaign(db, { responsesPerTurn: size, variants: size + 1 });
    await generateSyntheticData(db, {
      comparisons: 300,
      campaignName: campaign.name,
      seed: size,
      annotators: 4,
    });
    campaignIds.set(size, campaign.id);
  }
});
afterAll(async () => {
  await database?.close();
});

async function expectLeaderboardToMatchRankings(campaignId: string) {
  const { board, leaderboard, rankings } = await leaderboardAndRankings(db, campaignId);
  expect(leaderboard).toEqual(rankings);
  board.battleCounts.forEach((row, i) =>
    row.forEach((count, j) => expect(count).toBe(board.battleCounts[j][i])),
  );
}

describe.each([3, 4])("rankings of %i responses", (size) => {
  it("are stored as full rankings, one comparison per judged turn", async () => {
    const campaignId = campaignIds.get(size)!;
    const [counts] = await queryRows<{ primary: number; full: number }>(
      db,
      sql`select count(*)::int as primary, count(*) filter (where jsonb_array_length(ranking) = ${size})::int as full
          from comparisons where campaign_id = ${campaignId} and source = 'primary'`,
    );
    expect(counts.primary).toBeGreaterThan(100);
    expect(counts.full).toBe(counts.primary);
    const dashboard = await getCampaignDashboard(db, { campaignId });
    expect(dashboard.totals.comparisons).toBe(counts.primary);
  });

  it("give rollups, battles from every pair of every ranking, that the raw rows confirm", async () => {
    expect(await rollupDisagreements(db, campaignIds.get(size)!)).toEqual(NONE);
  });

  it("give a leaderboard whose records and battle count the raw rankings confirm", async () => {
    const campaignId = campaignIds.get(size)!;
    const [{ pairs }] = await queryRows<{ pairs: number }>(
      db,
      sql`select count(*)::int as pairs from (${rankedPairs(campaignId)}) p where review_status <> 'rejected'`,
    );
    expect(pairs).toBeGreaterThan(0);
    await expectLeaderboardToMatchRankings(campaignId);
  });

  it("keep matching after rejections and a deleted dialogue", async () => {
    const campaignId = campaignIds.get(size)!;
    await db.execute(sql`
      update comparisons set review_status = 'rejected'
      where id in (select id from comparisons where campaign_id = ${campaignId} and source = 'primary' limit 20)`);
    // The dialogue's responses may go before its comparisons; the battles must still be taken back.
    await db.execute(sql`
      delete from conversations where id in (
        select conversation_id from comparisons where campaign_id = ${campaignId} and source = 'primary'
        and review_status = 'pending' limit 3)`);
    expect(await rollupDisagreements(db, campaignId)).toEqual(NONE);
    await expectLeaderboardToMatchRankings(campaignId);
  });
});
