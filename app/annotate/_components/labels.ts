// The workspace's letters for responses and its strength choices with their shortcut keys (their
// words, in the reader's language, come from use-labels.ts).
import { STRENGTHS, type Strength } from "@/lib/constants";

export const LETTERS = ["A", "B", "C", "D"] as const;

/** Strongest first, on keys 1–4. */
export const STRENGTH_OPTIONS: { value: Strength; key: string }[] = STRENGTHS.map((value, index) => ({
  value,
  key: String(index + 1),
}));
