// The leaderboard the integrity view shows: plain Bradley–Terry beside the style-controlled one
// (Arena's method), each with bootstrap intervals; how many votes would flip the ranking; the
// position-bias and tie rates of each variant pair; and plain scores per category slice.
import { emptyBattleCounts, fitBradleyTerry } from "@/server/services/quality/stats/bradley-terry";
import { playersOf, toBattles } from "./battles";
import type { Steps } from "./cooperative";
import type { Vote } from "./load-votes";
import { rankingRobustness } from "./stats/robustness";
import {
  type Battle,
  battleRowsSteps,
  bootstrapStyleIntervalsSteps,
  eloFromStrength,
  STYLE_BIN_WIDTH,
  styleBradleyTerrySteps,
} from "./stats/style-bradley-terry";
import { STYLE_FEATURES } from "./stats/style-features";
import { groupBy } from "./group-by";

export interface RankedVariant {
  variant: string;
  score: number;
  low: number;
  high: number;
}

const BOOTSTRAP_SEED = 20230718;

function* ranked(
  battles: Battle[],
  players: readonly string[],
  rounds: number,
): Steps<{ entries: RankedVariant[]; styleCoefficients: number[] }> {
  const rows = yield* battleRowsSteps(battles, players.length, { binWidth: STYLE_BIN_WIDTH });
  const fit = yield* styleBradleyTerrySteps(rows);
  const intervals =
    rounds > 0
      ? (yield* bootstrapStyleIntervalsSteps(rows, fit, { rounds, seed: BOOTSTRAP_SEED })).intervals
      : fit.strengths.map((beta) => ({ low: eloFromStrength(beta), high: eloFromStrength(beta) }));
  const round1 = (value: number) => Math.round(value * 10) / 10;
  const entries = players
    .map((variant, i) => ({
      variant,
      score: round1(eloFromStrength(fit.strengths[i])),
      low: round1(intervals[i].low),
      high: round1(intervals[i].high),
    }))
    .sort((a, b) => b.score - a.score);
  return { entries, styleCoefficients: fit.styleCoefficients };
}

function pairStatistics(votes: readonly Vote[]) {
  const pairs = new Map<
    string,
    { variants: [string, string]; battles: number; firstChosen: number; ties: number }
  >();
  for (const vote of votes) {
    const variants = [vote.chosen.variant, vote.rejected.variant].sort() as [string, string];
    const key = variants.join("\u0000");
    const entry = pairs.get(key) ?? { variants, battles: 0, firstChosen: 0, ties: 0 };
    entry.battles++;
    if (vote.chosenShownFirst) entry.firstChosen++;
    if (vote.strength === "negligibly_better") entry.ties++;
    pairs.set(key, entry);
  }
  return [...pairs.values()].map((entry) => ({
    variants: entry.variants,
    battles: entry.battles,
    responseAShare: entry.firstChosen / entry.battles,
    tieShare: entry.ties / entry.battles,
  }));
}

function countsOf(battles: readonly Battle[], players: number) {
  const counts = emptyBattleCounts(players);
  for (const battle of battles) {
    if (battle.a === battle.b) continue;
    if (battle.outcome === 0.5) {
      counts.ties[battle.a][battle.b]++;
      counts.ties[battle.b][battle.a]++;
    } else if (battle.outcome === 1) counts.wins[battle.a][battle.b]++;
    else counts.wins[battle.b][battle.a]++;
  }
  return counts;
}

function promptLengthBucket(prompt: string) {
  if (prompt.length < 100) return "short (< 100 characters)";
  if (prompt.length < 300) return "medium (100-299)";
  return "long (300+)";
}

function* slices(votes: readonly Vote[], players: readonly string[]) {
  const dimensions: [string, (vote: Vote) => string | null][] = [
    ["risk category", (vote) => vote.riskCategory],
    ["turn", (vote) => (vote.turnIndex >= 2 ? "3+" : String(vote.turnIndex + 1))],
    ["prompt length", (vote) => promptLengthBucket(vote.prompt)],
  ];
  const result: {
    slice: string;
    value: string;
    battles: number;
    plain: Omit<RankedVariant, "low" | "high">[];
  }[] = [];
  for (const [name, keyOf] of dimensions) {
    const groups = [...groupBy(votes, keyOf).entries()].sort(([a], [b]) => a.localeCompare(b));
    for (const [value, group] of groups) {
      const { entries } = yield* ranked(yield* toBattles(group, players, false), players, 0);
      result.push({
        slice: name,
        value,
        battles: group.length,
        plain: entries.map(({ variant, score }) => ({ variant, score })),
      });
    }
  }
  return result;
}

/** Plain and style-controlled scores alone (no intervals): what a toggle compares against. */
export function* scoresOnly(votes: readonly Vote[]) {
  const players = playersOf(votes);
  return {
    plain: (yield* ranked(yield* toBattles(votes, players, false), players, 0)).entries,
    styleControlled: (yield* ranked(yield* toBattles(votes, players, true), players, 0)).entries,
  };
}

export function* integrityLeaderboard(votes: readonly Vote[], options: { bootstrapRounds: number }) {
  const players = playersOf(votes);
  const plainBattles = yield* toBattles(votes, players, false);
  const plain = yield* ranked(plainBattles, players, options.bootstrapRounds);
  const styled = yield* ranked(yield* toBattles(votes, players, true), players, options.bootstrapRounds);
  const counts = countsOf(plainBattles, players.length);
  const gamma = fitBradleyTerry(counts, { pseudoTies: 1 });
  const order = gamma.map((_, i) => i).sort((a, b) => gamma[b] - gamma[a]);
  const robustness = yield* rankingRobustness(counts, order);
  return {
    battles: votes.length,
    leaderboard: {
      plain: plain.entries,
      styleControlled: styled.entries,
      styleCoefficients: Object.fromEntries(
        STYLE_FEATURES.map((feature, k) => [feature, styled.styleCoefficients[k]]),
      ),
    },
    robustness: {
      votesToFlipTop: robustness.votesToFlipTop,
      votesToFlipTopExact: robustness.votesToFlipTopExact,
      adjacentPairs: robustness.adjacentPairs.map((swap, rank) => ({
        upper: players[order[rank]],
        lower: players[order[rank + 1]],
        votesToSwap: swap.votes,
        exact: swap.exact,
      })),
    },
    pairs: pairStatistics(votes),
    slices: yield* slices(votes, players),
  };
}
