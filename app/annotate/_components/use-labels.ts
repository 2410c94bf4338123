// The workspace's words for responses and strengths in the reader's language. The stored values
// (and exports) stay the canonical English ones of lib/constants.ts.
import { useTranslations } from "next-intl";
import type { Strength } from "@/lib/constants";
import { LETTERS } from "./labels";

export function useLabels() {
  const t = useTranslations("Labels");
  return {
    /** "Response A" for position 0. */
    response: (position: number) => t("response", { letter: LETTERS[position] }),
    strength: (strength: Strength) => t(`strength.${strength}`),
  };
}
