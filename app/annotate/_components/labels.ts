// The workspace's letters for responses and its strength choices with their shortcut keys.
import { STRENGTH_LABELS, STRENGTHS, type Strength } from "@/lib/constants";

export const LETTERS = ["A", "B", "C", "D"] as const;

export const responseLabel = (position: number) => `Response ${LETTERS[position]}`;

/** Strongest first, on keys 1–4. */
export const STRENGTH_OPTIONS: { value: Strength; label: string; key: string }[] = STRENGTHS.map(
  (value, index) => ({ value, label: STRENGTH_LABELS[value], key: String(index + 1) }),
);
