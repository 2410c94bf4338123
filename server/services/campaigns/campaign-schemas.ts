// The fields an admin sets on a campaign, validated the same way on create, edit and duplicate.
import { z } from "zod";
import { MEMBERSHIP_MODES } from "@/db/schema";
import { CAMPAIGN_KINDS, PAIRING_POLICIES } from "@/lib/constants";

export const GUIDELINES_MAX_CHARS = 50_000;
export const PROMPT_TEXT_MAX_CHARS = 8_000;

export const CampaignName = z
  .string({ message: "Give the campaign a name." })
  .trim()
  .min(1, "Give the campaign a name.")
  .max(100, "A campaign name can be at most 100 characters long.");

/** Stored as a fraction, but people set it as a percentage (the form's field), so the message
 * speaks in percent. */
const fraction = (what: string) => {
  const range = `${what} must be between 0% and 100%.`;
  return z.number({ message: range }).min(0, range).max(1, range);
};

/** A per-annotator generation limit (server/services/annotation/generation-limits.ts). */
const limit = (what: string, min: number, max: number) => {
  const range = `${what} must be a whole number from ${min} to ${max.toLocaleString("en-US")}.`;
  return z.number({ message: range }).int(range).min(min, range).max(max, range);
};

const optionalText = (max: number, what: string) =>
  z
    .string()
    .trim()
    .max(max, `${what} can be at most ${max.toLocaleString("en-US")} characters long.`)
    .nullish()
    .transform((value) => (value ? value : null));

export const Guidelines = z
  .string()
  .max(
    GUIDELINES_MAX_CHARS,
    `Guidelines can be at most ${GUIDELINES_MAX_CHARS.toLocaleString("en-US")} characters long.`,
  );

const RATE_RANGE = "The rate per comparison must be a number from 0 to 1,000,000, or empty for none.";

const NEAR_DUPLICATE_RANGE = "The near-duplicate similarity must be between 10% and 100%.";

export const CampaignSettingsInput = z.object({
  name: CampaignName,
  description: z.string().trim().max(2000, "A description can be at most 2,000 characters long.").default(""),
  kind: z.enum(CAMPAIGN_KINDS, "Choose the campaign kind: helpfulness or safety."),
  responsesPerTurn: z
    .number()
    .int()
    .min(2, "Responses per turn must be 2 (a pair) to 4 (a ranking).")
    .max(4, "Responses per turn must be 2 (a pair) to 4 (a ranking).")
    .default(2),
  maxTurns: z
    .number()
    .int()
    .min(1, "Turns per dialogue must be between 1 and 50.")
    .max(50, "Turns per dialogue must be between 1 and 50.")
    .default(6),
  systemPrompt: optionalText(PROMPT_TEXT_MAX_CHARS, "The system prompt"),
  safetyPreprompt: optionalText(PROMPT_TEXT_MAX_CHARS, "The safety preprompt"),
  membership: z.enum(MEMBERSHIP_MODES, "Choose who may work in the campaign.").default("all"),
  /** With membership "selected": the annotators (and reviewers) who may work in it. */
  memberIds: z.array(z.uuid("A member id is malformed.")).max(5000).default([]),
  dailyQuota: z
    .number()
    .int()
    .min(1, "The daily quota must be at least 1 comparison, or empty for no limit.")
    .max(100_000, "The daily quota can be at most 100,000.")
    .nullish()
    .transform((value) => value ?? null),
  overlapFraction: fraction("The overlap").default(0),
  goldFraction: fraction("The gold share").default(0),
  turnsPerHour: limit("Prompts per hour", 1, 10_000).default(60),
  turnsPerDay: limit("Prompts per 24 hours", 1, 100_000).default(400),
  retriesPerTurn: limit("Retries per turn", 0, 20).default(3),
  retriesPerHour: limit("Retries per hour", 1, 10_000).default(20),
  concurrentGenerations: limit("Turns generating at once", 1, 20).default(2),
  /** Off: reviewers see which variant wrote each response, as admins do. */
  isBlindedForReviewers: z.boolean().default(true),
  /** Similarity at which an opening prompt is flagged as a near-duplicate of an earlier one. */
  nearDuplicateThreshold: z
    .number({ message: NEAR_DUPLICATE_RANGE })
    .min(0.1, NEAR_DUPLICATE_RANGE)
    .max(1, NEAR_DUPLICATE_RANGE)
    .default(0.8),
  pairing: z
    .enum(PAIRING_POLICIES, "Choose how variant pairs are picked: balanced or most informative.")
    .default("balanced"),
  /** Shown to annotators on their own page; null: the campaign sets no rate. */
  ratePerComparison: z
    .number({ message: RATE_RANGE })
    .min(0, RATE_RANGE)
    .max(1_000_000, RATE_RANGE)
    .multipleOf(0.01, "The rate per comparison can have at most two decimals.")
    .nullish()
    .transform((value) => value ?? null),
  rateUnit: z
    .string()
    .trim()
    .regex(/^(points|[A-Z]{3})$/, 'The rate\'s unit is "points" or a three-letter currency code such as USD.')
    .default("points"),
});
export type CampaignSettingsInput = z.input<typeof CampaignSettingsInput>;

export const CampaignIdInput = z.object({ campaignId: z.uuid("That is not a valid campaign id.") });

export const CAMPAIGN_NOT_FOUND = "That campaign does not exist. Pick one from the campaign list.";
