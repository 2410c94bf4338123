// The synthetic-data generator: exactly N comparisons of every kind the dashboard reads, and more
// added to the same campaign on a second run.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { queryRows } from "@/db/query-rows";
import { createTestDb } from "@/db/testing";
import { generateSyntheticData } from "./generate-synthetic";

let database: Database;

beforeAll(async () => {
  database = await createTestDb();
});
afterAll(async () => {
  await database?.close();
});

describe("generateSyntheticData", () => {
  it("creates the campaign and writes exactly N comparisons of every kind, then adds to it", async () => {
    const result = await generateSyntheticData(database.db, {
      comparisons: 700,
      campaignName: "Synthetic safety test",
      kind: "safety",
      annotators: 5,
      seed: 3,
    });
    expect(result).toMatchObject({ createdCampaign: true, kind: "safety", comparisons: { total: 700 } });
    expect(result.comparisons.overlap).toBeGreaterThan(0);
    expect(result.comparisons.gold).toBeGreaterThan(0);
    expect(result.batches).toBeGreaterThanOrEqual(2);

    const [counts] = await queryRows<Record<string, number>>(
      database.db,
      sql`select count(*)::int as total,
                 count(*) filter (where source = 'primary')::int as primary,
                 count(distinct annotator_id)::int as annotators,
                 count(distinct batch_id)::int as batches,
                 count(*) filter (where safety_bin is null)::int as unlabelled,
                 count(*) filter (where review_status <> 'pending')::int as reviewed
          from comparisons where campaign_id = ${result.campaignId}`,
    );
    expect(counts).toMatchObject({
      total: 700,
      primary: result.comparisons.primary,
      annotators: 5,
      unlabelled: 0,
    });
    expect(counts.batches).toBeGreaterThanOrEqual(2);
    const [dialogues] = await queryRows<{ longest: number; risky: number }>(
      database.db,
      sql`select max(turns)::int as longest, count(*) filter (where risk_category is not null)::int as risky
          from (select c.id, c.risk_category, count(t.id) as turns from conversations c
                join turns t on t.conversation_id = c.id where c.campaign_id = ${result.campaignId} group by c.id) d`,
    );
    expect(dialogues.longest).toBeGreaterThan(1);
    expect(dialogues.risky).toBeGreaterThan(0);

    const again = await generateSyntheticData(database.db, {
      comparisons: 100,
      campaignName: "Synthetic safety test",
      seed: 4,
    });
    expect(again).toMatchObject({
      createdCampaign: false,
      campaignId: result.campaignId,
      comparisons: { total: 100 },
    });
    const [{ n }] = await queryRows<{ n: number }>(
      database.db,
      sql`select count(*)::int as n from comparisons where campaign_id = ${result.campaignId}`,
    );
    expect(n).toBe(800);
  });
});
