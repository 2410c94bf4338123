// Serving a campaign's prompt sets to annotators. Each prompt has one slot per annotator it
// should reach; an annotator claims a free slot with FOR UPDATE SKIP LOCKED (parallel claims
// take different slots, and a slot re-checked as free after waiting is not taken twice), never
// two slots of one prompt (a unique index), and holds one unstarted prompt per campaign at a time
// (their claims are serialised by an advisory lock).
// A slot is served once the dialogue it opened has its first comparison; a claim left unserved
// (the dialogue ended without one, or nothing happened for CLAIM_TTL_MS) goes back to the pool.
import { and, asc, eq, inArray, isNotNull, isNull, lt, notExists, or, sql, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { z } from "zod";
import type { Db } from "@/db/client";
import { conversations, promptSetItems, promptSets, promptSlots, turns, type Campaign } from "@/db/schema";
import { ConflictError, ValidationError } from "@/server/errors";
import {
  findCampaignForAnnotator,
  hasAcknowledgedGuidelines,
  requireActive,
  requireGuidelinesAcknowledged,
  type Actor,
} from "../annotation/access";
import { findCampaign } from "../campaigns/campaign-access";

/** A claimed prompt nobody started a dialogue with, or whose dialogue saw no comparison, for this
 * long is offered to others again. */
export const CLAIM_TTL_MS = 2 * 60 * 60 * 1000;

/** The slot's dialogue has its first comparison (the prompt was served). */
const hasFirstComparison: SQL = sql`exists (select 1 from ${turns} where ${turns.conversationId} = ${promptSlots.conversationId} and ${turns.index} = 0 and ${turns.chosenResponseId} is not null)`;
const isServed: SQL = sql`(${promptSlots.servedAt} is not null or ${hasFirstComparison})`;

const mine = alias(promptSlots, "mine");

export const NextSetPromptInput = z.object({ campaignId: z.uuid("Pick a campaign.") });
export type NextSetPromptInput = z.infer<typeof NextSetPromptInput>;

export interface SetPrompt {
  slotId: string;
  prompt: string;
  systemPrompt: string | null;
  category: string | null;
  setName: string;
  /** Whether the campaign wants its dialogues started from this set only. */
  replacesOwnPrompts: boolean;
}

/** The prompt this annotator holds in the campaign and has not started, or a newly claimed one;
 * null when every prompt has reached its annotators (or theirs already). */
export async function nextSetPrompt(
  db: Db,
  rawInput: NextSetPromptInput,
  actor: Actor,
  now = new Date(),
): Promise<SetPrompt | null> {
  const input = NextSetPromptInput.parse(rawInput);
  const campaign = await findCampaignForAnnotator(db, input.campaignId, actor);
  requireActive(campaign);
  requireGuidelinesAcknowledged(campaign, await hasAcknowledgedGuidelines(db, campaign, actor));
  await settleClaims(db, campaign.id, now);
  return db.transaction(async (tx) => {
    // One claim at a time per annotator and campaign (two tabs): the second finds the first's.
    await tx.execute(
      sql`select pg_advisory_xact_lock(hashtext(${`prompt-claim:${campaign.id}:${actor.id}`}))`,
    );
    const held = await heldPrompt(tx, campaign.id, actor);
    if (held) return held;
    const free = tx
      .select({ id: promptSlots.id })
      .from(promptSlots)
      .where(
        and(
          eq(promptSlots.campaignId, campaign.id),
          isNull(promptSlots.annotatorId),
          notExists(
            tx
              .select({ id: mine.id })
              .from(mine)
              .where(and(eq(mine.itemId, promptSlots.itemId), eq(mine.annotatorId, actor.id))),
          ),
        ),
      )
      .orderBy(asc(promptSlots.slot), asc(promptSlots.position))
      .limit(1)
      .for("update", { skipLocked: true });
    const claimed = await tx
      .update(promptSlots)
      .set({ annotatorId: actor.id, claimedAt: now })
      .where(and(inArray(promptSlots.id, free), isNull(promptSlots.annotatorId)))
      .returning({ id: promptSlots.id });
    return claimed.length === 0 ? null : heldPrompt(tx, campaign.id, actor);
  });
}

async function heldPrompt(db: Db, campaignId: string, actor: Actor): Promise<SetPrompt | null> {
  const [row] = await db
    .select({
      slotId: promptSlots.id,
      prompt: promptSetItems.prompt,
      systemPrompt: promptSetItems.systemPrompt,
      category: promptSetItems.category,
      setName: promptSets.name,
      replacesOwnPrompts: promptSets.replacesOwnPrompts,
    })
    .from(promptSlots)
    .innerJoin(promptSetItems, eq(promptSetItems.id, promptSlots.itemId))
    .innerJoin(promptSets, eq(promptSets.id, promptSlots.setId))
    .where(
      and(
        eq(promptSlots.campaignId, campaignId),
        eq(promptSlots.annotatorId, actor.id),
        isNull(promptSlots.conversationId),
      ),
    )
    .orderBy(asc(promptSlots.claimedAt))
    .limit(1);
  return row ?? null;
}

/** Goes over the claims in progress: served ones are stamped (and never looked at again),
 * and those that will not be served go back to the pool — their dialogue ended without a
 * comparison, or the claim is older than CLAIM_TTL_MS. */
async function settleClaims(db: Db, campaignId: string, now: Date) {
  const inProgress = and(
    eq(promptSlots.campaignId, campaignId),
    isNotNull(promptSlots.annotatorId),
    isNull(promptSlots.servedAt),
  );
  await db
    .update(promptSlots)
    .set({ servedAt: now })
    .where(and(inProgress, isNotNull(promptSlots.conversationId), hasFirstComparison));
  const endedDialogue = sql`exists (select 1 from ${conversations} where ${conversations.id} = ${promptSlots.conversationId} and ${conversations.status} = 'ended')`;
  await db
    .update(promptSlots)
    .set({ annotatorId: null, claimedAt: null, conversationId: null })
    .where(
      and(
        inProgress,
        sql`not ${hasFirstComparison}`,
        or(lt(promptSlots.claimedAt, new Date(now.getTime() - CLAIM_TTL_MS)), endedDialogue),
      ),
    );
}

/**
 * For startTurn, inside its transaction, when a new dialogue starts: the set prompt it starts
 * from (the annotator's claim, which must be the prompt they send), or null for a prompt of their
 * own — refused while a set that replaces own prompts still has one for them.
 */
export async function setPromptForNewDialogue(
  db: Db,
  campaign: Campaign,
  actor: Actor,
  input: { promptSlotId?: string; message: string },
) {
  if (!input.promptSlotId) {
    if (await hasReplacingPromptFor(db, campaign.id, actor)) {
      throw new ValidationError(
        `Dialogues in "${campaign.name}" start from its prompt set: send the prompt shown, not one of your own.`,
      );
    }
    return null;
  }
  const [slot] = await db
    .select({ id: promptSlots.id, prompt: promptSetItems.prompt, systemPrompt: promptSetItems.systemPrompt })
    .from(promptSlots)
    .innerJoin(promptSetItems, eq(promptSetItems.id, promptSlots.itemId))
    .where(
      and(
        eq(promptSlots.id, input.promptSlotId),
        eq(promptSlots.campaignId, campaign.id),
        eq(promptSlots.annotatorId, actor.id),
        isNull(promptSlots.conversationId),
      ),
    )
    .for("update");
  if (!slot) {
    throw new ConflictError(
      "This prompt from the set is no longer reserved for you. Reload the page for another.",
    );
  }
  if (slot.prompt !== input.message) {
    throw new ValidationError("A prompt from the set is sent as it is: reload the page to restore it.");
  }
  return slot;
}

/** Records the dialogue a claimed slot opened (startTurn, after inserting it); the claim's
 * time starts again, so that a claim held long before starting is not released mid-dialogue. */
export async function attachSlotToDialogue(db: Db, slotId: string, conversationId: string, now = new Date()) {
  await db.update(promptSlots).set({ conversationId, claimedAt: now }).where(eq(promptSlots.id, slotId));
}

/** Whether a set that replaces own prompts has a prompt this annotator holds or could claim. */
async function hasReplacingPromptFor(db: Db, campaignId: string, actor: Actor) {
  const [row] = await db
    .select({ id: promptSlots.id })
    .from(promptSlots)
    .innerJoin(promptSets, eq(promptSets.id, promptSlots.setId))
    .where(
      and(
        eq(promptSlots.campaignId, campaignId),
        eq(promptSets.replacesOwnPrompts, true),
        or(
          and(eq(promptSlots.annotatorId, actor.id), isNull(promptSlots.conversationId)),
          and(
            isNull(promptSlots.annotatorId),
            notExists(
              db
                .select({ id: mine.id })
                .from(mine)
                .where(and(eq(mine.itemId, promptSlots.itemId), eq(mine.annotatorId, actor.id))),
            ),
          ),
        ),
      ),
    )
    .limit(1);
  return row !== undefined;
}

export const ListPromptSetsInput = z.object({ campaignId: z.uuid("That is not a valid campaign id.") });
export type ListPromptSetsInput = z.infer<typeof ListPromptSetsInput>;

/** A campaign's sets with their progress: servings asked for, claimed now, served. */
export async function listPromptSets(db: Db, rawInput: ListPromptSetsInput) {
  const input = ListPromptSetsInput.parse(rawInput);
  await findCampaign(db, input.campaignId);
  const sets = await db
    .select()
    .from(promptSets)
    .where(eq(promptSets.campaignId, input.campaignId))
    .orderBy(asc(promptSets.createdAt));
  if (sets.length === 0) return [];
  const progress = await db
    .select({
      setId: promptSlots.setId,
      servings: sql<number>`count(*)::int`,
      claimed: sql<number>`count(${promptSlots.annotatorId})::int`,
      served: sql<number>`count(*) filter (where ${isServed})::int`,
    })
    .from(promptSlots)
    .where(
      inArray(
        promptSlots.setId,
        sets.map((set) => set.id),
      ),
    )
    .groupBy(promptSlots.setId);
  return sets.map((set) => {
    const counts = progress.find((row) => row.setId === set.id);
    return {
      id: set.id,
      name: set.name,
      format: set.format,
      prompts: set.itemCount,
      annotatorsPerPrompt: set.annotatorsPerPrompt,
      replacesOwnPrompts: set.replacesOwnPrompts,
      createdAt: set.createdAt,
      servings: counts?.servings ?? 0,
      served: counts?.served ?? 0,
      /** Claimed by someone and not yet served (in progress). */
      inProgress: (counts?.claimed ?? 0) - (counts?.served ?? 0),
    };
  });
}
