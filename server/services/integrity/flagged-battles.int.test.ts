// The campaign leaderboard leaves out the battles of turns flagged for identity unless asked to
// keep them, and those of over-represented near-duplicate prompts always, and says how many.
import { inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { queryRows } from "@/db/query-rows";
import { promptSignatures } from "@/db/schema";
import { createTestDb } from "@/db/testing";
import { generateSyntheticData } from "@/scripts/synthetic/generate-synthetic";
import { getLeaderboard } from "../leaderboard/get-leaderboard";
import { flagIdentityOnSave } from "./flag-identity";
import { flagNearDuplicatePrompts } from "./flag-near-duplicates";
import { MAX_CONVERSATIONS_PER_PROMPT } from "./near-duplicates";

let database: Database;
let campaignId: string;

beforeAll(async () => {
  database = await createTestDb();
  ({ campaignId } = await generateSyntheticData(database.db, {
    comparisons: 120,
    campaignName: "Leaderboard without flagged turns",
    seed: 7,
  }));
  // Eight judged turns whose first response turns out to name a vendor.
  const leaky = await queryRows<{ turnId: string; responseId: string }>(
    database.db,
    sql`select c.turn_id as "turnId", c.ranking->>0 as "responseId" from comparisons c
        where c.campaign_id = ${campaignId} and c.source = 'primary' order by c.id limit 8`,
  );
  await flagIdentityOnSave(
    database.db,
    campaignId,
    leaky.map((turn) => ({
      turnId: turn.turnId,
      prompt: "Write a haiku about rain.",
      responses: [{ id: turn.responseId, text: "As ChatGPT, here is a haiku." }],
    })),
  );
}, 120_000);
afterAll(async () => {
  await database?.close();
});

describe("the campaign leaderboard and flagged turns", () => {
  it("leaves the battles of flagged turns out by default, and keeps them when asked", async () => {
    const [{ flaggedBattles }] = await queryRows<{ flaggedBattles: number }>(
      database.db,
      sql`select coalesce(sum(jsonb_array_length(c.ranking) * (jsonb_array_length(c.ranking) - 1) / 2), 0)::int
                 as "flaggedBattles"
          from comparisons c where c.campaign_id = ${campaignId} and c.source = 'primary'
          and c.review_status <> 'rejected'
          and c.turn_id in (select turn_id from turn_flags where campaign_id = ${campaignId})`,
    );
    expect(flaggedBattles).toBeGreaterThan(0);

    const without = await getLeaderboard(database.db, { campaignId });
    const withFlagged = await getLeaderboard(database.db, { campaignId, includeFlaggedTurns: true });
    expect(without.flaggedTurnBattles).toBe(flaggedBattles);
    expect(withFlagged.flaggedTurnBattles).toBe(0);
    expect(withFlagged.battles - without.battles).toBe(flaggedBattles);
    const games = (board: typeof without) =>
      board.players.reduce((sum, player) => sum + player.wins + player.losses + player.ties, 0);
    expect(games(withFlagged) - games(without)).toBe(2 * flaggedBattles);
  });

  it("always leaves out the conversations of a prompt's fourth and later near-duplicates, each battle once", async () => {
    // Six judged conversations turn out to open with one prompt: their signatures are stored again.
    const openings = await queryRows<{ turnId: string; conversationId: string }>(
      database.db,
      sql`select t.id as "turnId", t.conversation_id as "conversationId"
          from turns t join conversations v on v.id = t.conversation_id
          where v.campaign_id = ${campaignId} and t.index = 0
            and exists (select 1 from comparisons c where c.turn_id = t.id and c.source = 'primary')
          order by v.created_at limit 6`,
    );
    await database.db.delete(promptSignatures).where(
      inArray(
        promptSignatures.turnId,
        openings.map((opening) => opening.turnId),
      ),
    );
    await flagNearDuplicatePrompts(
      database.db,
      { id: campaignId, nearDuplicateThreshold: 0.8 },
      openings.map((opening) => ({ turnId: opening.turnId, prompt: "Write a haiku about rain, please." })),
    );
    const capped = openings.slice(MAX_CONVERSATIONS_PER_PROMPT).map((opening) => opening.conversationId);
    const battlesWhere = async (condition: ReturnType<typeof sql>) => {
      const [{ battles }] = await queryRows<{ battles: number }>(
        database.db,
        sql`select coalesce(sum(jsonb_array_length(c.ranking) * (jsonb_array_length(c.ranking) - 1) / 2), 0)::int
                   as battles
            from comparisons c where c.campaign_id = ${campaignId} and c.source = 'primary'
            and c.review_status <> 'rejected' and ${condition}`,
      );
      return battles;
    };
    const all = await battlesWhere(sql`true`);
    const isCapped = sql`c.conversation_id in (${sql.join(
      capped.map((id) => sql`${id}::uuid`),
      sql`, `,
    )})`;
    const cappedBattles = await battlesWhere(isCapped);
    expect(cappedBattles).toBeGreaterThan(0);
    const isFlagged = sql`c.turn_id in (select turn_id from turn_flags where campaign_id = ${campaignId})`;
    const eitherBattles = await battlesWhere(sql`(${isCapped} or ${isFlagged})`);

    const withFlagged = await getLeaderboard(database.db, { campaignId, includeFlaggedTurns: true });
    expect(withFlagged.overRepresentedBattles).toBe(cappedBattles);
    expect(all - withFlagged.battles).toBe(cappedBattles);
    const without = await getLeaderboard(database.db, { campaignId });
    expect(all - without.battles).toBe(eitherBattles);
    expect(without.flaggedTurnBattles + without.overRepresentedBattles).toBe(eitherBattles);
  });
});
