import { describe, expect, it } from "vitest";
import {
  type BattleCounts,
  emptyBattleCounts,
  fitBradleyTerry,
} from "@/server/services/quality/stats/bradley-terry";
import { seededRandom } from "@/server/services/quality/stats/random";
import { runSteps } from "../cooperative";
import { rankingRobustness, strengthGap, votesToSwap } from "./robustness";

/** Exhaustive search: the fewest votes (any multiset of battles) whose removal makes `lower`
 * draw level with or pass `upper`. */
function bruteForce(counts: BattleCounts, upper: number, lower: number): number | null {
  const n = counts.wins.length;
  const cells: { kind: "win" | "tie"; i: number; j: number; count: number }[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i !== j && counts.wins[i][j] > 0) cells.push({ kind: "win", i, j, count: counts.wins[i][j] });
      if (j > i && counts.ties[i][j] > 0) cells.push({ kind: "tie", i, j, count: counts.ties[i][j] });
    }
  }
  let best: number | null = null;
  const take = new Array<number>(cells.length).fill(0);
  const visit = (index: number, taken: number) => {
    if (best !== null && taken >= best) return;
    if (index === cells.length) {
      const next = { wins: counts.wins.map((row) => [...row]), ties: counts.ties.map((row) => [...row]) };
      cells.forEach((cell, c) => {
        if (cell.kind === "win") next.wins[cell.i][cell.j] -= take[c];
        else {
          next.ties[cell.i][cell.j] -= take[c];
          next.ties[cell.j][cell.i] -= take[c];
        }
      });
      if (strengthGap(next, upper, lower) <= 1e-9) best = taken;
      return;
    }
    for (let k = 0; k <= cells[index].count; k++) {
      take[index] = k;
      visit(index + 1, taken + k);
    }
    take[index] = 0;
  };
  visit(0, 0);
  return best;
}

function randomTournament(seed: number, players: number, battles: number) {
  const random = seededRandom(seed);
  const counts = emptyBattleCounts(players);
  const skill = Array.from({ length: players }, (_, i) => i * 0.6);
  for (let n = 0; n < battles; n++) {
    const a = Math.floor(random() * players);
    const b = (a + 1 + Math.floor(random() * (players - 1))) % players;
    const draw = random();
    if (draw < 0.15) {
      counts.ties[a][b]++;
      counts.ties[b][a]++;
    } else if (draw < 0.15 + 0.85 / (1 + Math.exp(skill[b] - skill[a]))) counts.wins[a][b]++;
    else counts.wins[b][a]++;
  }
  return counts;
}

describe("ranking robustness", () => {
  it("needs one vote to flip two players one win apart, worked by hand", () => {
    // 0 beat 1 twice, 1 beat 0 once: removing one of 0's wins levels them (1 : 1).
    const counts = emptyBattleCounts(2);
    counts.wins[0][1] = 2;
    counts.wins[1][0] = 1;
    expect(runSteps(votesToSwap(counts, 0, 1))).toEqual({ votes: 1, exact: true });
    counts.wins[0][1] = 5;
    // 5 : 1 → 1 : 1 takes four (the leaderboard's virtual tie counts the same for both).
    expect(runSteps(votesToSwap(counts, 0, 1))).toEqual({ votes: 4, exact: true });
  });

  it("equals exhaustive search on small tournaments", { timeout: 120_000 }, () => {
    const tournaments = [
      ...Array.from({ length: 12 }, (_, i) => ({ seed: i + 1, players: 3, battles: 9 })),
      ...Array.from({ length: 8 }, (_, i) => ({ seed: 100 + i, players: 4, battles: 10 })),
    ];
    for (const { seed, players, battles } of tournaments) {
      const counts = randomTournament(seed, players, battles);
      const gamma = fitBradleyTerry(counts, { pseudoTies: 1 });
      const order = gamma.map((_, i) => i).sort((a, b) => gamma[b] - gamma[a]);
      const { votesToFlipTop, votesToFlipTopExact, adjacentPairs } = runSteps(
        rankingRobustness(counts, order),
      );
      const exhaustiveTop = order
        .slice(1)
        .map((lower) => bruteForce(counts, order[0], lower))
        .filter((votes): votes is number => votes !== null);
      expect(votesToFlipTop, `seed ${seed}`).toBe(exhaustiveTop.length ? Math.min(...exhaustiveTop) : null);
      if (votesToFlipTop !== null) expect(votesToFlipTopExact, `seed ${seed}`).toBe(true);
      adjacentPairs.forEach((swap, rank) =>
        expect(swap.votes, `seed ${seed}, rank ${rank}`).toBe(
          bruteForce(counts, order[rank], order[rank + 1]),
        ),
      );
    }
  });
});
