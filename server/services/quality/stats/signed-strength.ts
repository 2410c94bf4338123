// The signed strength scale used for agreement: a rating becomes side × level, where side is
// -1 when the response at the turn's position 0 won ("A" as the dialogue's author saw it) and
// +1 when position 1 won, and level runs from 1 (negligibly better / unsure) to 4
// (significantly better). Re-rated pairs are shown in a new random order, so every rating is
// mapped back to the turn's own positions before ratings are compared.
import type { Strength } from "@/lib/constants";

export const STRENGTH_LEVEL: Record<Strength, 1 | 2 | 3 | 4> = {
  negligibly_better: 1,
  slightly_better: 2,
  better: 3,
  significantly_better: 4,
};

export type Side = -1 | 1;

/** `pair` is the two responses in the turn's position order. */
export function sideOf(chosenResponseId: string, pair: readonly [string, string]): Side {
  if (chosenResponseId === pair[0]) return -1;
  if (chosenResponseId === pair[1]) return 1;
  throw new Error(`Response ${chosenResponseId} is not one of the pair ${pair.join(", ")}.`);
}
