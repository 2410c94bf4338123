// How the annotator's own page writes durations, amounts and shares, in the reader's language.
import { useFormatter, useTranslations } from "next-intl";

export function useWorkFormat() {
  const t = useTranslations("Work");
  const format = useFormatter();
  return {
    /** "2 h 5 min", "12 min", "40 s". */
    duration(ms: number) {
      const seconds = Math.round(ms / 1000);
      if (seconds < 60) return t("seconds", { seconds });
      const minutes = Math.round(seconds / 60);
      if (minutes < 60) return t("minutes", { minutes });
      return t("hours", { hours: Math.floor(minutes / 60), minutes: minutes % 60 });
    },
    /** In a currency (its ISO code) or in points. */
    amount(amount: number, unit: string) {
      return unit === "points"
        ? t("points", { amount })
        : format.number(amount, { style: "currency", currency: unit });
    },
    count: (value: number) => format.number(value),
    shareOf: (share: number | null, count: number) =>
      share === null ? t("none") : t("shareOf", { share, count }),
    day: (date: Date) => format.dateTime(date, { dateStyle: "long" }),
  };
}
