// What an export can be asked for: the format, the filters, the margin scheme, the split. One
// zod schema shared by the CLI, the tRPC procedures and the download route, and recorded with
// every export so the dataset can be re-created byte for byte.
import { z } from "zod";
import { CAMPAIGN_KINDS } from "@/lib/constants";

export const EXPORT_FORMATS = ["trl", "trl-text", "hh-rlhf", "kto", "raw"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const EXPORT_OUTPUTS = ["jsonl", "parquet", "hf-dataset"] as const;
export type ExportOutput = (typeof EXPORT_OUTPUTS)[number];

export const MARGIN_SCHEMES = ["none", "small", "large", "custom"] as const;
export type MarginScheme = (typeof MARGIN_SCHEMES)[number];

export const CHAT_TEMPLATE_NAMES = ["llama-2", "llama-3", "chatml"] as const;
export type ChatTemplateName = (typeof CHAT_TEMPLATE_NAMES)[number];

const OVERLAP_MODES = ["per-annotator", "aggregate"] as const;

export const PREPROMPT_MODES = ["strip", "keep"] as const;
export type PrepromptMode = (typeof PREPROMPT_MODES)[number];

const SPLIT_KINDS = ["none", "fraction", "count-per-batch"] as const;

/** Whose choice labels the rows: the annotators', the campaign's LLM judge's (RLAIF), or the
 * annotators' where the review filters keep their rating and the judge's where they do not. */
export const LABEL_SOURCES = ["human", "judge", "both"] as const;
export type LabelSource = (typeof LABEL_SOURCES)[number];

/** A date or date-time, recorded as an ISO instant (a bare date is midnight UTC). */
const isoDate = z
  .string()
  .refine((value) => !Number.isNaN(Date.parse(value)), {
    message: "Dates look like 2024-05-01 or 2024-05-01T12:00:00Z.",
  })
  .transform((value) => new Date(value).toISOString());

export const ExportOptions = z
  .object({
    format: z.enum(EXPORT_FORMATS),
    /** Campaign names; empty means every campaign of campaignKind. */
    campaigns: z.array(z.string().trim().min(1)).max(100).default([]),
    campaignKind: z.enum(CAMPAIGN_KINDS).optional(),
    /** Batch numbers (1, 2, ...) within the chosen campaigns; empty means all. */
    batches: z.array(z.number().int().min(1)).max(1000).default([]),
    /** Comparisons submitted at or after `from` and before `to`. */
    from: isoDate.optional(),
    to: isoDate.optional(),
    marginScheme: z.enum(MARGIN_SCHEMES).default("small"),
    /** For "custom": margins for significantly better, better, slightly better, negligibly better. */
    customMargins: z.array(z.number().finite()).length(4).optional(),
    dropNegligible: z.boolean().default(false),
    acceptedOnly: z.boolean().default(false),
    excludeRejected: z.boolean().default(true),
    excludeReported: z.boolean().default(true),
    /** Training formats: leave out turns flagged for identity leaks (raw marks them instead). */
    excludeFlagged: z.boolean().default(false),
    /** Llama 2: pairs whose chosen response is unsafe while the other is safe stay out of training formats. */
    safetyRule: z.boolean().default(true),
    safetyPreprompt: z.enum(PREPROMPT_MODES).default("strip"),
    overlap: z.enum(OVERLAP_MODES).default("per-annotator"),
    split: z
      .object({
        kind: z.enum(SPLIT_KINDS).default("none"),
        /** A fraction in [0, 1) for "fraction", a whole number of dialogues for "count-per-batch". */
        value: z.number().min(0).default(0),
        seed: z.string().min(1).max(100).default("arbiter"),
      })
      .default({ kind: "none", value: 0, seed: "arbiter" }),
    labels: z.enum(LABEL_SOURCES).default("human"),
    /** trl-text only: how the prompt is rendered. */
    chatTemplate: z.enum(CHAT_TEMPLATE_NAMES).default("llama-2"),
  })
  .superRefine((options, context) => {
    if (options.campaigns.length === 0 && !options.campaignKind) {
      context.addIssue({
        code: "custom",
        path: ["campaigns"],
        message: "Choose at least one campaign, or a campaign kind to export every campaign of that kind.",
      });
    }
    if (options.marginScheme === "custom" && !options.customMargins) {
      context.addIssue({
        code: "custom",
        path: ["customMargins"],
        message:
          "A custom margin scheme needs four numbers: significantly better, better, slightly better, negligibly better.",
      });
    }
    if (options.split.kind === "fraction" && options.split.value >= 1) {
      context.addIssue({
        code: "custom",
        path: ["split", "value"],
        message: "The test fraction must be below 1 (for example 0.05), or the train split would be empty.",
      });
    }
    if (options.split.kind === "count-per-batch" && !Number.isInteger(options.split.value)) {
      context.addIssue({
        code: "custom",
        path: ["split", "value"],
        message: "The test count per batch is a whole number of dialogues.",
      });
    }
    if (options.from && options.to && Date.parse(options.from) >= Date.parse(options.to)) {
      context.addIssue({
        code: "custom",
        path: ["to"],
        message: "The end of the date range must be after its start.",
      });
    }
  });
export type ExportOptions = z.output<typeof ExportOptions>;
export type ExportOptionsInput = z.input<typeof ExportOptions>;

/** The options as recorded and compared: defaults filled in, lists sorted, unused fields dropped. */
export function canonicalOptions(options: ExportOptions): ExportOptions {
  return {
    ...options,
    campaigns: [...new Set(options.campaigns)].sort(),
    batches: [...new Set(options.batches)].sort((a, b) => a - b),
    customMargins: options.marginScheme === "custom" ? options.customMargins : undefined,
    split:
      options.split.kind === "none" ? { kind: "none", value: 0, seed: options.split.seed } : options.split,
  };
}

export function hasTestSplit(options: ExportOptions) {
  return options.split.kind !== "none" && options.split.value > 0;
}

/** Training formats follow the filters of the Llama 2 recipe; raw keeps what they drop, marked. */
export function isTrainingFormat(format: ExportFormat) {
  return format !== "raw";
}
