// The battles the leaderboard leaves out: those of turns flagged for identity (turn_flags; kept
// when asked for) and those of over-represented prompts — every turn of a conversation whose
// opening prompt came MAX_CONVERSATIONS_PER_PROMPT-th or later in its near-duplicate cluster
// (prompt_signatures), as Chatbot Arena caps prompts. They are counted from those turns' primary
// comparisons with the battle rollup's own rank breaking (each pair i < j of a ranking is one
// battle ranking[i] won; the first pair of a "negligibly better" judgement is a tie) and taken off
// the rollup's counts: such turns are few, so this reads a handful of comparisons by turn instead
// of a rollup per flag.
import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { queryRows } from "@/db/query-rows";
import type { BattleRow } from "../leaderboard/rolled-up-battles";
import { MAX_CONVERSATIONS_PER_PROMPT } from "./near-duplicates";

export interface LeftOutBattleRow extends BattleRow {
  /** Over-represented prompt (also when the turn is flagged for identity as well). */
  isOverRepresented: boolean;
}

export async function leftOutBattles(
  db: Db,
  scope: { campaignId: string; batchId?: string; includeRejected: boolean; includeFlaggedTurns: boolean },
): Promise<LeftOutBattleRow[]> {
  return queryRows<LeftOutBattleRow>(
    db,
    sql`with left_out as (
          select turn_id, bool_or(is_over_represented) as is_over_represented from (
            select t.id as turn_id, true as is_over_represented
            from prompt_signatures ps
            join turns opening on opening.id = ps.turn_id
            join turns t on t.conversation_id = opening.conversation_id
            where ps.campaign_id = ${scope.campaignId} and ps.cluster_position >= ${MAX_CONVERSATIONS_PER_PROMPT}
            ${
              scope.includeFlaggedTurns
                ? sql``
                : sql`union all
                      select turn_id, false from turn_flags where campaign_id = ${scope.campaignId}`
            }
          ) reasons group by turn_id
        )
        select a.variant->>'name' as "winnerName", a.variant->>'version' as "winnerVersion",
               b.variant->>'name' as "loserName", b.variant->>'version' as "loserVersion",
               (a.i = 1 and b.j = 2 and c.strength = 'negligibly_better') as "isTie",
               left_out.is_over_represented as "isOverRepresented",
               count(*)::int as battles
        from left_out
        join comparisons c on c.turn_id = left_out.turn_id
        cross join lateral jsonb_array_elements(c.ranking_variants) with ordinality as a(variant, i)
        cross join lateral jsonb_array_elements(c.ranking_variants) with ordinality as b(variant, j)
        where c.campaign_id = ${scope.campaignId} and c.source = 'primary' and b.j > a.i
          ${scope.batchId ? sql`and c.batch_id = ${scope.batchId}` : sql``}
          ${scope.includeRejected ? sql`` : sql`and c.review_status <> 'rejected'`}
        group by 1, 2, 3, 4, 5, 6`,
  );
}

/** `rows` with the `taken` battles taken off (both grouped by winner, loser and tie). */
export function withoutBattles(rows: BattleRow[], taken: BattleRow[]): BattleRow[] {
  const keyOf = (row: BattleRow) =>
    JSON.stringify([row.winnerName, row.winnerVersion, row.loserName, row.loserVersion, row.isTie]);
  const takenBy = new Map<string, number>();
  for (const row of taken) takenBy.set(keyOf(row), (takenBy.get(keyOf(row)) ?? 0) + Number(row.battles));
  return rows.map((row) => ({ ...row, battles: Number(row.battles) - (takenBy.get(keyOf(row)) ?? 0) }));
}
