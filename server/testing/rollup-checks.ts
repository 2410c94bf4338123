// Checks that the rollups behind the dashboard and leaderboard say what the raw comparisons say,
// recomputed here from comparisons, responses and rankings (battles from every pair i < j of
// comparisons.ranking, joined to the responses it names, never from the rollups' own inputs).
import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { queryRows } from "@/db/query-rows";
import { getLeaderboard } from "@/server/services/leaderboard/get-leaderboard";

/** Every pair (i < j) of each primary ranking: ranking[i] beat ranking[j]. */
export function rankedPairs(campaignId: string) {
  return sql`
    select c.batch_id, c.review_status, w.variant_name as winner_name, w.variant_version as winner_version,
           l.variant_name as loser_name, l.variant_version as loser_version,
           (a.i = 1 and b.j = 2 and c.strength = 'negligibly_better') as is_tie
    from comparisons c
    cross join lateral jsonb_array_elements_text(c.ranking) with ordinality as a(response_id, i)
    cross join lateral jsonb_array_elements_text(c.ranking) with ordinality as b(response_id, j)
    join responses w on w.id = a.response_id::uuid
    join responses l on l.id = b.response_id::uuid
    where c.campaign_id = ${campaignId} and c.source = 'primary' and b.j > a.i`;
}

export type RollupName = "daily" | "annotators" | "times" | "battles";

/** Per rollup, the rows that differ between it and its recomputation, in either direction. */
export async function rollupDisagreements(db: Db, campaignId: string): Promise<Record<RollupName, number>> {
  const checks: Record<RollupName, [ReturnType<typeof sql>, ReturnType<typeof sql>]> = {
    daily: [
      sql`select batch_id, (created_at at time zone 'UTC')::date as day, source, strength,
                 coalesce(safety_bin::text, '') as safety_bin, review_status, count(*)::int, sum(time_spent_ms)::bigint
          from comparisons where campaign_id = ${campaignId} group by 1, 2, 3, 4, 5, 6`,
      sql`select batch_id, day, source, strength, safety_bin, review_status, comparisons, time_spent_ms_sum
          from comparison_daily_rollups where campaign_id = ${campaignId}`,
    ],
    annotators: [
      sql`select batch_id, annotator_id, source, review_status, count(*)::int, sum(time_spent_ms)::bigint
          from comparisons where campaign_id = ${campaignId} group by 1, 2, 3, 4`,
      sql`select batch_id, annotator_id, source, review_status, comparisons, time_spent_ms_sum
          from annotator_rollups where campaign_id = ${campaignId}`,
    ],
    times: [
      sql`select batch_id, annotator_id, arbiter_time_bucket(time_spent_ms), count(*)::int
          from comparisons where campaign_id = ${campaignId} group by 1, 2, 3`,
      sql`select batch_id, annotator_id, bucket, comparisons from time_spent_rollups where campaign_id = ${campaignId}`,
    ],
    battles: [
      sql`select batch_id, review_status, winner_name, winner_version, loser_name, loser_version, is_tie, count(*)::int
          from (${rankedPairs(campaignId)}) pairs group by 1, 2, 3, 4, 5, 6, 7`,
      sql`select batch_id, review_status, winner_name, winner_version, loser_name, loser_version, is_tie, battles
          from battle_rollups where campaign_id = ${campaignId}`,
    ],
  };
  const found = {} as Record<RollupName, number>;
  for (const [name, [raw, rollup]] of Object.entries(checks) as [RollupName, (typeof checks)[RollupName]][]) {
    const [{ n }] = await queryRows<{ n: number }>(
      db,
      sql`select count(*)::int as n from ((${raw} except ${rollup}) union all (${rollup} except ${raw})) differences`,
    );
    found[name] = n;
  }
  return found;
}

interface WinLossTie {
  wins: number;
  losses: number;
  ties: number;
}

/** Each variant version's wins, losses and ties ("name (version)"), counted from the raw rankings. */
async function recordsFromRankings(db: Db, campaignId: string) {
  const pairs = await queryRows<{ winner: string; loser: string; is_tie: boolean; n: number }>(
    db,
    sql`select winner_name || ' (' || winner_version || ')' as winner,
               loser_name || ' (' || loser_version || ')' as loser, is_tie, count(*)::int as n
        from (${rankedPairs(campaignId)}) pairs where review_status <> 'rejected' group by 1, 2, 3`,
  );
  const records: Record<string, WinLossTie> = {};
  const recordOf = (label: string) => (records[label] ??= { wins: 0, losses: 0, ties: 0 });
  let battles = 0;
  for (const pair of pairs) {
    if (pair.winner === pair.loser) continue; // one variant version twice in a turn: no battle
    battles += pair.n;
    if (pair.is_tie) {
      recordOf(pair.winner).ties += pair.n;
      recordOf(pair.loser).ties += pair.n;
    } else {
      recordOf(pair.winner).wins += pair.n;
      recordOf(pair.loser).losses += pair.n;
    }
  }
  return { records, battles };
}

/** The leaderboard's figures next to the same figures counted from the raw rankings. */
export async function leaderboardAndRankings(db: Db, campaignId: string) {
  // The raw rankings count every turn, flagged ones included.
  const board = await getLeaderboard(db, { campaignId, includeFlaggedTurns: true });
  const leaderboard = {
    battles: board.battles,
    records: Object.fromEntries(
      board.players.map((player) => [
        player.label,
        { wins: player.wins, losses: player.losses, ties: player.ties },
      ]),
    ),
  };
  return { board, leaderboard, rankings: await recordsFromRankings(db, campaignId) };
}
