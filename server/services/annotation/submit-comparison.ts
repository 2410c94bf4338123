// An annotator submits their judgement of a turn: the responses ranked best first (with two,
// the chosen one and the other), how much better the best is than the second, and in safety
// campaigns whether each response is safe plus the prompt's risk category and attack vector.
// The chosen response becomes the assistant message of the turn. A retried or double-clicked
// submit (same idempotency key) stores one comparison and gets the same answer back. A campaign's
// judge and reward model get the comparison as jobs queued in the same statement.
import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { queryRows } from "@/db/query-rows";
import { comparisons, conversations, turns, type Comparison, type Response } from "@/db/schema";
import {
  ATTACK_VECTORS,
  MAX_TIME_SPENT_MS,
  RISK_CATEGORIES,
  STRENGTHS,
  type SafetyBin,
} from "@/lib/constants";
import { ConflictError, ValidationError } from "@/server/errors";
import { assistJobsAfterInsert, wakeJobWorkers } from "../judging/queue-assist-jobs";
import {
  findOwnTurnWith,
  requireActive,
  requireConversationActive,
  requireGuidelinesAcknowledged,
  type Actor,
} from "./access";
import { AnnotatorNote } from "./note-schema";
import { safetyBinOf } from "./safety-taxonomy";
import { noteComparisonTarget } from "../webhooks/comparison-target";

export const SubmitComparisonInput = z.object({
  turnId: z.uuid(),
  /** Made by the client once per submit attempt and kept across its retries. */
  idempotencyKey: z
    .string()
    .min(16, "The submit key is malformed; reload the page and submit again.")
    .max(100, "The submit key is malformed; reload the page and submit again."),
  /** Every response of the turn, best first. */
  ranking: z
    .array(z.uuid())
    .min(2, "Choose which response is better.")
    .max(4, "A turn has at most four responses to rank."),
  strength: z.enum(STRENGTHS, "Say how much better the chosen response is."),
  /** Safety campaigns: response id -> is it safe. */
  responseSafety: z.record(z.uuid(), z.boolean()).optional(),
  riskCategory: z.enum(RISK_CATEGORIES, "Pick the prompt's risk category.").optional(),
  attackVector: z.enum(ATTACK_VECTORS, "Pick the prompt's attack vector.").optional(),
  note: AnnotatorNote,
  /** Milliseconds from the responses being complete on screen to this submit. */
  timeSpentMs: z.number().int().min(0),
});
export type SubmitComparisonInput = z.input<typeof SubmitComparisonInput>;

export interface SubmittedComparison {
  comparisonId: string;
  turnId: string;
  conversationId: string;
  chosenResponseId: string;
  safetyBin: SafetyBin | null;
  /** The conversation ended because it reached the campaign's turn limit. */
  conversationEnded: boolean;
  canContinue: boolean;
}

function toResult(comparison: StoredComparison, conversationIsActive: boolean): SubmittedComparison {
  return {
    comparisonId: comparison.id,
    turnId: comparison.turnId,
    conversationId: comparison.conversationId,
    chosenResponseId: comparison.chosenResponseId,
    safetyBin: comparison.safetyBin,
    conversationEnded: !conversationIsActive,
    canContinue: conversationIsActive,
  };
}

async function findByKey(db: Db, key: string) {
  const [existing] = await db.select().from(comparisons).where(eq(comparisons.idempotencyKey, key)).limit(1);
  return existing;
}

async function conversationIsActive(db: Db, conversationId: string) {
  const [row] = await db
    .select({ status: conversations.status })
    .from(conversations)
    .where(eq(conversations.id, conversationId));
  return row?.status === "active";
}

type StoredComparison = Pick<
  Comparison,
  "id" | "annotatorId" | "turnId" | "conversationId" | "chosenResponseId" | "safetyBin"
>;

/** What a submit reads of its turn besides the turn itself: its responses and an earlier submit
 * with the same key (JSON, so both ride in the turn's own query). */
function submitContextOf(idempotencyKey: string) {
  return sql<{
    responses: Pick<Response, "id" | "position" | "status">[];
    earlier: StoredComparison | null;
  }>`json_build_object(
    'responses', (select coalesce(json_agg(json_build_object('id', r.id, 'position', r.position, 'status', r.status)
        order by r.position), '[]'::json)
      from responses r where r.turn_id = "turns"."id"),
    'earlier', (select json_build_object('id', c.id, 'annotatorId', c.annotator_id, 'turnId', c.turn_id,
        'conversationId', c.conversation_id, 'chosenResponseId', c.chosen_response_id, 'safetyBin', c.safety_bin)
      from comparisons c where c.idempotency_key = ${idempotencyKey}))`;
}

function replayOf(existing: StoredComparison, turnId: string, actor: Actor) {
  if (existing.annotatorId !== actor.id || existing.turnId !== turnId) {
    throw new ConflictError(
      "This submit key was already used for other work. Reload the page and submit again.",
    );
  }
  return existing;
}

export async function submitComparison(
  db: Db,
  rawInput: SubmitComparisonInput,
  actor: Actor,
): Promise<SubmittedComparison> {
  const input = SubmitComparisonInput.parse(rawInput);
  // One read: the submit is on the annotator's critical path.
  const { own, extra } = await findOwnTurnWith(
    db,
    input.turnId,
    actor,
    submitContextOf(input.idempotencyKey),
  );
  // A retry of a submit that was stored answers the same, whatever happened since.
  if (extra?.earlier) {
    replayOf(extra.earlier, input.turnId, actor);
    return toResult(extra.earlier, await conversationIsActive(db, extra.earlier.conversationId));
  }
  if (own instanceof Error) throw own;
  const turnResponses = extra!.responses;
  const { turn, conversation, campaign } = own;
  requireActive(campaign);
  requireConversationActive(conversation);
  // Guidelines changed since the turn was sent: the judgement waits for the new version's confirmation.
  requireGuidelinesAcknowledged(campaign, own.hasAcknowledgedGuidelines);

  const ids = new Set(turnResponses.map((response) => response.id));
  if (
    input.ranking.length !== ids.size ||
    new Set(input.ranking).size !== ids.size ||
    !input.ranking.every((id) => ids.has(id))
  ) {
    throw new ValidationError(
      turnResponses.length === 2
        ? "Choose Response A or Response B."
        : `Rank all ${turnResponses.length} responses, best first.`,
    );
  }
  if (turnResponses.some((response) => response.status !== "completed")) {
    throw new ValidationError(
      "Not every response has finished generating. Wait for them, retry a failed one, or report a problem.",
    );
  }

  let responseSafety: Record<string, boolean> | null = null;
  let safetyBin: SafetyBin | null = null;
  if (campaign.kind === "safety") {
    const safety = input.responseSafety ?? {};
    const letters = "ABCD";
    const missing = turnResponses.filter((response) => typeof safety[response.id] !== "boolean");
    if (missing.length > 0) {
      throw new ValidationError(
        `Mark every response safe or unsafe (missing: ${missing.map((response) => `Response ${letters[response.position]}`).join(", ")}).`,
        "responseSafety",
      );
    }
    if (!input.riskCategory) throw new ValidationError("Pick the prompt's risk category.", "riskCategory");
    if (!input.attackVector) throw new ValidationError("Pick the prompt's attack vector.", "attackVector");
    responseSafety = Object.fromEntries(turnResponses.map((response) => [response.id, safety[response.id]]));
    safetyBin = safetyBinOf(responseSafety[input.ranking[0]], responseSafety[input.ranking[1]]);
  }

  const reachedLimit = turn.index + 1 >= campaign.maxTurns;
  const chosen = input.ranking[0];
  const timeSpentMs = Math.min(input.timeSpentMs, MAX_TIME_SPENT_MS);
  const note = input.note ? input.note : null;
  const safetyLabels =
    campaign.kind === "safety"
      ? sql`, risk_category = ${input.riskCategory ?? null}, attack_vector = ${input.attackVector ?? null}`
      : sql``;
  const ending = reachedLimit ? sql`, status = 'ended', ended_at = now()` : sql``;
  const assist = assistJobsAfterInsert(campaign.id, conversation.batchId);
  // One statement, so one round trip and atomic: store the comparison and, only if it was
  // stored, make the chosen response the turn's assistant message and touch the conversation.
  // Either unique key makes the insert a no-op: the same submit again, or this turn already
  // judged (another tab).
  const [row] = await queryRows<{ id: string; hasQueuedAssistJobs: boolean }>(
    db,
    sql`
    with inserted as (
      insert into ${comparisons} (turn_id, conversation_id, campaign_id, batch_id, annotator_id,
        chosen_response_id, rejected_response_id, ranking, strength, response_safety, safety_bin,
        note, time_spent_ms, idempotency_key)
      values (${turn.id}, ${conversation.id}, ${campaign.id}, ${conversation.batchId}, ${actor.id},
        ${chosen}, ${input.ranking[1]}, ${JSON.stringify(input.ranking)}::jsonb, ${input.strength}::strength,
        ${responseSafety ? JSON.stringify(responseSafety) : null}::jsonb, ${safetyBin}::safety_bin,
        ${note}, ${timeSpentMs}, ${input.idempotencyKey})
      on conflict do nothing
      returning id
    ), chose as (
      update ${turns} set chosen_response_id = ${chosen}
      where id = ${turn.id} and exists (select 1 from inserted)
    ), touched as (
      update ${conversations} set updated_at = now() ${safetyLabels} ${ending}
      where id = ${conversation.id} and exists (select 1 from inserted)
    ) ${assist.ctes}
    select id, ${assist.hasQueued} as "hasQueuedAssistJobs" from inserted
  `,
  );
  if (row) {
    await noteComparisonTarget(db, campaign);
    if (row.hasQueuedAssistJobs) await wakeJobWorkers(db);
    return {
      comparisonId: row.id,
      turnId: turn.id,
      conversationId: conversation.id,
      chosenResponseId: chosen,
      safetyBin,
      conversationEnded: reachedLimit,
      canContinue: !reachedLimit,
    };
  }

  const sameKey = await findByKey(db, input.idempotencyKey);
  if (sameKey) {
    replayOf(sameKey, input.turnId, actor);
    return toResult(sameKey, await conversationIsActive(db, sameKey.conversationId));
  }
  const [other] = await db
    .select({ id: comparisons.id })
    .from(comparisons)
    .where(and(eq(comparisons.turnId, turn.id), eq(comparisons.annotatorId, actor.id)))
    .limit(1);
  if (other) {
    throw new ConflictError(
      "You already submitted this turn (perhaps in another tab); the first submit was kept. Reload the page to go on.",
      { key: "alreadySubmitted" },
    );
  }
  throw new ConflictError("The comparison could not be stored. Reload the page and submit again.");
}
