// Model-assisted annotation: a campaign's LLM judge and reward model, the judge's verdicts on
// submitted comparisons and the reward model's scores of responses. Both are computed by jobs
// (server/services/judging) and never shown to annotators.
import { sql } from "drizzle-orm";
import type { Strength } from "../../lib/constants";
import {
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";
import { batches, campaigns, endpointKind, modelVariants } from "./campaigns";
import { comparisons, responses, strength, turns } from "./annotation";
import { jobs } from "./jobs";
import { users } from "./users";

/** Where a judge or reward model answers: as a variant's endpoint (endpoints.ts resolves it). */
const assistantEndpoint = () => ({
  endpointKind: endpointKind("endpoint_kind").notNull(),
  /** An OpenAI-compatible (or vLLM) base URL; null for the local engine. */
  baseUrl: text("base_url"),
  model: text("model").notNull().default(""),
  /** GGUF path of a local model; null: the default model. */
  modelPath: text("model_path"),
  /** Name of the ARBITER_KEY_* variable holding the API key; the key is never stored. */
  apiKeyEnv: text("api_key_env"),
  isActive: boolean("is_active").notNull().default(true),
  updatedById: uuid("updated_by_id").references(() => users.id, { onDelete: "set null" }),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const campaignJudges = pgTable(
  "campaign_judges",
  {
    campaignId: uuid("campaign_id")
      .primaryKey()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    ...assistantEndpoint(),
    /** The user message, with {question}, {answer_a} and {answer_b} filled in. */
    promptTemplate: text("prompt_template").notNull(),
    /** The JSON schema sent as response_format (winner, strength, rationale). */
    verdictSchema: jsonb("verdict_schema").$type<Record<string, unknown>>().notNull(),
    maxTokens: integer("max_tokens").notNull().default(400),
  },
  (table) => [check("campaign_judges_max_tokens_range", sql`${table.maxTokens} between 16 and 8192`)],
);

export const campaignRewardModels = pgTable(
  "campaign_reward_models",
  {
    campaignId: uuid("campaign_id")
      .primaryKey()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    ...assistantEndpoint(),
    /** Best-of-N mode (it needs this reward model): samples per turn, 4 to 8; null: off. */
    bestOfN: integer("best_of_n"),
    /** The variant every best-of-N sample comes from. */
    bestOfNVariantId: uuid("best_of_n_variant_id").references(() => modelVariants.id, {
      onDelete: "set null",
    }),
  },
  (table) => [check("campaign_reward_models_best_of_n_range", sql`${table.bestOfN} between 4 and 8`)],
);

/** One sample of a best-of-N turn as generated and scored. */
export interface BestOfNSample {
  seed: number;
  text: string;
  finishReason: string | null;
  completionTokens: number | null;
  score: number;
}

/**
 * A best-of-N turn (rejection sampling, Llama 2 §3.2.3): its two responses show the reward model's
 * best of `n` samples and another one. Created with the turn; `samples` is written once every
 * sample is generated and scored (again by a retry, which samples anew).
 */
export const bestOfNTurns = pgTable("best_of_n_turns", {
  turnId: uuid("turn_id")
    .primaryKey()
    .references(() => turns.id, { onDelete: "cascade" }),
  campaignId: uuid("campaign_id")
    .notNull()
    .references(() => campaigns.id, { onDelete: "cascade" }),
  n: integer("n").notNull(),
  /** The response that shows the best-scored sample, and the one that shows the other. */
  bestResponseId: uuid("best_response_id")
    .notNull()
    .references(() => responses.id, { onDelete: "cascade" }),
  otherResponseId: uuid("other_response_id")
    .notNull()
    .references(() => responses.id, { onDelete: "cascade" }),
  samples: jsonb("samples").$type<BestOfNSample[]>(),
  /** Indexes into `samples` of what the two responses show. */
  bestIndex: integer("best_index"),
  otherIndex: integer("other_index"),
  rewardModel: text("reward_model"),
  scoredAt: timestamp("scored_at", { withTimezone: true }),
});

/** "winner": both orders named the same response; "unsure": they disagreed or one said tie. */
export const JUDGE_OUTCOMES = ["winner", "unsure"] as const;
export type JudgeOutcome = (typeof JUDGE_OUTCOMES)[number];
export const judgeOutcome = pgEnum("judge_outcome", JUDGE_OUTCOMES);

/** One verdict as the judge gave it, in the order it was shown the two responses. */
export interface JudgeVerdictRun {
  /** Response ids in the order shown: [Assistant A, Assistant B]. */
  order: [string, string];
  winner: "A" | "B" | "tie";
  strength: Strength;
  rationale: string;
}

/**
 * What the judge and the reward model made of one submitted comparison: queued with it (the jobs'
 * ids, in the submit's statement), filled in by the jobs. A job id is null when that assistant was
 * not set, or when the job queue's retention removed the finished job.
 */
export const comparisonAssists = pgTable(
  "comparison_assists",
  {
    comparisonId: uuid("comparison_id")
      .primaryKey()
      .references(() => comparisons.id, { onDelete: "cascade" }),
    campaignId: uuid("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    batchId: uuid("batch_id")
      .notNull()
      .references(() => batches.id),
    judgeJobId: uuid("judge_job_id").references(() => jobs.id, { onDelete: "set null" }),
    rewardJobId: uuid("reward_job_id").references(() => jobs.id, { onDelete: "set null" }),
    /** Null until judged. */
    judgeOutcome: judgeOutcome("judge_outcome"),
    /** The response both orders preferred; null when unsure. */
    judgeWinnerResponseId: uuid("judge_winner_response_id").references(() => responses.id, {
      onDelete: "set null",
    }),
    /** The weaker of the two orders' strengths; null when unsure. */
    judgeStrength: strength("judge_strength"),
    judgeRationale: text("judge_rationale"),
    judgeRuns: jsonb("judge_runs").$type<JudgeVerdictRun[]>(),
    /** The judge's model as it answered. */
    judgeModel: text("judge_model"),
    judgedAt: timestamp("judged_at", { withTimezone: true }),
    scoredAt: timestamp("scored_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index("comparison_assists_campaign_batch_idx").on(table.campaignId, table.batchId)],
);

export const responseRewardScores = pgTable(
  "response_reward_scores",
  {
    responseId: uuid("response_id")
      .primaryKey()
      .references(() => responses.id, { onDelete: "cascade" }),
    campaignId: uuid("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    score: doublePrecision("score").notNull(),
    rewardModel: text("reward_model").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index("response_reward_scores_campaign_idx").on(table.campaignId)],
);

export type CampaignJudge = typeof campaignJudges.$inferSelect;
export type CampaignRewardModel = typeof campaignRewardModels.$inferSelect;
export type BestOfNTurn = typeof bestOfNTurns.$inferSelect;
export type ComparisonAssist = typeof comparisonAssists.$inferSelect;
