// An annotator sends a prompt: the first turn of a new conversation or the next turn of their
// current one. The turn is stored with its responses (pending), each from an arm the pairing
// policy picked and with the whole request recorded (variant snapshot, sampling parameters,
// seed, the messages exactly as they will be sent); in best-of-N mode both come from the
// best-of-N variant (best-of-n-turns.ts). Generation then starts in the background.
import { and, asc, count, eq, gte } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import {
  batches,
  comparisons,
  conversations,
  modelVariants,
  responses,
  turns,
  type Campaign,
  type ModelVariant,
} from "@/db/schema";
import { ConflictError, TooManyRequestsError, ValidationError } from "@/server/errors";
import { EndpointConfigError, type EndpointIdentity } from "@/server/generation/endpoints";
import { pickArms, type RandomSource } from "@/server/generation/pairing";
import { planBestOfNTurn } from "@/server/services/judging/best-of-n-turns";
import { flagNearDuplicatePrompts } from "@/server/services/integrity/flag-near-duplicates";
import { attachSlotToDialogue, setPromptForNewDialogue } from "@/server/services/prompt-sets/serve-prompts";
import type { ChatMessage } from "@/server/generation/chat-stream";
import {
  findCampaignForTurn,
  requireActive,
  requireConversationActive,
  requireGuidelinesAcknowledged,
  type Actor,
} from "./access";
import { enforceStartLimits, lockAnnotatorGenerations } from "./generation-limits";
import { PROMPT_MAX_CHARS, promptTooLongMessage } from "@/lib/constants";

export const StartTurnInput = z.object({
  campaignId: z.uuid("Pick a campaign."),
  /** null: start a new conversation. */
  conversationId: z.uuid().nullable(),
  message: z
    .string()
    .trim()
    .min(1, "Write a prompt before sending.")
    .max(PROMPT_MAX_CHARS, promptTooLongMessage)
    .refine(
      (text) => !text.includes("\u0000"),
      "The prompt contains a NUL character. Remove it and send again.",
    ),
  /** A new dialogue started from the campaign's prompt set: the slot the annotator claimed
   * (nextSetPrompt), whose prompt `message` must be. */
  promptSlotId: z.uuid().optional(),
});
export type StartTurnInput = z.input<typeof StartTurnInput>;

export interface StartTurnDeps {
  identify: (variant: ModelVariant) => EndpointIdentity;
  /** Starts generating the turn's responses (after the turn is committed). */
  schedule?: (turnId: string) => void;
  random?: RandomSource;
}

export interface StartedTurn {
  conversationId: string;
  turnId: string;
  index: number;
  responses: { id: string; position: number }[];
}

/** Start of the current day in UTC, when daily quotas reset. */
export function startOfUtcDay(now = new Date()) {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

export async function countComparisonsToday(db: Db, campaignId: string, annotatorId: string) {
  const [{ total }] = await db
    .select({ total: count() })
    .from(comparisons)
    .where(
      and(
        eq(comparisons.campaignId, campaignId),
        eq(comparisons.annotatorId, annotatorId),
        gte(comparisons.createdAt, startOfUtcDay()),
      ),
    );
  return total;
}

async function enforceDailyQuota(db: Db, campaign: Campaign, actor: Actor) {
  if (campaign.dailyQuota === null) return;
  const done = await countComparisonsToday(db, campaign.id, actor.id);
  if (done >= campaign.dailyQuota) {
    throw new TooManyRequestsError(
      `You have reached today's limit of ${campaign.dailyQuota} comparison${campaign.dailyQuota === 1 ? "" : "s"} in "${campaign.name}". ` +
        "The limit resets at midnight UTC; thank you for your work today.",
      { key: "dailyQuota", values: { count: campaign.dailyQuota, campaign: campaign.name } },
    );
  }
}

/** The campaign's open batch; the first one is opened on first use. */
async function openBatchId(db: Db, campaign: Campaign): Promise<string> {
  const [open] = await db
    .select({ id: batches.id })
    .from(batches)
    .where(and(eq(batches.campaignId, campaign.id), eq(batches.status, "open")))
    .limit(1);
  if (open) return open.id;
  const [{ total }] = await db
    .select({ total: count() })
    .from(batches)
    .where(eq(batches.campaignId, campaign.id));
  if (total > 0) {
    throw new ValidationError(
      `Data collection in "${campaign.name}" is closed (no batch is open). Ask an admin to open a new batch.`,
      undefined,
      { key: "batchClosed", values: { campaign: campaign.name } },
    );
  }
  await db
    .insert(batches)
    .values({ campaignId: campaign.id, number: 1, label: "Batch 1" })
    .onConflictDoNothing();
  const [created] = await db
    .select({ id: batches.id })
    .from(batches)
    .where(and(eq(batches.campaignId, campaign.id), eq(batches.status, "open")))
    .limit(1);
  return created.id;
}

/** The conversation's turns so far, each with the text of its chosen response. */
function previousTurns(db: Db, conversationId: string) {
  return db
    .select({ turn: turns, chosenText: responses.text })
    .from(turns)
    .leftJoin(responses, eq(responses.id, turns.chosenResponseId))
    .where(eq(turns.conversationId, conversationId))
    .orderBy(asc(turns.index));
}

/** The messages sent for a turn: system (safety preprompt first, then the system prompt), then
 * each earlier turn's prompt and chosen response, then the new prompt. */
export function buildPromptMessages(
  conversation: { systemPrompt: string | null; safetyPreprompt: string | null },
  history: { userMessage: string; assistantMessage: string }[],
  message: string,
): ChatMessage[] {
  const system = [conversation.safetyPreprompt, conversation.systemPrompt]
    .map((part) => part?.trim())
    .filter(Boolean)
    .join("\n\n");
  return [
    ...(system ? [{ role: "system" as const, content: system }] : []),
    ...history.flatMap((turn) => [
      { role: "user" as const, content: turn.userMessage },
      { role: "assistant" as const, content: turn.assistantMessage },
    ]),
    { role: "user" as const, content: message },
  ];
}

function identifyOrExplain(deps: StartTurnDeps, variant: ModelVariant) {
  try {
    return deps.identify(variant);
  } catch (error) {
    if (error instanceof EndpointConfigError) throw new ValidationError(error.message);
    throw error;
  }
}

export async function startTurn(
  db: Db,
  rawInput: StartTurnInput,
  actor: Actor,
  deps: StartTurnDeps,
): Promise<StartedTurn> {
  const input = StartTurnInput.parse(rawInput);
  const {
    campaign,
    conversation: continued,
    hasAcknowledgedGuidelines,
    hasBestOfN,
  } = await findCampaignForTurn(db, input.campaignId, input.conversationId, actor);
  requireActive(campaign);
  if (continued) requireConversationActive(continued);
  requireGuidelinesAcknowledged(campaign, hasAcknowledgedGuidelines);
  await enforceDailyQuota(db, campaign, actor);
  const variants = await db
    .select()
    .from(modelVariants)
    .where(and(eq(modelVariants.campaignId, campaign.id), eq(modelVariants.isActive, true)))
    .orderBy(asc(modelVariants.createdAt));

  const started = await db.transaction(async (tx) => {
    // Counted and inserted under one lock: parallel sends cannot all pass the count.
    await lockAnnotatorGenerations(tx, actor);
    await enforceStartLimits(tx, campaign, actor);
    let conversation;
    if (input.conversationId) {
      // Locks the conversation for this turn and touches it in one statement (rolled back with
      // the transaction when the turn is refused).
      [conversation] = await tx
        .update(conversations)
        .set({ updatedAt: new Date() })
        .where(eq(conversations.id, input.conversationId))
        .returning();
      requireConversationActive(conversation);
    } else {
      const setPrompt = await setPromptForNewDialogue(tx, campaign, actor, input);
      [conversation] = await tx
        .insert(conversations)
        .values({
          campaignId: campaign.id,
          batchId: await openBatchId(tx, campaign),
          annotatorId: actor.id,
          systemPrompt: setPrompt?.systemPrompt ?? campaign.systemPrompt,
          safetyPreprompt: campaign.kind === "safety" ? campaign.safetyPreprompt : null,
        })
        .onConflictDoNothing()
        .returning();
      if (!conversation) {
        throw new ConflictError(
          "You already have a conversation in progress in this campaign (perhaps in another tab). Reload the page to continue it.",
          { key: "conversationInProgress" },
        );
      }
      if (setPrompt) await attachSlotToDialogue(tx, setPrompt.id, conversation.id);
    }

    // A conversation created just now has no turns yet.
    const previous = input.conversationId ? await previousTurns(tx, conversation.id) : [];
    const last = previous.at(-1);
    if (last && last.turn.chosenResponseId === null) {
      throw new ConflictError(
        "The last turn of this conversation has no submitted comparison yet. Submit it (or report a problem) first; reload the page if you submitted it in another tab.",
      );
    }
    if (previous.length >= campaign.maxTurns) {
      throw new ValidationError(
        `This conversation has reached the campaign's limit of ${campaign.maxTurns} turns. End it and start a new one.`,
      );
    }

    const [turn] = await tx
      .insert(turns)
      .values({ conversationId: conversation.id, index: previous.length, userMessage: input.message })
      .onConflictDoNothing()
      .returning();
    if (!turn) {
      throw new ConflictError(
        "This turn was already sent (perhaps from another tab). Reload the page to see it.",
      );
    }
    if (turn.index === 0)
      await flagNearDuplicatePrompts(tx, campaign, [{ turnId: turn.id, prompt: input.message }]);

    const promptMessages = buildPromptMessages(
      conversation,
      previous.map((row) => ({ userMessage: row.turn.userMessage, assistantMessage: row.chosenText ?? "" })),
      input.message,
    );
    const bestOfN = hasBestOfN ? await planBestOfNTurn(tx, campaign.id, variants, deps.random) : null;
    const arms =
      bestOfN?.arms ?? (await pickArms(tx, campaign, variants, campaign.responsesPerTurn, deps.random));
    const inserted = await tx
      .insert(responses)
      .values(
        arms.map((arm) => {
          const identity = identifyOrExplain(deps, arm.variant);
          return {
            turnId: turn.id,
            position: arm.position,
            variantId: arm.variant.id,
            variantName: arm.variant.name,
            variantVersion: arm.variant.versionLabel,
            model: identity.model,
            endpointKind: identity.endpointKind,
            endpoint: identity.endpoint,
            adapterPath: identity.adapter?.path ?? null,
            adapterScale: identity.adapter?.scale ?? null,
            temperature: arm.variant.temperature,
            topP: arm.variant.topP,
            topK: arm.variant.topK,
            maxTokens: arm.variant.maxTokens,
            seed: arm.seed,
            promptMessages,
          };
        }),
      )
      .returning({ id: responses.id, position: responses.position });
    await bestOfN?.record(tx, turn.id, inserted);
    return {
      conversationId: conversation.id,
      turnId: turn.id,
      index: turn.index,
      responses: inserted.sort((a, b) => a.position - b.position),
    };
  });
  deps.schedule?.(started.turnId);
  return started;
}
