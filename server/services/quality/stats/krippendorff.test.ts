import { describe, expect, it } from "vitest";
import {
  alphaFromCoincidences,
  coincidencesFromPairs,
  coincidencesOf,
  krippendorffAlpha,
} from "./krippendorff";

// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four observers,
// twelve units, missing values (null). Published: nominal .743, ordinal .815, interval .849.
const observers = [
  [1, 2, 3, 3, 2, 1, 4, 1, 2, null, null, null],
  [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, null, 3],
  [null, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, null],
  [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, null],
];
const units = observers[0].map((_, unit) => observers.map((row) => row[unit]));

describe("krippendorffAlpha", () => {
  it("reproduces the published values of Krippendorff's reliability data example", () => {
    expect(krippendorffAlpha(units, "nominal")).toBeCloseTo(0.743, 3);
    expect(krippendorffAlpha(units, "ordinal")).toBeCloseTo(0.815, 3);
    expect(krippendorffAlpha(units, "interval")).toBeCloseTo(0.849, 3);
  });

  it("builds the example's coincidence matrix (n = 40 pairable values)", () => {
    const { values, matrix } = coincidencesOf(units);
    expect(values).toEqual([1, 2, 3, 4, 5]);
    const totals = matrix.map((row) => row.reduce((sum, cell) => sum + cell, 0));
    // Marginals from the paper: n1 = 9, n2 = 13, n3 = 10, n4 = 5, n5 = 3.
    expect(totals.map((total) => Number(total.toFixed(6)))).toEqual([9, 13, 10, 5, 3]);
    expect(matrix[0][0]).toBeCloseTo(7, 6);
    expect(matrix[0][1]).toBeCloseTo(4 / 3, 6);
  });

  it("is 1 for perfect agreement and undefined when every value is the same", () => {
    expect(
      krippendorffAlpha(
        [
          [1, 1],
          [-2, -2],
          [4, 4],
        ],
        "ordinal",
      ),
    ).toBe(1);
    expect(
      krippendorffAlpha(
        [
          [3, 3],
          [3, 3],
        ],
        "ordinal",
      ),
    ).toBeNull();
    expect(krippendorffAlpha([[3], [null, 2]], "nominal")).toBeNull();
  });

  it("is negative when coders disagree more than chance would", () => {
    expect(
      krippendorffAlpha(
        [
          [-4, 4],
          [4, -4],
          [-3, 3],
          [3, -3],
        ],
        "ordinal",
      )!,
    ).toBeLessThan(0);
  });

  it("gives the same alpha from counted pairs as from the units themselves", () => {
    const pairUnits = [
      [-4, -3],
      [-4, -3],
      [2, 1],
      [1, 1],
      [3, -1],
      [4, 4],
      [-2, -2],
    ];
    const pairs = [
      { a: -4, b: -3, count: 2 },
      { a: 2, b: 1, count: 1 },
      { a: 1, b: 1, count: 1 },
      { a: 3, b: -1, count: 1 },
      { a: 4, b: 4, count: 1 },
      { a: -2, b: -2, count: 1 },
    ];
    expect(alphaFromCoincidences(coincidencesFromPairs(pairs), "ordinal")).toBeCloseTo(
      krippendorffAlpha(pairUnits, "ordinal")!,
      12,
    );
  });
});
