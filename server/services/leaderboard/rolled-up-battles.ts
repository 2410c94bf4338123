// The battles of a campaign (or one batch) from the battle rollups, by winner, loser and tie, and
// the Bradley–Terry counts of the players a caller ranks: what the leaderboard and the "most
// informative pairs" policy (server/generation/informative-pairing.ts) both fit.
import { and, eq, ne, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { battleRollups } from "@/db/schema";
import { emptyBattleCounts } from "../quality/stats/bradley-terry";

export interface BattleRow {
  winnerName: string;
  winnerVersion: string;
  loserName: string;
  loserVersion: string;
  isTie: boolean;
  battles: number;
}

export function rolledUpBattles(
  db: Db,
  scope: { campaignId: string; batchId?: string; includeRejected: boolean },
): Promise<BattleRow[]> {
  return db
    .select({
      winnerName: battleRollups.winnerName,
      winnerVersion: battleRollups.winnerVersion,
      loserName: battleRollups.loserName,
      loserVersion: battleRollups.loserVersion,
      isTie: battleRollups.isTie,
      battles: sql<number>`sum(${battleRollups.battles})::int`,
    })
    .from(battleRollups)
    .where(
      and(
        eq(battleRollups.campaignId, scope.campaignId),
        scope.batchId ? eq(battleRollups.batchId, scope.batchId) : undefined,
        scope.includeRejected ? undefined : ne(battleRollups.reviewStatus, "rejected"),
      ),
    )
    .groupBy(
      battleRollups.winnerName,
      battleRollups.winnerVersion,
      battleRollups.loserName,
      battleRollups.loserVersion,
      battleRollups.isTie,
    );
}

/** The key of a player: a variant's name and version, as battles record them. */
export const playerKey = (name: string, version: string) => JSON.stringify([name, version]);

/** Wins and ties among `players` (keys by playerKey); battles of other players are skipped. */
export function countBattles(rows: readonly BattleRow[], players: readonly string[]) {
  const index = new Map(players.map((key, i) => [key, i]));
  const counts = emptyBattleCounts(players.length);
  for (const row of rows) {
    const battles = Number(row.battles);
    if (battles <= 0) continue;
    const i = index.get(playerKey(row.winnerName, row.winnerVersion));
    const j = index.get(playerKey(row.loserName, row.loserVersion));
    // A variant against itself says nothing about its rank.
    if (i === undefined || j === undefined || i === j) continue;
    if (row.isTie) {
      counts.ties[i][j] += battles;
      counts.ties[j][i] += battles;
    } else {
      counts.wins[i][j] += battles;
    }
  }
  return counts;
}
