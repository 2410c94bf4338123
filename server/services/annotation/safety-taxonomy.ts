// The safety bin a comparison falls into (Llama 2, Touvron et al. 2023, §3.2.2). The bins and the
// risk taxonomy themselves are in lib/constants.ts, which the annotation form shares.
import type { SafetyBin } from "@/lib/constants";

/** The bin of a comparison from the safety of the preferred response and the runner-up. */
export function safetyBinOf(chosenIsSafe: boolean, otherIsSafe: boolean): SafetyBin {
  if (chosenIsSafe && otherIsSafe) return "both_safe";
  if (chosenIsSafe) return "only_chosen_safe";
  if (!otherIsSafe) return "both_unsafe";
  // Allowed (the annotator may prefer it on helpfulness) but kept out of training exports.
  return "chosen_unsafe_other_safe";
}
