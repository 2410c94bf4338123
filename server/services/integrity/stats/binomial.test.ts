import { describe, expect, it } from "vitest";
import { binomialLogPmf, binomialTestGreater, binomialTestTwoSided } from "./binomial";

describe("binomial tests", () => {
  it("gives the probabilities of a small binomial worked by hand", () => {
    // P(X = 2) for Binomial(4, 0.5) = 6 / 16.
    expect(Math.exp(binomialLogPmf(2, 4, 0.5))).toBeCloseTo(0.375, 12);
    // P(X = 1) for Binomial(3, 0.2) = 3 · 0.2 · 0.64 = 0.384.
    expect(Math.exp(binomialLogPmf(1, 3, 0.2))).toBeCloseTo(0.384, 12);
  });

  it("matches R's binom.test on hand-computable cases", () => {
    // 9 of 10 heads: P(X >= 9) + P(X <= 1) = 2 · 11/1024.
    expect(binomialTestTwoSided(9, 10)).toBeCloseTo(22 / 1024, 12);
    // 5 of 10 is the most likely outcome: every outcome counts.
    expect(binomialTestTwoSided(5, 10)).toBeCloseTo(1, 12);
    // 0 of 5 with p = 0.2: outcomes no more likely than 0.32768 are 0, 2, 3, 4, 5 → 1 − P(1).
    expect(binomialTestTwoSided(0, 5, 0.2)).toBeCloseTo(1 - 0.4096, 12);
    expect(binomialTestTwoSided(0, 0)).toBe(1);
  });

  it("gives the upper tail for the one-sided test", () => {
    // P(X >= 8) for Binomial(10, 0.5) = (45 + 10 + 1) / 1024.
    expect(binomialTestGreater(8, 10)).toBeCloseTo(56 / 1024, 12);
    expect(binomialTestGreater(0, 10)).toBeCloseTo(1, 12);
  });
});
