// Campaigns (one data collection effort, helpfulness or safety), their versioned guidelines,
// members, model variants and batches. Every comparison belongs to one campaign and one batch.
import {
  boolean,
  check,
  index,
  integer,
  pgEnum,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  jsonb,
  numeric,
} from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";
import { CAMPAIGN_KINDS, CAMPAIGN_STATUSES, PAIRING_POLICIES } from "../../lib/constants";
import { users } from "./users";

export const campaignKind = pgEnum("campaign_kind", CAMPAIGN_KINDS);

export const campaignStatus = pgEnum("campaign_status", CAMPAIGN_STATUSES);

export const pairingPolicy = pgEnum("pairing_policy", PAIRING_POLICIES);

/** "all": every active annotator may work in the campaign; "selected": only campaign_members. */
export const MEMBERSHIP_MODES = ["all", "selected"] as const;
export type MembershipMode = (typeof MEMBERSHIP_MODES)[number];
export const membershipMode = pgEnum("membership_mode", MEMBERSHIP_MODES);

export const campaigns = pgTable(
  "campaigns",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** Unique, shown to admins and used by the CLI (`--campaign NAME`). */
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    kind: campaignKind("kind").notNull(),
    status: campaignStatus("status").notNull().default("active"),
    /** Current guidelines (Markdown); each edit adds a campaign_guideline_versions row. */
    guidelines: text("guidelines").notNull().default(""),
    guidelinesVersion: integer("guidelines_version").notNull().default(1),
    /** Responses generated per turn: 2 (a pair) up to 4 (a ranking). */
    responsesPerTurn: integer("responses_per_turn").notNull().default(2),
    maxTurns: integer("max_turns").notNull().default(6),
    /** Persistent system instruction sent with every turn; shown to annotators. */
    systemPrompt: text("system_prompt"),
    /** Safety preprompt used when generating, recorded, never shown to annotators. */
    safetyPreprompt: text("safety_preprompt"),
    membership: membershipMode("membership").notNull().default("all"),
    /** Comparisons per annotator per day (UTC); null = no limit. */
    dailyQuota: integer("daily_quota"),
    /** Fraction of finished comparisons re-served to another annotator ("rate this pair"). */
    overlapFraction: real("overlap_fraction").notNull().default(0),
    /** Fraction of tasks served from gold items when any are available. */
    goldFraction: real("gold_fraction").notNull().default(0),
    // Generation limits per annotator: the daily quota counts submitted comparisons only, so
    // without these, sending and ending (or retrying) in a loop burns a paid endpoint.
    /** Turns started in the last hour / 24 hours (rolling). */
    turnsPerHour: integer("turns_per_hour").notNull().default(60),
    turnsPerDay: integer("turns_per_day").notNull().default(400),
    /** Retries of a turn's failed responses: per turn, and in the last hour (rolling). */
    retriesPerTurn: integer("retries_per_turn").notNull().default(3),
    retriesPerHour: integer("retries_per_hour").notNull().default(20),
    /** Turns generating at once, counted over all the annotator's campaigns. */
    concurrentGenerations: integer("concurrent_generations").notNull().default(2),
    /** Reviewers see no variant names (only admins do) unless an admin unblinds them. */
    isBlindedForReviewers: boolean("is_blinded_for_reviewers").notNull().default(true),
    /** What an annotator earns per comparison that review has not rejected; null: no rate. */
    ratePerComparison: numeric("rate_per_comparison", { precision: 12, scale: 2, mode: "number" }),
    /** "points", or the ISO 4217 code of the currency the rate is paid in. */
    rateUnit: text("rate_unit").notNull().default("points"),
    /** Estimated Jaccard similarity (word 3-shingles, MinHash) at which an opening prompt is
     * flagged as a near-duplicate of an earlier one when it is saved. */
    nearDuplicateThreshold: real("near_duplicate_threshold").notNull().default(0.8),
    /** Whether every opening prompt is placed at that threshold (recluster-prompts.ts): a start
     * of the server looks for unplaced prompts only in campaigns where this is false. */
    promptsPlaced: boolean("prompts_placed").notNull().default(false),
    /** How each turn's variants are picked (lib/constants.ts PAIRING_POLICIES). */
    pairing: pairingPolicy("pairing").notNull().default("balanced"),
    /** Comparisons the campaign aims for; reaching it sends the "quota.reached" webhook event
     * once (targetReachedAt), and again only after the target changes. Null: no target. */
    targetComparisons: integer("target_comparisons"),
    targetReachedAt: timestamp("target_reached_at", { withTimezone: true }),
    /** Free-form settings a later feature needs before it earns a column. */
    settings: jsonb("settings").$type<Record<string, unknown>>().notNull().default({}),
    createdById: uuid("created_by_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    archivedAt: timestamp("archived_at", { withTimezone: true }),
  },
  (table) => [
    uniqueIndex("campaigns_name_key").on(table.name),
    check("campaigns_responses_per_turn_range", sql`${table.responsesPerTurn} between 2 and 4`),
    check("campaigns_max_turns_range", sql`${table.maxTurns} between 1 and 50`),
    check("campaigns_overlap_fraction_range", sql`${table.overlapFraction} between 0 and 1`),
    check("campaigns_gold_fraction_range", sql`${table.goldFraction} between 0 and 1`),
    check("campaigns_turns_per_hour_range", sql`${table.turnsPerHour} between 1 and 10000`),
    check("campaigns_turns_per_day_range", sql`${table.turnsPerDay} between 1 and 100000`),
    check("campaigns_retries_per_turn_range", sql`${table.retriesPerTurn} between 0 and 20`),
    check("campaigns_retries_per_hour_range", sql`${table.retriesPerHour} between 1 and 10000`),
    check("campaigns_concurrent_generations_range", sql`${table.concurrentGenerations} between 1 and 20`),
    check("campaigns_near_duplicate_threshold_range", sql`${table.nearDuplicateThreshold} between 0.1 and 1`),
    check("campaigns_target_comparisons_positive", sql`${table.targetComparisons} > 0`),
  ],
);

export const campaignGuidelineVersions = pgTable(
  "campaign_guideline_versions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    campaignId: uuid("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    guidelines: text("guidelines").notNull(),
    createdById: uuid("created_by_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [uniqueIndex("campaign_guideline_versions_key").on(table.campaignId, table.version)],
);

/** The guidelines in another language, written for one version of the campaign's guidelines:
 * annotators whose interface uses that language read it while it matches the current version. */
export const campaignGuidelineTranslations = pgTable(
  "campaign_guideline_translations",
  {
    campaignId: uuid("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    locale: text("locale").notNull(),
    /** The campaign's guidelines version this text translates. */
    version: integer("version").notNull(),
    guidelines: text("guidelines").notNull(),
    updatedById: uuid("updated_by_id").references(() => users.id, { onDelete: "set null" }),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.campaignId, table.locale] })],
);

/** An annotator confirmed having read a guidelines version; a new version asks again. */
export const guidelineAcknowledgements = pgTable(
  "guideline_acknowledgements",
  {
    campaignId: uuid("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    acknowledgedAt: timestamp("acknowledged_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.campaignId, table.userId, table.version] })],
);

export const campaignMembers = pgTable(
  "campaign_members",
  {
    campaignId: uuid("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    addedAt: timestamp("added_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.campaignId, table.userId] }),
    index("campaign_members_user_idx").on(table.userId),
  ],
);

/** "local": Arbiter's own engine (a GGUF file served by the supervised inference server, or
 * baseUrl when set); "openai": any OpenAI-compatible endpoint (vLLM, TGI, Ollama). */
export const ENDPOINT_KINDS = ["local", "openai"] as const;
export type EndpointKind = (typeof ENDPOINT_KINDS)[number];
export const endpointKind = pgEnum("endpoint_kind", ENDPOINT_KINDS);

export const modelVariants = pgTable(
  "model_variants",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    campaignId: uuid("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    /** Admin-facing label ("llama-2-7b-chat @ 0.7"); never shown to annotators. */
    name: text("name").notNull(),
    endpointKind: endpointKind("endpoint_kind").notNull(),
    /** OpenAI-compatible base URL (".../v1"); null for a supervised local engine. */
    baseUrl: text("base_url"),
    /** Model name sent to the endpoint (for local: defaults to the file's name). */
    model: text("model").notNull(),
    /** GGUF path for local variants; null means the default model (MODEL_PATH or the demo). */
    modelPath: text("model_path"),
    /** A LoRA adapter (.gguf) the local engine applies over the model, and its scale; null: none. */
    adapterPath: text("adapter_path"),
    adapterScale: real("adapter_scale").notNull().default(1),
    /** Name of the environment variable holding the API key; the key itself is never stored. */
    apiKeyEnv: text("api_key_env"),
    temperature: real("temperature").notNull().default(0.7),
    topP: real("top_p").notNull().default(0.95),
    topK: integer("top_k"),
    maxTokens: integer("max_tokens").notNull().default(512),
    /** Model version label; batches record the versions they collected with. */
    versionLabel: text("version_label").notNull().default("v1"),
    isActive: boolean("is_active").notNull().default(true),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index("model_variants_campaign_idx").on(table.campaignId),
    uniqueIndex("model_variants_campaign_name_key").on(table.campaignId, table.name),
  ],
);

export const BATCH_STATUSES = ["open", "closed"] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];
export const batchStatus = pgEnum("batch_status", BATCH_STATUSES);

export const batches = pgTable(
  "batches",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    campaignId: uuid("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    /** 1, 2, 3... within the campaign. */
    number: integer("number").notNull(),
    label: text("label").notNull().default(""),
    status: batchStatus("status").notNull().default("open"),
    /** Variant id -> version label at the time the batch opened. */
    variantVersions: jsonb("variant_versions").$type<Record<string, string>>().notNull().default({}),
    openedById: uuid("opened_by_id").references(() => users.id, { onDelete: "set null" }),
    closedById: uuid("closed_by_id").references(() => users.id, { onDelete: "set null" }),
    openedAt: timestamp("opened_at", { withTimezone: true }).notNull().defaultNow(),
    closedAt: timestamp("closed_at", { withTimezone: true }),
  },
  (table) => [
    uniqueIndex("batches_campaign_number_key").on(table.campaignId, table.number),
    // At most one open batch per campaign.
    uniqueIndex("batches_one_open_per_campaign")
      .on(table.campaignId)
      .where(sql`${table.status} = 'open'`),
  ],
);

export type Campaign = typeof campaigns.$inferSelect;
export type ModelVariant = typeof modelVariants.$inferSelect;
export type Batch = typeof batches.$inferSelect;
