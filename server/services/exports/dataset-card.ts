// README.md of a Hugging Face dataset folder: a YAML header that `datasets.load_dataset` reads
// (configs with the split files, features, split sizes), then what a person needs to trust the
// data — protocol, counts, margin scheme, filters, generating models. No wall-clock time goes in,
// so re-exporting the same data gives the same card.
import { STRENGTH_LABELS, STRENGTHS } from "@/lib/constants";
import { featuresYaml, type Column } from "./columns";
import { MARGIN_TABLES } from "./pairs";
import type { ExportOptions } from "./options";
import type { CampaignInfo } from "./records";
import type { SplitName } from "./split";

export interface ExportStats {
  comparisonsRead: number;
  /** Units (ratings, or aggregated turns) that gave at least one row. */
  unitsWithRows: number;
  unitsWithoutRows: number;
  rankingUnits: number;
  safetyExcludedPairs: number;
  rows: Record<SplitName, number>;
  /** Variant name → model → version → responses of that variant in the exported units. */
  models: Map<string, Map<string, Map<string, number>>>;
}

export function emptyStats(): ExportStats {
  return {
    comparisonsRead: 0,
    unitsWithRows: 0,
    unitsWithoutRows: 0,
    rankingUnits: 0,
    safetyExcludedPairs: 0,
    rows: { train: 0, test: 0 },
    models: new Map(),
  };
}

export interface DatasetCardInput {
  options: ExportOptions;
  campaigns: CampaignInfo[];
  columns: Column[];
  splits: { name: SplitName; path: string }[];
  stats: ExportStats;
  keyFingerprint: string;
}

const FORMAT_DESCRIPTIONS: Record<ExportOptions["format"], string> = {
  trl:
    "TRL conversational preference rows: `prompt` (the system prompt if any and every earlier turn, as messages), " +
    "`chosen` and `rejected` (one assistant message each), and `margin` when a margin scheme is set. " +
    "`RewardTrainer` subtracts `margin` inside the loss (Llama 2, Eq. 2); `DPOTrainer` reads the same columns.",
  "trl-text":
    "TRL standard preference rows: `prompt`, `chosen` and `rejected` as plain strings, the prompt rendered with a chat " +
    "template and each answer as the text the template appends for it, plus `margin` when a margin scheme is set.",
  "hh-rlhf":
    'Anthropic HH style: `chosen` and `rejected` are whole dialogues, "\\n\\nHuman: …\\n\\nAssistant: …", ending with the ' +
    "chosen or the rejected answer (system prompts have no place in this format and are left out).",
  kto:
    "TRL unpaired preference rows for KTO: `prompt` (messages), `completion` (one assistant message) and `label` " +
    "(true for the best response of a rating, false for each response it was preferred to).",
  raw: "One row per comparison with everything recorded: dialogue, every response with its generation settings, the ranking, strength, safety labels, review status, overlap and gold information, pairs with margins.",
};

function describeMargins(options: ExportOptions) {
  if (options.marginScheme === "none") return "None: the files have no `margin` column.";
  const table =
    options.marginScheme === "custom" ? options.customMargins! : MARGIN_TABLES[options.marginScheme];
  const format = (value: number) => String(Math.round(value * 1e6) / 1e6);
  return [
    `\`${options.marginScheme}\`${options.marginScheme === "custom" ? "" : " (Llama 2, Table 27)"}:`,
    "",
    "| Strength | Margin |",
    "| --- | --- |",
    ...STRENGTHS.map((strength, index) => `| ${STRENGTH_LABELS[strength]} | ${format(table[index])} |`),
    "",
    "Rankings of more than two responses give every ordered pair. The stated strength compares the best response",
    "with the second; the best against any lower response gets the same margin (the gap can only widen down the",
    "ranking), and pairs below the top get the smallest level (negligibly better), so the loss asks for the order only.",
  ].join("\n");
}

const LABEL_DESCRIPTIONS: Record<ExportOptions["labels"], string> = {
  human: "the annotators' choices",
  judge:
    "the campaign's LLM judge's verdicts (RLAIF): its winner over the other response of each rated pair, when the two orders it was shown agreed; pairs it was unsure about are left out",
  both: "the annotators' choices where the review and strength filters keep them, the LLM judge's verdicts (RLAIF) where they do not",
};

function describeFilters(options: ExportOptions) {
  const lines = [
    `- Batches: ${options.batches.length ? options.batches.join(", ") : "all"}`,
    `- Submitted: ${options.from ? `from ${options.from}` : "any time"}${options.to ? ` until ${options.to}` : ""}`,
    `- "Negligibly better / unsure" ratings: ${options.dropNegligible ? "dropped" : "kept"}`,
    `- Review: ${options.acceptedOnly ? "accepted ratings only" : options.excludeRejected ? "rejected ratings left out" : "every rating"}`,
    `- Turns reported as a problem: ${options.excludeReported ? "left out" : "kept"}`,
    `- Llama 2 safety rule (pairs whose chosen response is unsafe while the other is safe): ${
      options.format === "raw" ? "marked in `pairs`, kept" : options.safetyRule ? "left out" : "kept"
    }`,
    `- Safety preprompt: ${options.safetyPreprompt === "strip" ? "stripped from the prompt (context distillation)" : "kept as sent to the model"}`,
  ];
  if (options.format !== "raw") {
    lines.push(
      `- Overlap ratings: ${
        options.overlap === "aggregate"
          ? "aggregated per turn (majority choice per pair, ties to the dialogue's author; mean margin of the agreeing ratings)"
          : "one row set per annotator"
      }; answers to gold checks are not training data and are left out`,
    );
  }
  if (options.format !== "raw") lines.push(`- Labels: ${LABEL_DESCRIPTIONS[options.labels]}`);
  if (options.format === "trl-text") lines.push(`- Chat template: \`${options.chatTemplate}\``);
  return lines.join("\n");
}

function describeSplit(options: ExportOptions) {
  const rule =
    'Each dialogue\'s split key is sha256("<seed>:<conversation id>"), so every turn of a dialogue is in the same split.';
  if (options.split.kind === "fraction" && options.split.value > 0) {
    return `Test: the dialogues whose key's first 32 bits fall below ${options.split.value} × 2³² (seed \`${options.split.seed}\`). ${rule}`;
  }
  if (options.split.kind === "count-per-batch" && options.split.value > 0) {
    return `Test: the ${options.split.value} dialogues with the smallest keys in each batch (seed \`${options.split.seed}\`). ${rule}`;
  }
  return "Everything is in the train split.";
}

export function datasetCard(input: DatasetCardInput): string {
  const { options, stats } = input;
  const header = [
    "---",
    "configs:",
    "- config_name: default",
    "  data_files:",
    ...input.splits.flatMap((split) => [`  - split: ${split.name}`, `    path: ${split.path}`]),
    "dataset_info:",
    "  features:",
    ...featuresYaml(input.columns, 2),
    "  splits:",
    ...input.splits.flatMap((split) => [
      `  - name: ${split.name}`,
      `    num_examples: ${stats.rows[split.name]}`,
    ]),
    "tags:",
    "- preference",
    "- rlhf",
    "- reward-modeling",
    "- arbiter",
    "---",
  ];
  const kinds = [...new Set(input.campaigns.map((campaign) => campaign.kind))].join(" and ");
  const models = [...stats.models].flatMap(([variant, byModel]) =>
    [...byModel].flatMap(([model, byVersion]) =>
      [...byVersion].map(([version, count]) => ({ variant, model, version, count })),
    ),
  );
  const sortKey = (entry: (typeof models)[number]) =>
    `${entry.variant}\u0000${entry.model}\u0000${entry.version}`;
  models.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
  const cell = (text: string) => text.replaceAll("|", "\\|");
  const body = [
    "",
    `# ${kinds[0].toUpperCase()}${kinds.slice(1)} preferences: ${input.campaigns.map((campaign) => campaign.name).join(", ")}`,
    "",
    `Exported by Arbiter in the \`${options.format}\` format.`,
    "",
    "## Format",
    "",
    FORMAT_DESCRIPTIONS[options.format],
    "",
    "## Protocol",
    "",
    "Collected following Llama 2 (Touvron et al. 2023, §3.2.1–3.2.2): annotators write the prompt (single- or multi-turn),",
    "compare responses from different model variants and sampling temperatures, make a forced choice and say how much",
    "better it is (significantly better, better, slightly better, negligibly better / unsure). The dialogue continues",
    "with the chosen response, so each turn's prompt holds the earlier turns and their chosen answers. Safety campaigns",
    "also label each response safe or unsafe; helpfulness and safety data are collected in separate campaigns.",
    "",
    "| Campaign | Kind |",
    "| --- | --- |",
    ...input.campaigns.map((campaign) => `| ${campaign.name.replaceAll("|", "\\|")} | ${campaign.kind} |`),
    "",
    "## Counts",
    "",
    "| | |",
    "| --- | --- |",
    ...input.splits.map((split) => `| Rows in ${split.name} | ${stats.rows[split.name]} |`),
    `| Comparisons read | ${stats.comparisonsRead} |`,
    `| Ratings that gave rows | ${stats.unitsWithRows} |`,
    `| Ratings that gave no row | ${stats.unitsWithoutRows} |`,
    `| Rankings of more than two responses | ${stats.rankingUnits} |`,
    `| Pairs ${options.format === "raw" ? "marked" : "left out"} by the safety rule | ${stats.safetyExcludedPairs} |`,
    "",
    "## Margin scheme",
    "",
    describeMargins(options),
    "",
    "## Filters",
    "",
    describeFilters(options),
    "",
    "## Split",
    "",
    describeSplit(options),
    "",
    "## Generating models",
    "",
    "| Variant | Model | Version | Responses |",
    "| --- | --- | --- | --- |",
    ...models.map(
      (entry) =>
        `| ${cell(entry.variant)} | ${cell(entry.model)} | ${cell(entry.version)} | ${entry.count} |`,
    ),
    "",
    "## Annotators",
    "",
    `Annotators appear only as pseudonyms: HMAC-SHA256 of the user id under a key kept by the server (key fingerprint \`${input.keyFingerprint}\`).`,
    "The same person has the same pseudonym in every export made with the same key; no export contains an email or a name.",
    "",
  ];
  return [...header, ...body].join("\n");
}
