import { describe, expect, it } from "vitest";
import {
  bootstrapScoreIntervals,
  eloScore,
  emptyBattleCounts,
  fitBradleyTerry,
  winRateMatrix,
  type BattleCounts,
} from "./bradley-terry";

/** Battles whose maximum-likelihood strengths are exactly 4 : 2 : 1: each pair's observed win
 * share equals γi / (γi + γj), so the likelihood equations hold at that point. */
function knownSolution(): BattleCounts {
  const counts = emptyBattleCounts(3);
  counts.wins[0][1] = 20; // 4 / (4 + 2) = 2/3 of 30
  counts.wins[1][0] = 10;
  counts.wins[0][2] = 40; // 4 / (4 + 1) = 4/5 of 50
  counts.wins[2][0] = 10;
  counts.wins[1][2] = 20; // 2 / (2 + 1) = 2/3 of 30
  counts.wins[2][1] = 10;
  return counts;
}

describe("fitBradleyTerry", () => {
  it("recovers strengths 4 : 2 : 1 from battles that have them as the exact solution", () => {
    const gamma = fitBradleyTerry(knownSolution());
    // Geometric mean fixed at 1: (4·2·1)^(1/3) = 2.
    expect(gamma[0]).toBeCloseTo(2, 8);
    expect(gamma[1]).toBeCloseTo(1, 8);
    expect(gamma[2]).toBeCloseTo(0.5, 8);
    expect(eloScore(gamma[0]) - eloScore(gamma[1])).toBeCloseTo(400 * Math.log10(2), 6);
  });

  it("counts a tie as half a win for each side", () => {
    const withTies = emptyBattleCounts(2);
    withTies.wins[0][1] = 6;
    withTies.wins[1][0] = 2;
    withTies.ties[0][1] = withTies.ties[1][0] = 4;
    // Effective wins 8 : 4 over 12 battles, so γ0 / γ1 = 2.
    const gamma = fitBradleyTerry(withTies);
    expect(gamma[0] / gamma[1]).toBeCloseTo(2, 8);

    const onlyTies = emptyBattleCounts(2);
    onlyTies.ties[0][1] = onlyTies.ties[1][0] = 10;
    expect(fitBradleyTerry(onlyTies)).toEqual([1, 1]);
  });

  it("keeps scores finite with virtual ties between players that met when one never won", () => {
    const counts = emptyBattleCounts(2);
    counts.wins[0][1] = 10;
    const gamma = fitBradleyTerry(counts, { pseudoTies: 1 });
    // Effective wins 10.5 : 0.5, so γ0 / γ1 = 21.
    expect(gamma[0] / gamma[1]).toBeCloseTo(21, 6);
  });
});

describe("bootstrapScoreIntervals", () => {
  it("brackets the point estimate, narrows with more data, and repeats with the same seed", () => {
    const small = knownSolution();
    const large = emptyBattleCounts(3);
    small.wins.forEach((row, i) => row.forEach((wins, j) => (large.wins[i][j] = wins * 100)));

    const smallIntervals = bootstrapScoreIntervals(small, { rounds: 300, seed: 7 });
    const largeIntervals = bootstrapScoreIntervals(large, { rounds: 300, seed: 7 });
    const estimate = fitBradleyTerry(small).map(eloScore);
    smallIntervals.forEach((interval, i) => {
      expect(interval.lower).toBeLessThan(estimate[i]);
      expect(interval.upper).toBeGreaterThan(estimate[i]);
      const width = interval.upper - interval.lower;
      const largeWidth = largeIntervals[i].upper - largeIntervals[i].lower;
      // 100× the battles: intervals about 10× narrower.
      expect(largeWidth).toBeLessThan(width / 5);
    });
    expect(bootstrapScoreIntervals(small, { rounds: 300, seed: 7 })).toEqual(smallIntervals);
  });
});

describe("winRateMatrix", () => {
  it("gives each pair's win share with ties as half, and null where they never met", () => {
    const counts = emptyBattleCounts(3);
    counts.wins[0][1] = 3;
    counts.wins[1][0] = 1;
    counts.ties[0][1] = counts.ties[1][0] = 2;
    expect(winRateMatrix(counts)).toEqual([
      [null, 4 / 6, null],
      [2 / 6, null, null],
      [null, null, null],
    ]);
  });
});
