import { describe, expect, it } from "vitest";
import { logGamma, quantile, samplePoisson, seededRandom } from "./random";

describe("seededRandom", () => {
  it("repeats its sequence for a seed and stays in [0, 1)", () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const values = Array.from({ length: 1000 }, () => a());
    expect(values).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
  });
});

describe("samplePoisson", () => {
  it.each([3, 80, 5000])("has mean and variance %d", (mean) => {
    const random = seededRandom(mean);
    const draws = Array.from({ length: 20_000 }, () => samplePoisson(mean, random));
    const sampleMean = draws.reduce((sum, value) => sum + value, 0) / draws.length;
    const variance = draws.reduce((sum, value) => sum + (value - sampleMean) ** 2, 0) / (draws.length - 1);
    // Standard error of the mean is sqrt(mean / 20000); allow 5 of them.
    expect(Math.abs(sampleMean - mean)).toBeLessThan(5 * Math.sqrt(mean / draws.length));
    expect(variance / mean).toBeGreaterThan(0.95);
    expect(variance / mean).toBeLessThan(1.05);
  });
});

describe("logGamma and quantile", () => {
  it("match known values", () => {
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
    expect(quantile([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.25)).toBe(2);
  });
});
