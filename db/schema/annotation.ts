// The annotation record (Llama 2 protocol): an annotator's dialogue (conversation) is a list of
// turns; each turn has the user's message, 2-4 generated responses and the annotator's
// comparison of them. The chosen response becomes the assistant message of that turn.
import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { PROBLEM_KINDS, SAFETY_BINS, STRENGTHS } from "../../lib/constants";
import { batches, campaigns, endpointKind, modelVariants } from "./campaigns";
import { users } from "./users";

export const CONVERSATION_STATUSES = ["active", "ended"] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];
export const conversationStatus = pgEnum("conversation_status", CONVERSATION_STATUSES);

/** Where a conversation came from: written by an annotator, or imported (gold JSONL, seeds). */
export const CONVERSATION_ORIGINS = ["annotator", "imported", "synthetic"] as const;
export type ConversationOrigin = (typeof CONVERSATION_ORIGINS)[number];
export const conversationOrigin = pgEnum("conversation_origin", CONVERSATION_ORIGINS);

export const conversations = pgTable(
  "conversations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    campaignId: uuid("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    /** The batch open when the conversation started; each comparison records its own batch. */
    batchId: uuid("batch_id")
      .notNull()
      .references(() => batches.id),
    annotatorId: uuid("annotator_id")
      .notNull()
      .references(() => users.id),
    origin: conversationOrigin("origin").notNull().default("annotator"),
    status: conversationStatus("status").notNull().default("active"),
    /** Snapshots of the campaign's prompts when the conversation started. */
    systemPrompt: text("system_prompt"),
    safetyPreprompt: text("safety_preprompt"),
    /** Safety campaigns: the prompt's risk category and attack vector (Llama 2 taxonomy). */
    riskCategory: text("risk_category"),
    attackVector: text("attack_vector"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    endedAt: timestamp("ended_at", { withTimezone: true }),
  },
  (table) => [
    index("conversations_annotator_idx").on(table.annotatorId, table.campaignId, table.status),
    index("conversations_campaign_idx").on(table.campaignId, table.createdAt),
    // An annotator writes one dialogue at a time per campaign: a second tab or a double click
    // on "Send" cannot open a second one.
    uniqueIndex("conversations_one_active_per_annotator")
      .on(table.annotatorId, table.campaignId)
      .where(sql`${table.status} = 'active' and ${table.origin} = 'annotator'`),
  ],
);

export const turns = pgTable(
  "turns",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    conversationId: uuid("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    /** 0-based position in the dialogue. */
    index: integer("index").notNull(),
    userMessage: text("user_message").notNull(),
    /** Set when the turn's primary comparison is submitted: the assistant message of this turn. */
    chosenResponseId: uuid("chosen_response_id"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [uniqueIndex("turns_conversation_index_key").on(table.conversationId, table.index)],
);

export const RESPONSE_STATUSES = ["pending", "streaming", "completed", "failed"] as const;
export type ResponseStatus = (typeof RESPONSE_STATUSES)[number];
export const responseStatus = pgEnum("response_status", RESPONSE_STATUSES);

export const responses = pgTable(
  "responses",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    turnId: uuid("turn_id")
      .notNull()
      .references(() => turns.id, { onDelete: "cascade" }),
    /** Display slot 0..3 = "Response A".."Response D" for the turn's author (randomized). */
    position: integer("position").notNull(),
    variantId: uuid("variant_id").references(() => modelVariants.id, { onDelete: "set null" }),
    /** Snapshots of the variant and the generation request, so exports never depend on later edits. */
    variantName: text("variant_name").notNull(),
    variantVersion: text("variant_version").notNull(),
    model: text("model").notNull(),
    endpointKind: endpointKind("endpoint_kind").notNull(),
    endpoint: text("endpoint").notNull(),
    /** The LoRA adapter file and scale a local variant applied over its model; null: none. */
    adapterPath: text("adapter_path"),
    adapterScale: real("adapter_scale"),
    temperature: real("temperature").notNull(),
    topP: real("top_p").notNull(),
    topK: integer("top_k"),
    maxTokens: integer("max_tokens").notNull(),
    seed: bigint("seed", { mode: "number" }).notNull(),
    /** The messages exactly as sent (system, safety preprompt, history, user message). */
    promptMessages: jsonb("prompt_messages")
      .$type<{ role: "system" | "user" | "assistant"; content: string }[]>()
      .notNull(),
    text: text("text").notNull().default(""),
    /** The final text's style (server/services/integrity/stats/style-features.ts: STYLE_FEATURES
     * in order), stored when the response completes so that the integrity report need not read
     * the text; null: not computed yet (a backfill job fills completed ones). */
    styleFeatures: integer("style_features").array(),
    status: responseStatus("status").notNull().default("pending"),
    error: text("error"),
    finishReason: text("finish_reason"),
    promptTokens: integer("prompt_tokens"),
    completionTokens: integer("completion_tokens"),
    /** Request start to first token, and to the last token. */
    firstTokenMs: integer("first_token_ms"),
    latencyMs: integer("latency_ms"),
    /** 1, then +1 for each retry of a failed generation (each retry draws a new seed). */
    attempt: integer("attempt").notNull().default(1),
    /** Last time the generating process saved progress; a stale one means it was interrupted. */
    progressAt: timestamp("progress_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    completedAt: timestamp("completed_at", { withTimezone: true }),
  },
  (table) => [
    uniqueIndex("responses_turn_position_key").on(table.turnId, table.position),
    index("responses_variant_idx").on(table.variantId),
    // Finds the generations in flight (the concurrent-generation limit) without a scan.
    index("responses_in_flight_idx")
      .on(table.turnId)
      .where(sql`${table.status} in ('pending', 'streaming')`),
    // The completed responses whose style features the backfill still has to compute: empty once
    // a deployment has converged, so checking for work at a start costs nothing.
    index("responses_style_features_missing_idx")
      .on(table.id)
      .where(sql`${table.styleFeatures} is null and ${table.status} = 'completed'`),
  ],
);

export const strength = pgEnum("strength", STRENGTHS);

export const safetyBin = pgEnum("safety_bin", SAFETY_BINS);

/** primary: the dialogue's author; overlap / gold: a "rate this pair" task (see pair_tasks). */
export const COMPARISON_SOURCES = ["primary", "overlap", "gold"] as const;
export type ComparisonSource = (typeof COMPARISON_SOURCES)[number];
export const comparisonSource = pgEnum("comparison_source", COMPARISON_SOURCES);

export const REVIEW_STATUSES = ["pending", "accepted", "rejected"] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];
export const reviewStatus = pgEnum("review_status", REVIEW_STATUSES);

export const comparisons = pgTable(
  "comparisons",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    turnId: uuid("turn_id")
      .notNull()
      .references(() => turns.id, { onDelete: "cascade" }),
    conversationId: uuid("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    campaignId: uuid("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    batchId: uuid("batch_id")
      .notNull()
      .references(() => batches.id),
    annotatorId: uuid("annotator_id")
      .notNull()
      .references(() => users.id),
    source: comparisonSource("source").notNull().default("primary"),
    /** For overlap/gold ratings: the pair task this answers. */
    pairTaskId: uuid("pair_task_id"),
    chosenResponseId: uuid("chosen_response_id")
      .notNull()
      .references(() => responses.id),
    /** With two responses: the other one. With more: the runner-up (ranking[1]). */
    rejectedResponseId: uuid("rejected_response_id")
      .notNull()
      .references(() => responses.id),
    /** Every response id, best first (length = responses per turn). */
    ranking: jsonb("ranking").$type<string[]>().notNull(),
    /** How much better the best is than the second. */
    strength: strength("strength").notNull(),
    /** Safety campaigns: response id -> is it safe. Null in helpfulness campaigns. */
    responseSafety: jsonb("response_safety").$type<Record<string, boolean>>(),
    safetyBin: safetyBin("safety_bin"),
    note: text("note"),
    /** Milliseconds from the responses being shown to the submit. */
    timeSpentMs: integer("time_spent_ms").notNull(),
    /** Client-generated; a retried or double-clicked submit stores one comparison. */
    idempotencyKey: text("idempotency_key").notNull(),
    reviewStatus: reviewStatus("review_status").notNull().default("pending"),
    isGold: boolean("is_gold").notNull().default(false),
    /** The variant (name, version) of each ranked response, best first. Filled by a trigger
     * (migration 0007_leaderboard_rollup_from_ranking_variants) so the leaderboard's rollup never depends on the responses still existing. */
    rankingVariants: jsonb("ranking_variants").$type<{ name: string; version: string }[]>(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex("comparisons_idempotency_key").on(table.idempotencyKey),
    // One rating of a turn per annotator (the author's primary one, or a pair task's).
    uniqueIndex("comparisons_turn_annotator_key").on(table.turnId, table.annotatorId),
    index("comparisons_campaign_created_idx").on(table.campaignId, table.createdAt),
    index("comparisons_campaign_batch_idx").on(table.campaignId, table.batchId),
    index("comparisons_annotator_created_idx").on(table.annotatorId, table.createdAt),
    index("comparisons_review_idx").on(table.campaignId, table.reviewStatus, table.createdAt),
    index("comparisons_turn_idx").on(table.turnId),
    check("comparisons_time_spent_nonnegative", sql`${table.timeSpentMs} >= 0`),
  ],
);

export const problemKind = pgEnum("problem_kind", PROBLEM_KINDS);

/** "Report a problem": the turn produces no training data and the report is kept for admins. */
export const problemReports = pgTable(
  "problem_reports",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    turnId: uuid("turn_id")
      .notNull()
      .references(() => turns.id, { onDelete: "cascade" }),
    conversationId: uuid("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    campaignId: uuid("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    annotatorId: uuid("annotator_id")
      .notNull()
      .references(() => users.id),
    kind: problemKind("kind").notNull(),
    note: text("note"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** An admin handled the report; their reply (optional) is shown to the annotator. */
    resolvedAt: timestamp("resolved_at", { withTimezone: true }),
    resolvedById: uuid("resolved_by_id").references(() => users.id),
    reply: text("reply"),
  },
  (table) => [
    index("problem_reports_campaign_idx").on(table.campaignId, table.createdAt),
    index("problem_reports_open_idx").on(table.resolvedAt, table.createdAt),
    index("problem_reports_annotator_idx").on(table.annotatorId, table.createdAt),
  ],
);

/** Each retry of a turn's failed responses, counted against the campaign's retry limits. */
export const generationRetries = pgTable(
  "generation_retries",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    turnId: uuid("turn_id")
      .notNull()
      .references(() => turns.id, { onDelete: "cascade" }),
    campaignId: uuid("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    annotatorId: uuid("annotator_id")
      .notNull()
      .references(() => users.id),
    /** Responses set back to pending by this retry. */
    responses: integer("responses").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index("generation_retries_turn_idx").on(table.turnId),
    index("generation_retries_annotator_idx").on(table.annotatorId, table.campaignId, table.createdAt),
  ],
);

export type Conversation = typeof conversations.$inferSelect;
export type Turn = typeof turns.$inferSelect;
export type Response = typeof responses.$inferSelect;
export type Comparison = typeof comparisons.$inferSelect;
export type ProblemReport = typeof problemReports.$inferSelect;
