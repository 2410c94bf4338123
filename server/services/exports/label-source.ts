// Whose choice a training row carries (ExportOptions.labels): the annotator's rating; the
// campaign's LLM judge's verdict on the same pair (RLAIF: rows from judge verdicts); or the
// annotator's where the review and strength filters keep it and the judge's where they do not.
// read-units.ts selects the same ratings in SQL (labelFilter).
import type { ExportOptions } from "./options";
import type { ComparisonRecord, ExportUnit, JudgeLabel } from "./records";

/** The rating's own label passes the strength and review filters. */
export function keepsHumanLabel(
  comparison: ComparisonRecord,
  options: Pick<ExportOptions, "dropNegligible" | "acceptedOnly" | "excludeRejected">,
) {
  if (options.dropNegligible && comparison.strength === "negligibly_better") return false;
  if (options.acceptedOnly) return comparison.reviewStatus === "accepted";
  return !options.excludeRejected || comparison.reviewStatus !== "rejected";
}

/** The rating as the judge gave it: its winner over the other response of the pair; null when the
 * judge was unsure or has not judged it. */
export function judgeLabelOf(
  comparison: ComparisonRecord,
  judge: JudgeLabel | null,
): ComparisonRecord | null {
  if (judge?.outcome !== "winner" || !judge.winnerResponseId || !judge.strength) return null;
  const winner = judge.winnerResponseId;
  const other =
    winner === comparison.chosenResponseId ? comparison.rejectedResponseId : comparison.chosenResponseId;
  return {
    ...comparison,
    chosenResponseId: winner,
    rejectedResponseId: other,
    ranking: [winner, other],
    strength: judge.strength,
  };
}

/** The ratings whose labels make a unit's training rows (none: the unit gives no row). */
export function labellingRatings(unit: ExportUnit, options: ExportOptions): ComparisonRecord[] {
  if (options.labels === "human") return unit.comparisons;
  const [anchor] = unit.comparisons;
  if (options.labels === "both" && keepsHumanLabel(anchor, options)) return unit.comparisons;
  const judged = judgeLabelOf(anchor, unit.judge);
  if (!judged || (options.dropNegligible && judged.strength === "negligibly_better")) return [];
  return [judged];
}
