// The leaderboard of a campaign (or one batch): every variant version's Bradley–Terry score
// with a bootstrap 95% interval, a rank shared by variants that no interval separates, a
// preliminary mark below PRELIMINARY_BATTLES, its record, and the pairwise win-rate and
// battle-count matrices. Battles come from primary comparisons (a ranking gives each of its pairs; ties —
// "negligibly better / unsure" — count half to each side); rejected comparisons and turns flagged
// for identity (a response names a model, or the prompt asks who it is) are left out unless asked
// for, and conversations of over-represented near-duplicate prompts always. The same board can be
// built from the campaign's LLM judge's verdicts instead (judge-battles.ts), to set beside it.
import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { modelVariants } from "@/db/schema";
import { modelLabel } from "@/lib/model-label";
import { findCampaign } from "../campaigns/campaign-access";
import { leftOutBattles, withoutBattles } from "../integrity/flagged-battles";
import {
  bootstrapScoreIntervals,
  eloScore,
  fitBradleyTerry,
  winRateMatrix,
} from "../quality/stats/bradley-terry";
import { judgeBattles } from "./judge-battles";
import { countBattles, playerKey, rolledUpBattles } from "./rolled-up-battles";

export const LeaderboardInput = z.object({
  campaignId: z.uuid("That is not a valid campaign id."),
  batchId: z.uuid().optional(),
  includeRejected: z.boolean().default(false),
  includeFlaggedTurns: z.boolean().default(false),
  /** Whose verdicts make the battles: the annotators', or the campaign's LLM judge's. */
  voter: z.enum(["human", "judge"]).default("human"),
});
export type LeaderboardInput = z.input<typeof LeaderboardInput>;

/** One virtual tie per pair of variants that met keeps every score finite when a variant never
 * won; next to hundreds of real battles it moves scores by a fraction of a point. */
const PSEUDO_TIES = 1;
const BOOTSTRAP_ROUNDS = 500;
const BOOTSTRAP_SEED = 20230718; // the Llama 2 paper's release date: any fixed seed will do
/**
 * Below this many battles a variant is marked preliminary, as Chatbot Arena marks new models:
 * with n battles the 95% margin of a win rate near 50% is about ±1.96·0.5/√n, ±14 points at 50,
 * wider than the gap between most variants a campaign compares.
 */
export const PRELIMINARY_BATTLES = 50;

interface Rankable {
  score: number;
  interval: { lower: number; upper: number } | null;
  battles: number;
}

/**
 * One player is ahead of another when their 95% intervals do not overlap (Chatbot Arena's rule).
 * Intervals of preliminary players separate nobody: resampling a handful of battles understates
 * their spread (one battle resampled is always that battle, an interval of width 0).
 */
function isAhead(a: Rankable, b: Rankable) {
  if (a.battles < PRELIMINARY_BATTLES || b.battles < PRELIMINARY_BATTLES) return false;
  if (a.interval && b.interval) return a.interval.lower > b.interval.upper;
  return Math.round(a.score * 10) > Math.round(b.score * 10);
}

/** Rank: 1 + how many players are ahead, so players that no one separates share a rank. */
export function sharedRanks(players: readonly Rankable[]) {
  return players.map((player) => 1 + players.filter((other) => isAhead(other, player)).length);
}

export async function getLeaderboard(db: Db, rawInput: LeaderboardInput) {
  const input = LeaderboardInput.parse(rawInput);
  const campaign = await findCampaign(db, input.campaignId);
  const scope = { ...input, campaignId: campaign.id };
  // The judge's board is not cut by turn flags or near-duplicates (those subtract human battles).
  const rolledUp = await (input.voter === "judge" ? judgeBattles(db, scope) : rolledUpBattles(db, scope));
  const leftOut = input.voter === "judge" ? [] : await leftOutBattles(db, scope);
  const rows = withoutBattles(rolledUp, leftOut);
  const leftOutFor = (isOverRepresented: boolean) =>
    leftOut
      .filter((row) => row.isOverRepresented === isOverRepresented)
      .reduce((sum, row) => sum + row.battles, 0);

  const players = [
    ...new Set(
      rows.flatMap((row) => [
        playerKey(row.winnerName, row.winnerVersion),
        playerKey(row.loserName, row.loserVersion),
      ]),
    ),
  ].sort();
  const counts = countBattles(rows, players);
  const battleMatrix = counts.wins.map((row, i) =>
    row.map((wins, j) => (i === j ? 0 : wins + counts.wins[j][i] + counts.ties[i][j])),
  );
  const totalBattles = battleMatrix.flat().reduce((sum, value) => sum + value, 0) / 2;
  const strengths =
    players.length > 1 ? fitBradleyTerry(counts, { pseudoTies: PSEUDO_TIES }) : players.map(() => 1);
  const intervals =
    players.length > 1 && totalBattles > 0
      ? bootstrapScoreIntervals(counts, {
          pseudoTies: PSEUDO_TIES,
          rounds: BOOTSTRAP_ROUNDS,
          seed: BOOTSTRAP_SEED,
          estimate: strengths,
        })
      : players.map(() => null);
  const rates = winRateMatrix(counts);
  // What each variant runs now (its model file and adapter), for telling the players apart.
  const variants = await db
    .select({
      name: modelVariants.name,
      endpointKind: modelVariants.endpointKind,
      model: modelVariants.model,
      modelPath: modelVariants.modelPath,
      adapterPath: modelVariants.adapterPath,
      adapterScale: modelVariants.adapterScale,
    })
    .from(modelVariants)
    .where(eq(modelVariants.campaignId, campaign.id));
  const models = new Map(variants.map((variant) => [variant.name, modelLabel(variant)]));

  const entries = players.map((key, i) => {
    const [name, version] = JSON.parse(key) as [string, string];
    const wins = counts.wins[i].reduce((sum, value) => sum + value, 0);
    const losses = counts.wins.reduce((sum, row) => sum + row[i], 0);
    const ties = counts.ties[i].reduce((sum, value) => sum + value, 0);
    return {
      index: i,
      name,
      version,
      label: `${name} (${version})`,
      /** The variant's model as it is now ("base.gguf + sft.gguf ×0.5"); null for a deleted variant. */
      model: models.get(name) ?? null,
      score: eloScore(strengths[i]),
      interval: intervals[i],
      battles: wins + losses + ties,
      wins,
      losses,
      ties,
    };
  });
  const ranked = [...entries].sort((a, b) => b.score - a.score);
  const order = ranked.map((entry) => entry.index);
  const ranks = sharedRanks(ranked);
  return {
    campaign: { id: campaign.id, name: campaign.name },
    battles: totalBattles,
    /** Battles of flagged turns left out (0 when they are included). */
    flaggedTurnBattles: leftOutFor(false),
    /** Battles of over-represented near-duplicate prompts left out (always). */
    overRepresentedBattles: leftOutFor(true),
    bootstrapRounds: BOOTSTRAP_ROUNDS,
    preliminaryBattles: PRELIMINARY_BATTLES,
    players: ranked.map(({ index: _index, ...entry }, position) => ({
      rank: ranks[position],
      isPreliminary: entry.battles < PRELIMINARY_BATTLES,
      ...entry,
    })),
    /** Row i, column j: how often ranked player i beat ranked player j (ties as half). */
    winRates: order.map((i) => order.map((j) => rates[i][j])),
    battleCounts: order.map((i) => order.map((j) => battleMatrix[i][j])),
  };
}
