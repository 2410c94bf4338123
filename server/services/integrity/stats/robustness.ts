// How many votes would have to go for the ranking to change: the smallest set of battles whose
// removal puts another player level with or above #1 (or swaps an adjacent pair). Dropping a
// handful of votes changed the #1 on real arenas (Huang et al., arXiv 2508.11847); this says
// how close a leaderboard is to that. A greedy search over battle cells (who beat whom, or a
// tie) gives an upper bound: at each step, remove votes from the cell whose removal narrows the
// gap most, as many at once as keep the order, until it flips. Exhaustive search over every
// smaller removal then makes it exact while that stays affordable (small or fragile
// leaderboards, where it matters most); otherwise the bound is reported as such.
import type { BattleCounts } from "@/server/services/quality/stats/bradley-terry";
import type { Steps } from "../cooperative";
import { type Battle, fitStyleBradleyTerry } from "./style-bradley-terry";

interface Cell {
  kind: "win" | "tie";
  i: number;
  j: number;
}

function cells(counts: BattleCounts): Cell[] {
  const result: Cell[] = [];
  const n = counts.wins.length;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      if (counts.wins[i][j] > 0) result.push({ kind: "win", i, j });
      if (j > i && counts.ties[i][j] > 0) result.push({ kind: "tie", i, j });
    }
  }
  return result;
}

function countOf(counts: BattleCounts, cell: Cell) {
  return cell.kind === "win" ? counts.wins[cell.i][cell.j] : counts.ties[cell.i][cell.j];
}

function removed(counts: BattleCounts, cell: Cell, votes: number): BattleCounts {
  const next = { wins: counts.wins.map((row) => [...row]), ties: counts.ties.map((row) => [...row]) };
  if (cell.kind === "win") next.wins[cell.i][cell.j] -= votes;
  else {
    next.ties[cell.i][cell.j] -= votes;
    next.ties[cell.j][cell.i] -= votes;
  }
  return next;
}

/** As the leaderboard fits (get-leaderboard.ts): one virtual tie per pair that met keeps every
 * strength finite, so removing a player's last win does not send the fit to infinity. */
const PSEUDO_TIES = 1;

/** β_upper − β_lower (log-strengths): positive while `upper` stays ahead. Fitted by Newton's
 * method on the cells (a few iterations whatever the number of votes; Hunter's MM iteration
 * crawls when two players are nearly level, which is exactly where this looks). */
export function strengthGap(counts: BattleCounts, upper: number, lower: number): number {
  const n = counts.wins.length;
  const battles: Battle[] = [];
  const weights: number[] = [];
  const add = (a: number, b: number, outcome: number, weight: number) => {
    if (weight <= 0) return;
    battles.push({ a, b, outcome, style: [] });
    weights.push(weight);
  };
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const played = counts.wins[i][j] + counts.wins[j][i] + counts.ties[i][j];
      if (played === 0) continue;
      add(i, j, 1, counts.wins[i][j]);
      add(i, j, 0, counts.wins[j][i]);
      add(i, j, 0.5, counts.ties[i][j] + PSEUDO_TIES);
    }
  }
  const { strengths } = fitStyleBradleyTerry(battles, n, { weights, tolerance: 1e-12 });
  return strengths[upper] - strengths[lower];
}

/** Gaps this small count as level: the order has changed. */
const LEVEL = 1e-9;

/** Greedy: an upper bound on the votes to remove so that `lower` draws level with or passes
 * `upper`; null if it finds no way. */
function* greedySwap(counts: BattleCounts, upper: number, lower: number): Steps<number | null> {
  let current = counts;
  let removedVotes = 0;
  for (;;) {
    const gap = strengthGap(current, upper, lower);
    if (gap <= LEVEL) return removedVotes;
    let best: { cell: Cell; gap: number } | null = null;
    for (const cell of cells(current)) {
      yield;
      const after = strengthGap(removed(current, cell, 1), upper, lower);
      if (!best || after < best.gap) best = { cell, gap: after };
    }
    if (!best || best.gap >= gap) return null;
    // Remove as many from that cell as keep the order (binary search), then one more.
    let keep = 0;
    let high = countOf(current, best.cell);
    while (keep < high) {
      yield;
      const middle = Math.ceil((keep + high) / 2);
      if (strengthGap(removed(current, best.cell, middle), upper, lower) > LEVEL) keep = middle;
      else high = middle - 1;
    }
    const take = Math.max(1, Math.min(keep, countOf(current, best.cell) - 1));
    current = removed(current, best.cell, take);
    removedVotes += take;
  }
}

/** Model fits the exhaustive search may spend per pair before settling for the greedy bound. */
const EXHAUSTIVE_FITS = 20_000;

/** Whether removing exactly `total` votes (any mix of cells) can swap the pair: true, false, or
 * null when the budget ran out first. */
function* someRemovalSwaps(
  counts: BattleCounts,
  upper: number,
  lower: number,
  total: number,
  budget: { fits: number },
): Steps<boolean | null> {
  const list = cells(counts);
  const take = new Array<number>(list.length).fill(0);
  function* visit(index: number, left: number): Steps<boolean | null> {
    if (left === 0) {
      if (budget.fits-- <= 0) return null;
      yield;
      let next = counts;
      list.forEach((cell, c) => {
        if (take[c] > 0) next = removed(next, cell, take[c]);
      });
      return strengthGap(next, upper, lower) <= LEVEL;
    }
    if (index === list.length) {
      yield;
      return false;
    }
    for (let k = Math.min(left, countOf(counts, list[index])); k >= 0; k--) {
      take[index] = k;
      const found = yield* visit(index + 1, left - k);
      take[index] = 0;
      if (found !== false) return found;
    }
    return false;
  }
  return yield* visit(0, total);
}

export interface SwapVotes {
  /** Votes to remove; null when no removal found swaps the pair. */
  votes: number | null;
  /** True when no smaller removal exists (searched exhaustively); false for the greedy bound. */
  exact: boolean;
}

/** The fewest votes whose removal makes `lower` draw level with or pass `upper`. */
export function* votesToSwap(counts: BattleCounts, upper: number, lower: number): Steps<SwapVotes> {
  const bound = yield* greedySwap(counts, upper, lower);
  if (bound === null) return { votes: null, exact: false };
  const budget = { fits: EXHAUSTIVE_FITS };
  for (let total = 1; total < bound; total++) {
    const found = yield* someRemovalSwaps(counts, upper, lower, total, budget);
    if (found === null) return { votes: bound, exact: false };
    if (found) return { votes: total, exact: true };
  }
  return { votes: bound, exact: true };
}

/** Robustness of a ranking (players in rank order): votes to flip #1 (against any challenger)
 * and each adjacent pair. Yields between model fits (cooperative.ts): the search may make tens of
 * thousands of them. */
export function* rankingRobustness(counts: BattleCounts, order: readonly number[]) {
  const adjacent: SwapVotes[] = [];
  for (const [rank, upper] of order.slice(0, -1).entries())
    adjacent.push(yield* votesToSwap(counts, upper, order[rank + 1]));
  const challengers: SwapVotes[] = [];
  for (const lower of order.slice(1)) {
    const swap = yield* votesToSwap(counts, order[0], lower);
    if (swap.votes !== null) challengers.push(swap);
  }
  const fewest = challengers.reduce<SwapVotes | null>(
    (best, swap) => (best === null || swap.votes! < best.votes! ? swap : best),
    null,
  );
  return {
    votesToFlipTop: fewest?.votes ?? null,
    /** False when the number is the greedy search's upper bound. */
    votesToFlipTopExact: fewest?.exact ?? false,
    adjacentPairs: adjacent,
  };
}
