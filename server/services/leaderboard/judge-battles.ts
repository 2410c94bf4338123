// The campaign's LLM judge as the only voter: each judged primary comparison is one battle between
// the variants of its rated pair. The judge's winner beats the other response; "unsure" (the two
// orders disagreed or said tie) is a tie, as MT-Bench counts an inconsistent swapped pair, and so
// is "negligibly better", as a human's is. Same scope as the human leaderboard's battles (campaign,
// batch, rejected comparisons left out unless asked for).
import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { queryRows } from "@/db/query-rows";
import type { BattleRow } from "./rolled-up-battles";

export function judgeBattles(
  db: Db,
  scope: { campaignId: string; batchId?: string; includeRejected: boolean },
): Promise<BattleRow[]> {
  return queryRows<BattleRow>(
    db,
    sql`
    select w.variant_name as "winnerName", w.variant_version as "winnerVersion",
      l.variant_name as "loserName", l.variant_version as "loserVersion",
      (a.judge_outcome = 'unsure' or a.judge_strength = 'negligibly_better') as "isTie",
      count(*)::int as battles
    from comparison_assists a
    join comparisons c on c.id = a.comparison_id
    join responses w on w.id = coalesce(a.judge_winner_response_id, c.chosen_response_id)
    join responses l on l.id = case when a.judge_winner_response_id = c.rejected_response_id
      then c.chosen_response_id else c.rejected_response_id end
    where a.campaign_id = ${scope.campaignId}::uuid and a.judged_at is not null and c.source = 'primary'
      and (a.judge_outcome = 'unsure' or a.judge_winner_response_id is not null)
      ${scope.batchId ? sql`and c.batch_id = ${scope.batchId}::uuid` : sql``}
      ${scope.includeRejected ? sql`` : sql`and c.review_status <> 'rejected'`}
    group by 1, 2, 3, 4, 5`,
  );
}
