// Moments as the pages show them: in the reader's language, in UTC (the time zone of next-intl's
// request configuration), so the server and the browser write the same text.
import { useFormatter } from "next-intl";

export function useUtc() {
  const format = useFormatter();
  return (date: Date) => `${format.dateTime(date, { dateStyle: "medium", timeStyle: "short" })} UTC`;
}
