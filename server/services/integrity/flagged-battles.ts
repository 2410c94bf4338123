// The battles of turns flagged for identity (turn_flags), which the leaderboard leaves out by
// default. They are counted from the flagged turns' primary comparisons with the battle rollup's
// own rank breaking (each pair i < j of a ranking is one battle ranking[i] won; the first pair of
// a "negligibly better" judgement is a tie) and taken off the rollup's counts: flagged turns are
// few, so this reads a handful of comparisons instead of a rollup per flag.
import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { queryRows } from "@/db/query-rows";

export interface BattleRow {
  winnerName: string;
  winnerVersion: string;
  loserName: string;
  loserVersion: string;
  isTie: boolean;
  battles: number;
}

export async function flaggedTurnBattles(
  db: Db,
  scope: { campaignId: string; batchId?: string; includeRejected: boolean },
): Promise<BattleRow[]> {
  return queryRows<BattleRow>(
    db,
    sql`select a.variant->>'name' as "winnerName", a.variant->>'version' as "winnerVersion",
               b.variant->>'name' as "loserName", b.variant->>'version' as "loserVersion",
               (a.i = 1 and b.j = 2 and c.strength = 'negligibly_better') as "isTie",
               count(*)::int as battles
        from comparisons c
        cross join lateral jsonb_array_elements(c.ranking_variants) with ordinality as a(variant, i)
        cross join lateral jsonb_array_elements(c.ranking_variants) with ordinality as b(variant, j)
        where c.campaign_id = ${scope.campaignId} and c.source = 'primary' and b.j > a.i
          and c.turn_id in (select turn_id from turn_flags where campaign_id = ${scope.campaignId})
          ${scope.batchId ? sql`and c.batch_id = ${scope.batchId}` : sql``}
          ${scope.includeRejected ? sql`` : sql`and c.review_status <> 'rejected'`}
        group by 1, 2, 3, 4, 5`,
  );
}

/** `rows` with the `taken` battles taken off (both grouped by winner, loser and tie). */
export function withoutBattles(rows: BattleRow[], taken: BattleRow[]): BattleRow[] {
  const keyOf = (row: BattleRow) =>
    JSON.stringify([row.winnerName, row.winnerVersion, row.loserName, row.loserVersion, row.isTie]);
  const takenBy = new Map(taken.map((row) => [keyOf(row), row.battles]));
  return rows.map((row) => ({ ...row, battles: Number(row.battles) - (takenBy.get(keyOf(row)) ?? 0) }));
}
