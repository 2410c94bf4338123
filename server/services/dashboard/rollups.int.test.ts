// The rollups behind the dashboard and leaderboard must say exactly what the raw comparisons
// say — after bulk inserts, review decisions and deletions — and the dashboard must read them
// right. Synthetic data of both campaign kinds gives every dimension something to count.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, Db } from "@/db/client";
import { createTestDb } from "@/db/testing";
import { getLeaderboard } from "@/server/services/leaderboard/get-leaderboard";
import { queryRows } from "@/db/query-rows";
import { generateSyntheticData, type SyntheticResult } from "@/scripts/synthetic/generate-synthetic";
import { rollupDisagreements } from "@/server/testing/rollup-checks";
import { listAnnotatorStats } from "./annotator-stats";
import { getCampaignDashboard } from "./campaign-dashboard";

let database: Database;
let db: Db;
let safety: SyntheticResult;
let helpfulness: SyntheticResult;

beforeAll(async () => {
  database = await createTestDb();
  db = database.db;
  safety = await generateSyntheticData(db, {
    comparisons: 1200,
    campaignName: "Rollups safety",
    kind: "safety",
    seed: 1,
    annotators: 6,
  });
  helpfulness = await generateSyntheticData(db, {
    comparisons: 800,
    campaignName: "Rollups helpfulness",
    seed: 2,
    annotators: 5,
  });
});
afterAll(async () => {
  await database?.close();
});

const disagreements = (campaignId: string) => rollupDisagreements(db, campaignId);

describe("comparison rollups", () => {
  it("match the raw comparisons after a bulk import", async () => {
    for (const result of [safety, helpfulness]) {
      const found = await disagreements(result.campaignId);
      expect([found.daily, found.annotators, found.times, found.battles]).toEqual([0, 0, 0, 0]);
    }
  });

  it("follow review decisions and deletions, and a rebuild gives the same rows", async () => {
    await db.execute(sql`
      update comparisons set review_status = 'rejected'
      where id in (select id from comparisons where campaign_id = ${safety.campaignId} and source = 'primary' limit 40)`);
    await db.execute(sql`
      delete from conversations
      where id in (select conversation_id from comparisons where campaign_id = ${safety.campaignId} and source = 'primary'
                   and review_status = 'pending' limit 5)`);
    const found = await disagreements(safety.campaignId);
    expect([found.daily, found.annotators, found.times, found.battles]).toEqual([0, 0, 0, 0]);

    const snapshot = () =>
      queryRows(
        db,
        sql`select * from annotator_rollups where campaign_id = ${safety.campaignId} order by 1, 2, 3, 4, 5`,
      );
    const before = await snapshot();
    await db.execute(sql`select arbiter_rebuild_rollups(${safety.campaignId})`);
    expect(await snapshot()).toEqual(before);
    const rebuilt = await disagreements(safety.campaignId);
    expect([rebuilt.daily, rebuilt.annotators, rebuilt.times, rebuilt.battles]).toEqual([0, 0, 0, 0]);
  });
});

describe("getCampaignDashboard", () => {
  it("reports counts, strength shares, safety bins and medians that the raw data confirm", async () => {
    const dashboard = await getCampaignDashboard(db, { campaignId: safety.campaignId });
    const [raw] = await queryRows<{ primary: number; ratings: number; median: number }>(
      db,
      sql`select count(*) filter (where source = 'primary')::int as primary,
                 count(*) filter (where source <> 'primary')::int as ratings,
                 percentile_disc(0.5) within group (order by time_spent_ms) as median
          from comparisons where campaign_id = ${safety.campaignId}`,
    );
    expect(dashboard.totals.comparisons).toBe(raw.primary);
    expect(dashboard.totals.pairRatings).toBe(raw.ratings);
    expect(Math.abs(dashboard.totals.medianTimeMs! / Number(raw.median) - 1)).toBeLessThan(0.02);
    expect(dashboard.perDay.reduce((sum, day) => sum + day.primary + day.overlap + day.gold, 0)).toBe(
      raw.primary + raw.ratings,
    );
    expect(dashboard.perBatch.length).toBeGreaterThanOrEqual(2);

    const bins = await queryRows<{ bin: string; n: number }>(
      db,
      sql`select safety_bin::text as bin, count(*)::int as n from comparisons
          where campaign_id = ${safety.campaignId} and source = 'primary' group by 1`,
    );
    for (const { bin, n } of bins)
      expect(dashboard.safetyBins.find((entry) => entry.bin === bin)?.comparisons).toBe(n);
    expect(dashboard.safetyBins.reduce((sum, entry) => sum + entry.share, 0)).toBeCloseTo(1, 10);
    for (const batch of dashboard.perBatch.filter((entry) => entry.comparisons > 0)) {
      expect(Object.values(batch.strengthShares).reduce((sum, share) => sum + share, 0)).toBeCloseTo(1, 10);
    }
    expect(dashboard.agreement.items).toBeGreaterThan(0);
    expect(dashboard.agreement.percentAgreement).toBeGreaterThan(0.5);

    const help = await getCampaignDashboard(db, { campaignId: helpfulness.campaignId });
    expect(help.safetyBins).toEqual([]);
    const batchOnly = await getCampaignDashboard(db, {
      campaignId: helpfulness.campaignId,
      batchId: help.perBatch[0].batchId,
    });
    expect(batchOnly.totals.comparisons).toBe(help.perBatch[0].comparisons);
  });

  it("sorts and pages the per-annotator table", async () => {
    const page = await listAnnotatorStats(db, {
      campaignId: safety.campaignId,
      sort: "comparisons",
      direction: "asc",
      pageSize: 3,
    });
    expect(page.total).toBeGreaterThanOrEqual(6);
    expect(page.items).toHaveLength(3);
    const counts = page.items.map((row) => row.comparisons);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    const [raw] = await queryRows<{ n: number }>(
      db,
      sql`select count(*)::int as n from comparisons where campaign_id = ${safety.campaignId} and source = 'primary' and annotator_id = ${page.items[0].annotatorId}`,
    );
    expect(page.items[0].comparisons).toBe(raw.n);
    const byAgreement = await listAnnotatorStats(db, {
      campaignId: safety.campaignId,
      sort: "agreement",
      pageSize: 100,
    });
    const rates = byAgreement.items.map((row) => row.agreement).filter((value) => value !== null) as number[];
    expect(rates).toEqual([...rates].sort((a, b) => b - a));
    expect(byAgreement.items.some((row) => row.goldRated > 0)).toBe(true);
  });
});

describe("getLeaderboard", () => {
  it("counts every battle of the campaign and gives intervals around each score", async () => {
    const board = await getLeaderboard(db, { campaignId: helpfulness.campaignId, includeRejected: true });
    const [raw] = await queryRows<{ n: number }>(
      db,
      sql`select count(*)::int as n from comparisons where campaign_id = ${helpfulness.campaignId} and source = 'primary'`,
    );
    expect(board.battles).toBe(raw.n);
    const scores = board.players.map((player) => player.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    for (const player of board.players) {
      expect(player.interval!.lower).toBeLessThanOrEqual(player.score);
      expect(player.interval!.upper).toBeGreaterThanOrEqual(player.score);
    }
    // Win rates of a pair add up to 1 wherever they met.
    board.winRates.forEach((row, i) =>
      row.forEach((rate, j) => {
        if (rate !== null) expect(rate + board.winRates[j][i]!).toBeCloseTo(1, 10);
      }),
    );
    const accepted = await getLeaderboard(db, { campaignId: safety.campaignId });
    const all = await getLeaderboard(db, { campaignId: safety.campaignId, includeRejected: true });
    expect(accepted.battles).toBeLessThan(all.battles);
  });
});
