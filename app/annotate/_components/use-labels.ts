// The workspace's words for responses and strengths in the reader's language. The stored values
// (and exports) stay the canonical English ones of lib/constants.ts.
import { useTranslations } from "next-intl";
import { ATTACK_VECTORS, RISK_CATEGORIES, type Strength } from "@/lib/constants";
import { LETTERS } from "./labels";

/** Unknown (older) stored values are shown as they are. */
function labelOf(value: string, values: readonly string[], label: (index: number) => string) {
  const index = values.indexOf(value);
  return index < 0 ? value : label(index);
}

export function useLabels() {
  const t = useTranslations("Labels");
  return {
    /** "Response A" for position 0. */
    response: (position: number) => t("response", { letter: LETTERS[position] }),
    strength: (strength: Strength) => t(`strength.${strength}`),
    /** A stored risk category or attack vector (the paper's English words) in the reader's language. */
    risk: (value: string) => labelOf(value, RISK_CATEGORIES, (index) => t(`risk.${index}`)),
    vector: (value: string) => labelOf(value, ATTACK_VECTORS, (index) => t(`vector.${index}`)),
  };
}
