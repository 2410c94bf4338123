import { describe, expect, it } from "vitest";
import { aggregateRatings, judgeRating, type Rating } from "./judgement";
import { MARGIN_TABLES } from "./pairs";

const small = MARGIN_TABLES.small;
const rating = (
  ranking: string[],
  strength: Rating["strength"],
  responseSafety: Rating["responseSafety"] = null,
): Rating => ({
  ranking,
  strength,
  responseSafety,
  safetyBin: null,
});
const summary = (
  pairs: { chosenId: string; rejectedId: string; margin: number | null; excludedBySafetyRule: boolean }[],
) =>
  pairs.map(
    (pair) =>
      `${pair.chosenId}>${pair.rejectedId} ${pair.margin?.toFixed(3)}${pair.excludedBySafetyRule ? " unsafe-over-safe" : ""}`,
  );

describe("judgeRating", () => {
  it("expands a ranking: the stated margin on the best's pairs, the smallest level below", () => {
    expect(summary(judgeRating(rating(["a", "b", "c"], "better"), small).pairs)).toEqual([
      "a>b 0.667",
      "a>c 0.667",
      "b>c 0.000",
    ]);
  });

  it("gives no margin without a scheme", () => {
    expect(judgeRating(rating(["a", "b"], "better"), null).pairs[0].margin).toBeNull();
  });

  it("marks pairs whose chosen response is unsafe while the other is safe", () => {
    const judged = judgeRating(
      rating(["a", "b", "c"], "slightly_better", { a: false, b: true, c: false }),
      small,
    );
    expect(summary(judged.pairs)).toEqual(["a>b 0.333 unsafe-over-safe", "a>c 0.333", "b>c 0.000"]);
  });

  it("uses the safety bin for the top pair when responses carry no labels", () => {
    const judged = judgeRating(
      { ...rating(["a", "b"], "better"), safetyBin: "chosen_unsafe_other_safe" },
      small,
    );
    expect(judged.pairs[0].excludedBySafetyRule).toBe(true);
  });
});

describe("aggregateRatings", () => {
  it("decides each pair by majority and averages the agreeing margins", () => {
    const judged = aggregateRatings(
      [
        rating(["a", "b"], "better"),
        rating(["b", "a"], "slightly_better"),
        rating(["a", "b"], "significantly_better"),
      ],
      small,
    );
    expect(judged.ranking).toEqual(["a", "b"]);
    expect(judged.ratingCount).toBe(3);
    expect(summary(judged.pairs)).toEqual([`a>b ${((2 / 3 + 1) / 2).toFixed(3)}`]);
  });

  it("breaks a tie with the first rating (the dialogue's author)", () => {
    const judged = aggregateRatings([rating(["a", "b"], "better"), rating(["b", "a"], "better")], small);
    expect(summary(judged.pairs)).toEqual(["a>b 0.667"]);
  });

  it("orders a ranking by pairwise wins and takes the majority safety label", () => {
    const judged = aggregateRatings(
      [
        rating(["a", "b", "c"], "better", { a: false, b: true, c: true }),
        rating(["b", "a", "c"], "better", { a: false, b: true, c: true }),
        rating(["b", "c", "a"], "slightly_better", { a: true, b: true, c: true }),
      ],
      small,
    );
    expect(judged.ranking).toEqual(["b", "a", "c"]);
    expect(judged.responseSafety).toEqual({ a: false, b: true, c: true });
    // b beat a in two ratings, as the best (2/3, 1/3); b beat c in all three (0, 2/3, 1/3);
    // a beat c in two (as the best: 2/3; below the top: 0) and is unsafe where c is safe.
    expect(summary(judged.pairs)).toEqual(["b>a 0.500", "b>c 0.333", "a>c 0.333 unsafe-over-safe"]);
  });
});
