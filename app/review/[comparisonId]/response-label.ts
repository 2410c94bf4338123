// The review services name responses in the canonical English form ("Response A", and
// "Response A then Response B" for the order a judge saw), as exports do; this writes those
// names in the reader's language.
import { useTranslations } from "next-intl";

const CANONICAL_NAME = /Response ([A-Z])/g;

export function useResponseLabel() {
  const labels = useTranslations("Labels");
  const t = useTranslations("Review");
  return (label: string) =>
    label
      .split(" then ")
      .map((part) => part.replace(CANONICAL_NAME, (_, letter: string) => labels("response", { letter })))
      .join(t("then"));
}
