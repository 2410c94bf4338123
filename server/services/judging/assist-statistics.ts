// How the judge and the reward model compare with the humans, per batch and overall: the judge's
// agreement by the human's strength level, its confusion matrix and Cohen's kappa; the reward
// model's accuracy by strength level (Llama 2, Table 8: a reward model that falls behind on the
// newest batch needs retraining). Pure functions over the labelled comparisons.
import { STRENGTHS, type Strength } from "@/lib/constants";

/** Submitted comparisons that are alike in every way the statistics look at, and how many. */
export interface AssistedGroup {
  batchNumber: number;
  strength: Strength;
  /** The annotator was shown the chosen response before the other ("A" in the confusion matrix). */
  chosenIsFirst: boolean;
  /** The judge named the chosen response, the other one, or neither; null: not judged (yet). */
  judge: "agreed" | "disagreed" | "unsure" | null;
  /** The reward model scored the chosen response above the other; null: not both scored. */
  isRewardModelCorrect: boolean | null;
  count: number;
}

/** The confusion matrix's labels: the response shown first, the one shown second, no winner. */
export const VERDICT_LABELS = ["A", "B", "unsure"] as const;

export interface JudgeAgreement {
  judged: number;
  /** By the human's strength level: judged, the judge named the same response, the judge was unsure. */
  byStrength: {
    strength: Strength;
    judged: number;
    agreed: number;
    unsure: number;
    agreement: number | null;
  }[];
  agreement: number | null;
  /** confusion[human][judge], in VERDICT_LABELS order (a human never says "unsure"). */
  confusion: number[][];
  /** Cohen's kappa over A / B / unsure; null when chance agreement is certain (or nothing judged). */
  kappa: number | null;
}

export interface RewardAccuracy {
  scored: number;
  /** Comparisons where the reward model scored the chosen response above the other (ties count wrong). */
  byStrength: { strength: Strength; scored: number; correct: number; accuracy: number | null }[];
  accuracy: number | null;
}

const ratio = (part: number, whole: number) => (whole === 0 ? null : part / whole);

/** Cohen's kappa of a square confusion matrix: (p_o - p_e) / (1 - p_e). */
export function cohensKappa(confusion: number[][]): number | null {
  const total = confusion.flat().reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  const observed = confusion.reduce((sum, row, index) => sum + row[index], 0) / total;
  const expected = confusion.reduce((sum, row, index) => {
    const rowShare = row.reduce((a, b) => a + b, 0) / total;
    const columnShare = confusion.reduce((a, other) => a + other[index], 0) / total;
    return sum + rowShare * columnShare;
  }, 0);
  return expected === 1 ? null : (observed - expected) / (1 - expected);
}

const sum = (groups: AssistedGroup[]) => groups.reduce((total, group) => total + group.count, 0);

export function judgeAgreement(groups: AssistedGroup[]): JudgeAgreement {
  const judged = groups.filter((group) => group.judge !== null);
  const confusion = VERDICT_LABELS.map(() => VERDICT_LABELS.map(() => 0));
  for (const group of judged) {
    const human = group.chosenIsFirst ? 0 : 1;
    const judge = group.judge === "unsure" ? 2 : group.judge === "agreed" ? human : 1 - human;
    confusion[human][judge] += group.count;
  }
  const agreed = (of: AssistedGroup[]) => sum(of.filter((group) => group.judge === "agreed"));
  const byStrength = STRENGTHS.map((strength) => {
    const level = judged.filter((group) => group.strength === strength);
    return {
      strength,
      judged: sum(level),
      agreed: agreed(level),
      unsure: sum(level.filter((group) => group.judge === "unsure")),
      agreement: ratio(agreed(level), sum(level)),
    };
  });
  return {
    judged: sum(judged),
    byStrength,
    agreement: ratio(agreed(judged), sum(judged)),
    confusion,
    kappa: cohensKappa(confusion),
  };
}

export function rewardAccuracy(groups: AssistedGroup[]): RewardAccuracy {
  const scored = groups.filter((group) => group.isRewardModelCorrect !== null);
  const correct = (of: AssistedGroup[]) => sum(of.filter((group) => group.isRewardModelCorrect));
  const byStrength = STRENGTHS.map((strength) => {
    const level = scored.filter((group) => group.strength === strength);
    return {
      strength,
      scored: sum(level),
      correct: correct(level),
      accuracy: ratio(correct(level), sum(level)),
    };
  });
  return { scored: sum(scored), byStrength, accuracy: ratio(correct(scored), sum(scored)) };
}

/** Both views for every batch (newest first) and for all batches together. */
export function assistStatistics(groups: AssistedGroup[]) {
  const batchNumbers = [...new Set(groups.map((group) => group.batchNumber))].sort((a, b) => b - a);
  return {
    overall: { judge: judgeAgreement(groups), rewardModel: rewardAccuracy(groups) },
    batches: batchNumbers.map((batchNumber) => {
      const batch = groups.filter((group) => group.batchNumber === batchNumber);
      return { batchNumber, judge: judgeAgreement(batch), rewardModel: rewardAccuracy(batch) };
    }),
  };
}
