// The export page's option values (those of the CLI) and how the page words them in the reader's
// language (messages: AdminExports).
import { useFormatter, useTranslations } from "next-intl";

export const FORMATS = ["trl", "trl-text", "hh-rlhf", "kto", "raw"] as const;
export type FormatValue = (typeof FORMATS)[number];

export const OUTPUTS = ["jsonl", "parquet", "hf-dataset"] as const;
export type OutputValue = (typeof OUTPUTS)[number];

export const MARGINS = ["small", "large", "custom", "none"] as const;
export type MarginValue = (typeof MARGINS)[number];

/** Product names: the same in every language. */
export const TEMPLATE_LABELS = { "llama-2": "Llama 2", "llama-3": "Llama 3", chatml: "ChatML" } as const;
export type TemplateValue = keyof typeof TEMPLATE_LABELS;

/** "12 KB", "3.4 MB" with the reader's digits and separators. */
export function useMegabytes() {
  const format = useFormatter();
  return (bytes: number) =>
    bytes < 2 ** 20
      ? `${format.number(Math.max(1, Math.round(bytes / 1024)))} KB`
      : `${format.number(bytes / 2 ** 20, { minimumFractionDigits: 1, maximumFractionDigits: 1 })} MB`;
}

/** One line that says what an export took: for the list of past exports. */
export function useDescribeOptions() {
  const t = useTranslations("AdminExports.options");
  const format = useFormatter();
  return (options: Record<string, unknown>): string => {
    const parts: string[] = [];
    const campaigns = (options.campaigns as string[] | undefined) ?? [];
    parts.push(
      campaigns.length ? campaigns.join(", ") : t("everyKind", { kind: String(options.campaignKind) }),
    );
    const batches = (options.batches as number[] | undefined) ?? [];
    if (batches.length) parts.push(t("batches", { batches: batches.join(", ") }));
    if (options.from || options.to)
      parts.push(t("dates", { from: String(options.from ?? "…"), to: String(options.to ?? "…") }));
    const scheme = String(options.marginScheme ?? "small");
    parts.push(
      scheme === "custom"
        ? t("customMargins", { margins: (options.customMargins as number[]).join("/") })
        : t("margins", { scheme }),
    );
    if (options.dropNegligible) parts.push(t("negligibleDropped"));
    if (options.acceptedOnly) parts.push(t("acceptedOnly"));
    else if (options.excludeRejected === false) parts.push(t("rejectedKept"));
    if (options.excludeReported === false) parts.push(t("reportedKept"));
    if (options.safetyRule === false) parts.push(t("noSafetyRule"));
    if (options.safetyPreprompt === "keep") parts.push(t("prepromptKept"));
    if (options.overlap === "aggregate") parts.push(t("overlapAggregated"));
    if (options.labels === "judge") parts.push(t("judgeLabels"));
    if (options.labels === "both") parts.push(t("humanAndJudgeLabels"));
    const split = options.split as { kind: string; value: number; seed: string } | undefined;
    if (split && split.kind !== "none" && split.value > 0) {
      parts.push(
        split.kind === "fraction"
          ? t("testFraction", {
              share: format.number(split.value, { style: "percent", maximumFractionDigits: 2 }),
            })
          : t("testPerBatch", { count: split.value }),
      );
    }
    if (options.format === "trl-text") parts.push(t("template", { template: String(options.chatTemplate) }));
    return parts.join(" · ");
  };
}
