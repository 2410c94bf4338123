// From one rating to training pairs: a ranking over n responses expands to every ordered pair
// (better, worse); each pair gets a margin from the strength (Llama 2 Table 27) and is checked
// against the Llama 2 safety rule.
import type { SafetyBin, Strength } from "@/lib/constants";
import type { ExportOptions, MarginScheme } from "./options";

/** Llama 2 Table 27, in the order of STRENGTHS (significantly better … negligibly better). */
export const MARGIN_TABLES: Record<Exclude<MarginScheme, "none" | "custom">, readonly number[]> = {
  small: [1, 2 / 3, 1 / 3, 0],
  large: [3, 2, 1, 0],
};

const STRENGTH_INDEX: Record<Strength, number> = {
  significantly_better: 0,
  better: 1,
  slightly_better: 2,
  negligibly_better: 3,
};

/** The margin for each strength level, or null when the scheme is "none" (no margin column). */
export function marginTable(options: Pick<ExportOptions, "marginScheme" | "customMargins">) {
  if (options.marginScheme === "none") return null;
  if (options.marginScheme === "custom") return options.customMargins!;
  return MARGIN_TABLES[options.marginScheme];
}

function strengthMargin(table: readonly number[], strength: Strength) {
  return table[STRENGTH_INDEX[strength]];
}

export interface RankedPair {
  chosenId: string;
  rejectedId: string;
  /** Positions in the ranking (0 = best). */
  chosenRank: number;
  rejectedRank: number;
}

/** Every ordered pair of a ranking, best first: (0,1), (0,2) … (1,2) … */
export function expandRanking(ranking: readonly string[]): RankedPair[] {
  const pairs: RankedPair[] = [];
  for (let i = 0; i < ranking.length; i++) {
    for (let j = i + 1; j < ranking.length; j++) {
      pairs.push({ chosenId: ranking[i], rejectedId: ranking[j], chosenRank: i, rejectedRank: j });
    }
  }
  return pairs;
}

/**
 * The margin of one expanded pair. The annotator states how much better the best response is
 * than the second. For the best against any lower one that strength is a lower bound (the gap
 * can only widen down the ranking), so those pairs carry the stated margin. Pairs below the top
 * have no stated strength: they carry the scheme's smallest level ("negligibly better", 0 in
 * Table 27), so the loss asks for the order and nothing more.
 */
export function pairMargin(table: readonly number[], strength: Strength, pair: RankedPair) {
  return pair.chosenRank === 0 ? strengthMargin(table, strength) : strengthMargin(table, "negligibly_better");
}

/**
 * Llama 2 §3.2.2: a pair whose chosen response is unsafe while the other is safe is kept out of
 * training. Per-response labels decide; without them the safety bin speaks for the top pair.
 */
export function violatesSafetyRule(
  pair: Pick<RankedPair, "chosenId" | "rejectedId" | "chosenRank" | "rejectedRank">,
  responseSafety: Record<string, boolean> | null,
  safetyBin: SafetyBin | null,
) {
  if (responseSafety && pair.chosenId in responseSafety && pair.rejectedId in responseSafety) {
    return responseSafety[pair.chosenId] === false && responseSafety[pair.rejectedId] === true;
  }
  return safetyBin === "chosen_unsafe_other_safe" && pair.chosenRank === 0 && pair.rejectedRank === 1;
}
