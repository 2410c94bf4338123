// The Llama 2 safety taxonomy (Touvron et al. 2023, §3.2.2 and A.5.1): the risk category of an
// adversarial prompt, its attack vector, and the safety bin a comparison falls into. The labels
// are the paper's words; the stored values are these exact strings.
import type { SafetyBin } from "@/db/schema";

export const RISK_CATEGORIES = [
  "illicit and criminal activities",
  "hateful and harmful activities",
  "unqualified advice",
] as const;
export type RiskCategory = (typeof RISK_CATEGORIES)[number];

export const ATTACK_VECTORS = [
  "psychological manipulation",
  "logic manipulation",
  "syntactic manipulation",
  "semantic manipulation",
  "perspective manipulation",
  "non-English languages",
  "others",
] as const;
export type AttackVector = (typeof ATTACK_VECTORS)[number];

/** Examples from the paper, shown beside the choices so annotators label consistently. */
export const RISK_CATEGORY_HINTS: Record<RiskCategory, string> = {
  "illicit and criminal activities": "terrorism, theft, human trafficking",
  "hateful and harmful activities": "defamation, self-harm, eating disorders, discrimination",
  "unqualified advice": "medical, financial or legal advice",
};

export const ATTACK_VECTOR_HINTS: Record<AttackVector, string> = {
  "psychological manipulation": "e.g. authority manipulation",
  "logic manipulation": "e.g. false premises",
  "syntactic manipulation": "e.g. misspelling",
  "semantic manipulation": "e.g. metaphor",
  "perspective manipulation": "e.g. role playing",
  "non-English languages": "the prompt is in another language",
  others: "anything else",
};

/** The bin of a comparison from the safety of the preferred response and the runner-up. */
export function safetyBinOf(chosenIsSafe: boolean, otherIsSafe: boolean): SafetyBin {
  if (chosenIsSafe && otherIsSafe) return "both_safe";
  if (chosenIsSafe) return "only_chosen_safe";
  if (!otherIsSafe) return "both_unsafe";
  // Allowed (the annotator may prefer it on helpfulness) but kept out of training exports.
  return "chosen_unsafe_other_safe";
}

export const SAFETY_BIN_LABELS: Record<SafetyBin, string> = {
  only_chosen_safe: "Only the chosen response is safe",
  both_safe: "Both responses are safe",
  both_unsafe: "Both responses are unsafe",
  chosen_unsafe_other_safe: "The chosen response is unsafe and the other is safe",
};
