// Words the export page shows for the option values (the values are those of the CLI).
export const FORMAT_LABELS = {
  trl: "TRL preference, conversational (trl)",
  "trl-text": "TRL preference, plain text with a chat template (trl-text)",
  "hh-rlhf": "Anthropic HH dialogues (hh-rlhf)",
  kto: "KTO unpaired (kto)",
  raw: "Everything, one row per comparison (raw)",
} as const;
export type FormatValue = keyof typeof FORMAT_LABELS;

export const OUTPUT_LABELS = {
  jsonl: "JSON lines (.jsonl)",
  parquet: "Parquet (.parquet)",
  "hf-dataset": "Hugging Face dataset folder (.tar)",
} as const;
export type OutputValue = keyof typeof OUTPUT_LABELS;

export const MARGIN_LABELS = {
  small: "Small: 1, 2/3, 1/3, 0 (Llama 2 Table 27)",
  large: "Large: 3, 2, 1, 0 (Llama 2 Table 27)",
  custom: "Custom",
  none: "No margin",
} as const;
export type MarginValue = keyof typeof MARGIN_LABELS;

export const TEMPLATE_LABELS = { "llama-2": "Llama 2", "llama-3": "Llama 3", chatml: "ChatML" } as const;
export type TemplateValue = keyof typeof TEMPLATE_LABELS;

/** One line that says what an export took: for the list of past exports. */
export function describeOptions(options: Record<string, unknown>): string {
  const parts: string[] = [];
  const campaigns = (options.campaigns as string[] | undefined) ?? [];
  parts.push(campaigns.length ? campaigns.join(", ") : `every ${String(options.campaignKind)} campaign`);
  const batches = (options.batches as number[] | undefined) ?? [];
  if (batches.length) parts.push(`batches ${batches.join(", ")}`);
  if (options.from || options.to) parts.push(`${options.from ?? "…"} to ${options.to ?? "…"}`);
  const scheme = String(options.marginScheme ?? "small");
  parts.push(
    scheme === "custom"
      ? `margins ${(options.customMargins as number[]).join("/")}`
      : scheme === "none"
        ? "no margin"
        : `${scheme} margins`,
  );
  if (options.dropNegligible) parts.push("negligible dropped");
  if (options.acceptedOnly) parts.push("accepted only");
  else if (options.excludeRejected === false) parts.push("rejected kept");
  if (options.excludeReported === false) parts.push("reported kept");
  if (options.safetyRule === false) parts.push("no safety rule");
  if (options.safetyPreprompt === "keep") parts.push("preprompt kept");
  if (options.overlap === "aggregate") parts.push("overlap aggregated");
  if (options.labels === "judge") parts.push("judge labels");
  if (options.labels === "both") parts.push("human and judge labels");
  const split = options.split as { kind: string; value: number; seed: string } | undefined;
  if (split && split.kind !== "none" && split.value > 0) {
    parts.push(split.kind === "fraction" ? `test ${split.value * 100}%` : `test ${split.value} per batch`);
  }
  if (options.format === "trl-text") parts.push(`${String(options.chatTemplate)} template`);
  return parts.join(" · ");
}
