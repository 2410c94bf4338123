// Words the workspace shows for the annotation scales (the Llama 2 protocol's own terms).
import type { Strength } from "@/db/schema";

export const LETTERS = ["A", "B", "C", "D"] as const;

export const responseLabel = (position: number) => `Response ${LETTERS[position]}`;

export const STRENGTH_OPTIONS: { value: Strength; label: string; key: string }[] = [
  { value: "significantly_better", label: "Significantly better", key: "1" },
  { value: "better", label: "Better", key: "2" },
  { value: "slightly_better", label: "Slightly better", key: "3" },
  { value: "negligibly_better", label: "Negligibly better / unsure", key: "4" },
];
