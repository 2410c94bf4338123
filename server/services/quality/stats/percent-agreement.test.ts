import { describe, expect, it } from "vitest";
import { percentAgreement } from "./percent-agreement";

describe("percentAgreement", () => {
  it("is the share of agreeing pairs of ratings within each unit", () => {
    // Units of two: 2 of 3 agree. A unit of three (a, a, b) has 3 pairs, 1 agreeing.
    expect(
      percentAgreement([
        ["A", "A"],
        ["B", "B"],
        ["A", "B"],
      ]),
    ).toBeCloseTo(2 / 3, 12);
    expect(percentAgreement([["A", "A", "B"]])).toBeCloseTo(1 / 3, 12);
  });

  it("is undefined without any pair", () => {
    expect(percentAgreement([["A"], []])).toBeNull();
  });
});
