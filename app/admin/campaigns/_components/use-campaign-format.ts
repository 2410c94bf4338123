// How the campaign pages write states, kinds, shares, durations, counts and moments, in the
// reader's language (moments in UTC, as the pages say).
import { useFormatter, useTranslations } from "next-intl";
import type { CampaignStatus, Strength } from "@/lib/constants";

export function useCampaignFormat() {
  const t = useTranslations("CampaignLabels");
  const labels = useTranslations("Labels");
  const format = useFormatter();
  return {
    status: (status: CampaignStatus) => t(`status.${status}`),
    kind: (kind: "helpfulness" | "safety") => t(`kind.${kind}`),
    /** The annotators' words for a strength (stored and exported values stay English). */
    strength: (strength: Strength) => labels(`strength.${strength}`),
    /** "12%" (or "12,5 %", "١٢٪"), a dash when there is no value. */
    percent(value: number | null | undefined, digits = 0) {
      if (value === null || value === undefined) return "—";
      return format.number(value, {
        style: "percent",
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      });
    },
    /** "40 s" under a minute, else "2.5 min". */
    seconds(ms: number | null | undefined) {
      if (ms === null || ms === undefined) return "—";
      return ms < 60_000
        ? format.number(ms / 1000, { style: "unit", unit: "second", maximumFractionDigits: 0 })
        : format.number(ms / 60_000, {
            style: "unit",
            unit: "minute",
            minimumFractionDigits: 1,
            maximumFractionDigits: 1,
          });
    },
    count: (value: number) => format.number(value),
    number: (value: number, digits: number) =>
      format.number(value, { minimumFractionDigits: digits, maximumFractionDigits: digits }),
    /** A score on the Elo scale, to one decimal and without thousands separators ("1035.2"). */
    score: (value: number) =>
      format.number(value, { minimumFractionDigits: 1, maximumFractionDigits: 1, useGrouping: false }),
    moment: (date: Date) => `${format.dateTime(date, { dateStyle: "medium", timeStyle: "short" })} UTC`,
  };
}
