// Prompt sets: fixed prompts imported into a campaign (JSONL, CSV, Parquet, a Hugging Face
// dataset folder) and served to annotators instead of, or beside, prompts they write. Each
// prompt has as many slots as annotators it should reach; an annotator claims a free slot (never
// two of one prompt), and the slot counts as served once the dialogue it opened has its first
// comparison (stamped in served_at by the next claim in the campaign).
import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  index,
  integer,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { conversations } from "./annotation";
import { campaigns } from "./campaigns";
import { users } from "./users";

export const PROMPT_SET_FORMATS = ["jsonl", "csv", "parquet", "huggingface"] as const;
export type PromptSetFormat = (typeof PROMPT_SET_FORMATS)[number];

export const promptSets = pgTable(
  "prompt_sets",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    campaignId: uuid("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** The file format it was imported from (PROMPT_SET_FORMATS). */
    format: text("format").notNull(),
    itemCount: integer("item_count").notNull(),
    /** How many different annotators each prompt is served to. */
    annotatorsPerPrompt: integer("annotators_per_prompt").notNull().default(1),
    /** While the set has free prompts, annotators start dialogues only from it (no prompts of
     * their own); false: they may write their own beside it. */
    replacesOwnPrompts: boolean("replaces_own_prompts").notNull().default(false),
    createdById: uuid("created_by_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex("prompt_sets_campaign_name_key").on(table.campaignId, table.name),
    check("prompt_sets_annotators_per_prompt_range", sql`${table.annotatorsPerPrompt} between 1 and 20`),
  ],
);

export const promptSetItems = pgTable(
  "prompt_set_items",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    setId: uuid("set_id")
      .notNull()
      .references(() => promptSets.id, { onDelete: "cascade" }),
    /** 0-based order in the imported file. */
    position: integer("position").notNull(),
    prompt: text("prompt").notNull(),
    /** The dialogue's system instruction (instead of the campaign's); null: the campaign's. */
    systemPrompt: text("system_prompt"),
    category: text("category"),
    /** A reference answer, stored with the prompt; never sent to the models. */
    referenceAnswer: text("reference_answer"),
  },
  (table) => [uniqueIndex("prompt_set_items_set_position_key").on(table.setId, table.position)],
);

export const promptSlots = pgTable(
  "prompt_slots",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    campaignId: uuid("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    setId: uuid("set_id")
      .notNull()
      .references(() => promptSets.id, { onDelete: "cascade" }),
    itemId: uuid("item_id")
      .notNull()
      .references(() => promptSetItems.id, { onDelete: "cascade" }),
    /** 1..annotatorsPerPrompt; every prompt's first slot is served before any second one. */
    slot: integer("slot").notNull(),
    /** The item's position, copied so that free slots are found in serving order by one index. */
    position: integer("position").notNull(),
    annotatorId: uuid("annotator_id").references(() => users.id, { onDelete: "set null" }),
    claimedAt: timestamp("claimed_at", { withTimezone: true }),
    /** The dialogue the annotator opened with this prompt. */
    conversationId: uuid("conversation_id").references(() => conversations.id, { onDelete: "set null" }),
    /** When the dialogue's first comparison was found saved (the slot is done for good). */
    servedAt: timestamp("served_at", { withTimezone: true }),
  },
  (table) => [
    uniqueIndex("prompt_slots_item_slot_key").on(table.itemId, table.slot),
    // One annotator never gets two slots of one prompt.
    uniqueIndex("prompt_slots_item_annotator_key")
      .on(table.itemId, table.annotatorId)
      .where(sql`${table.annotatorId} is not null`),
    index("prompt_slots_free_idx")
      .on(table.campaignId, table.slot, table.position)
      .where(sql`${table.annotatorId} is null`),
    // Claims in progress, which each claim checks for served or abandoned ones.
    index("prompt_slots_in_progress_idx")
      .on(table.campaignId, table.claimedAt)
      .where(sql`${table.annotatorId} is not null and ${table.servedAt} is null`),
    index("prompt_slots_annotator_idx").on(table.annotatorId, table.campaignId),
    index("prompt_slots_set_idx").on(table.setId),
    index("prompt_slots_conversation_idx").on(table.conversationId),
  ],
);

export type PromptSet = typeof promptSets.$inferSelect;
export type PromptSetItem = typeof promptSetItems.$inferSelect;
export type PromptSlot = typeof promptSlots.$inferSelect;
