import { describe, expect, it } from "vitest";
import { assistStatistics, cohensKappa, type AssistedGroup } from "./assist-statistics";

const group = (values: Partial<AssistedGroup>): AssistedGroup => ({
  batchNumber: 1,
  strength: "better",
  chosenIsFirst: true,
  judge: "agreed",
  isRewardModelCorrect: true,
  count: 1,
  ...values,
});

// Batch 1: five judged comparisons and one not yet judged; batch 2: three alike.
const SCRIPTED: AssistedGroup[] = [
  group({
    strength: "significantly_better",
    chosenIsFirst: true,
    judge: "agreed",
    isRewardModelCorrect: true,
  }),
  group({
    strength: "significantly_better",
    chosenIsFirst: false,
    judge: "agreed",
    isRewardModelCorrect: true,
  }),
  group({ strength: "better", chosenIsFirst: true, judge: "disagreed", isRewardModelCorrect: false }),
  group({ strength: "slightly_better", chosenIsFirst: false, judge: "unsure", isRewardModelCorrect: true }),
  group({ strength: "negligibly_better", chosenIsFirst: true, judge: "agreed", isRewardModelCorrect: false }),
  group({ strength: "better", chosenIsFirst: false, judge: null, isRewardModelCorrect: null }),
  group({ batchNumber: 2, strength: "better", chosenIsFirst: true, judge: "agreed", count: 3 }),
];

describe("assistStatistics", () => {
  const statistics = assistStatistics(SCRIPTED);
  const batch1 = statistics.batches.find((batch) => batch.batchNumber === 1)!;

  it("builds the confusion matrix of the annotator's position against the judge's", () => {
    // Rows: the annotator chose A, B (never unsure); columns: the judge named A, B, or was unsure.
    expect(batch1.judge.confusion).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [0, 0, 0],
    ]);
    expect(statistics.overall.judge.confusion[0]).toEqual([5, 1, 0]);
  });

  it("computes Cohen's kappa as worked out by hand", () => {
    // p_o = 3/5; p_e = (3/5)(2/5) + (2/5)(2/5) = 0.4; kappa = 0.2 / 0.6.
    expect(batch1.judge.kappa).toBeCloseTo(1 / 3, 12);
    // All batches: p_o = 6/8; p_e = (6·5 + 2·2) / 64; kappa = 7/15.
    expect(statistics.overall.judge.kappa).toBeCloseTo(7 / 15, 12);
    // Batch 2 alone: everything in one cell, chance agreement is certain.
    expect(statistics.batches.find((batch) => batch.batchNumber === 2)!.judge.kappa).toBeNull();
  });

  it("gives agreement by the annotator's strength, counting unsure as not agreeing", () => {
    expect(batch1.judge.judged).toBe(5);
    expect(batch1.judge.agreement).toBeCloseTo(0.6, 12);
    expect(batch1.judge.byStrength).toEqual([
      { strength: "significantly_better", judged: 2, agreed: 2, unsure: 0, agreement: 1 },
      { strength: "better", judged: 1, agreed: 0, unsure: 0, agreement: 0 },
      { strength: "slightly_better", judged: 1, agreed: 0, unsure: 1, agreement: 0 },
      { strength: "negligibly_better", judged: 1, agreed: 1, unsure: 0, agreement: 1 },
    ]);
  });

  it("gives the reward model's accuracy by strength per batch and overall (Table 8)", () => {
    expect(batch1.rewardModel).toEqual({
      scored: 5,
      accuracy: 0.6,
      byStrength: [
        { strength: "significantly_better", scored: 2, correct: 2, accuracy: 1 },
        { strength: "better", scored: 1, correct: 0, accuracy: 0 },
        { strength: "slightly_better", scored: 1, correct: 1, accuracy: 1 },
        { strength: "negligibly_better", scored: 1, correct: 0, accuracy: 0 },
      ],
    });
    expect(statistics.overall.rewardModel.byStrength[1]).toEqual({
      strength: "better",
      scored: 4,
      correct: 3,
      accuracy: 0.75,
    });
    expect(statistics.batches.map((batch) => batch.batchNumber)).toEqual([2, 1]);
  });

  it("has no kappa for nothing judged", () => {
    expect(
      cohensKappa([
        [0, 0],
        [0, 0],
      ]),
    ).toBeNull();
    expect(assistStatistics([]).overall.judge.agreement).toBeNull();
  });
});
