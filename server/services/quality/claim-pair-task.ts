// "Rate this pair": the next pair task for an annotator in a campaign. A pending task is served
// again until it is done or skipped. Otherwise, with the campaign's gold fraction, a gold item
// the annotator has not met (served blind: a gold pair looks like any other), else the oldest
// comparison waiting for overlap by someone else, else a gold item when one is left.
import crypto from "node:crypto";
import { and, asc, eq, isNull, ne, notExists, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import {
  batches,
  comparisons,
  conversations,
  goldItems,
  overlapCandidates,
  pairTasks,
  responses,
  reviews,
  turns,
  type Campaign,
  type PairTask,
} from "@/db/schema";
import { TooManyRequestsError, ValidationError } from "@/server/errors";
import { findCampaignForAnnotator, requireActive, type Actor } from "../annotation/access";
import { countComparisonsToday } from "../annotation/start-turn";
import { sideOf, STRENGTH_LEVEL } from "./stats/signed-strength";
import { pairInPositionOrder } from "./turn-context";

export const ClaimPairTaskInput = z.object({ campaignId: z.uuid("That is not a valid campaign id.") });
export type ClaimPairTaskInput = z.infer<typeof ClaimPairTaskInput>;

function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = crypto.randomInt(i + 1);
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

/** A turn is never served to someone who has met it: a pair task for it, a rating of it, or a
 * review of one of its ratings (a reviewer has seen the first rating, or the gold answer). */
function notMetBefore(
  turnId: typeof overlapCandidates.turnId | typeof goldItems.turnId,
  actorId: string,
  db: Db,
) {
  return and(
    notExists(
      db
        .select({ one: sql`1` })
        .from(pairTasks)
        .where(and(eq(pairTasks.turnId, turnId), eq(pairTasks.annotatorId, actorId))),
    ),
    notExists(
      db
        .select({ one: sql`1` })
        .from(comparisons)
        .where(and(eq(comparisons.turnId, turnId), eq(comparisons.annotatorId, actorId))),
    ),
    notExists(
      db
        .select({ one: sql`1` })
        .from(reviews)
        .innerJoin(comparisons, eq(comparisons.id, reviews.comparisonId))
        .where(and(eq(comparisons.turnId, turnId), eq(reviews.reviewerId, actorId))),
    ),
  );
}

/** The annotator's pending task in the campaign: served again until it is done or skipped. */
export function pendingTaskOf(actorId: string, campaignId: string) {
  return and(
    eq(pairTasks.annotatorId, actorId),
    eq(pairTasks.campaignId, campaignId),
    eq(pairTasks.status, "pending"),
  );
}

/** The campaign's overlap candidates that may be served to `actorId`: not yet given to anyone,
 * rated by someone else, on a turn they have not met. */
export function servableOverlap(db: Db, campaignId: string, actorId: string) {
  return and(
    eq(overlapCandidates.campaignId, campaignId),
    isNull(overlapCandidates.pairTaskId),
    ne(overlapCandidates.authorId, actorId),
    notMetBefore(overlapCandidates.turnId, actorId, db),
  );
}

/** The campaign's gold items that may be served to `actorId`: not from their own dialogues, on a
 * turn they have not met. */
export function servableGold(db: Db, campaignId: string, actorId: string) {
  return and(
    eq(goldItems.campaignId, campaignId),
    notExists(
      db
        .select({ one: sql`1` })
        .from(turns)
        .innerJoin(conversations, eq(conversations.id, turns.conversationId))
        .where(and(eq(turns.id, goldItems.turnId), eq(conversations.annotatorId, actorId))),
    ),
    notMetBefore(goldItems.turnId, actorId, db),
  );
}

async function turnPositions(db: Db, turnId: string) {
  return db.select().from(responses).where(eq(responses.turnId, turnId)).orderBy(asc(responses.position));
}

async function claimOverlap(tx: Db, campaign: Campaign, actor: Actor): Promise<PairTask | null> {
  const [candidate] = await tx
    .select()
    .from(overlapCandidates)
    .where(servableOverlap(tx, campaign.id, actor.id))
    .orderBy(asc(overlapCandidates.createdAt))
    .limit(1)
    .for("update", { skipLocked: true });
  if (!candidate) return null;
  const [source] = await tx.select().from(comparisons).where(eq(comparisons.id, candidate.comparisonId));
  const pair = pairInPositionOrder(await turnPositions(tx, source.turnId), [
    source.chosenResponseId,
    source.rejectedResponseId,
  ]);
  const [task] = await tx
    .insert(pairTasks)
    .values({
      kind: "overlap",
      campaignId: campaign.id,
      turnId: source.turnId,
      sourceComparisonId: source.id,
      annotatorId: actor.id,
      displayOrder: shuffled(pair),
      batchId: source.batchId,
      sourceAnnotatorId: source.annotatorId,
      referenceSide: sideOf(source.chosenResponseId, pair),
      referenceStrength: STRENGTH_LEVEL[source.strength],
    })
    .returning();
  await tx
    .update(overlapCandidates)
    .set({ pairTaskId: task.id })
    .where(eq(overlapCandidates.comparisonId, candidate.comparisonId));
  return task;
}

async function claimGold(
  tx: Db,
  campaign: Campaign,
  actor: Actor,
  batchId: string,
): Promise<PairTask | null> {
  const [item] = await tx
    .select()
    .from(goldItems)
    .where(servableGold(tx, campaign.id, actor.id))
    .orderBy(sql`random()`)
    .limit(1);
  if (!item) return null;
  const turnResponses = await turnPositions(tx, item.turnId);
  let other: string | undefined;
  if (item.sourceComparisonId) {
    const [source] = await tx
      .select({ chosen: comparisons.chosenResponseId, rejected: comparisons.rejectedResponseId })
      .from(comparisons)
      .where(eq(comparisons.id, item.sourceComparisonId));
    other = source?.chosen === item.expectedChosenResponseId ? source.rejected : source?.chosen;
  }
  other ??= turnResponses.find((response) => response.id !== item.expectedChosenResponseId)?.id;
  if (!other) return null;
  const pair = pairInPositionOrder(turnResponses, [item.expectedChosenResponseId, other]);
  const [task] = await tx
    .insert(pairTasks)
    .values({
      kind: "gold",
      campaignId: campaign.id,
      turnId: item.turnId,
      goldItemId: item.id,
      annotatorId: actor.id,
      displayOrder: shuffled(pair),
      batchId,
      referenceSide: sideOf(item.expectedChosenResponseId, pair),
      referenceStrength: item.expectedStrength ? STRENGTH_LEVEL[item.expectedStrength] : null,
    })
    .onConflictDoNothing()
    .returning();
  return task ?? null;
}

export async function claimNextPairTask(
  db: Db,
  input: ClaimPairTaskInput,
  actor: Actor,
  random: () => number = Math.random,
): Promise<{ taskId: string } | null> {
  const campaign = await findCampaignForAnnotator(db, input.campaignId, actor);
  requireActive(campaign);
  if (
    campaign.dailyQuota !== null &&
    (await countComparisonsToday(db, campaign.id, actor.id)) >= campaign.dailyQuota
  ) {
    throw new TooManyRequestsError(
      `You have reached today's limit of ${campaign.dailyQuota} comparisons in "${campaign.name}". The limit resets at midnight UTC.`,
      { key: "dailyQuota", values: { count: campaign.dailyQuota, campaign: campaign.name } },
    );
  }
  const [open] = await db
    .select({ id: batches.id })
    .from(batches)
    .where(and(eq(batches.campaignId, campaign.id), eq(batches.status, "open")))
    .limit(1);
  if (!open) {
    throw new ValidationError(
      `Data collection in "${campaign.name}" is closed (no batch is open). Ask an admin to open one.`,
      undefined,
      { key: "batchClosed", values: { campaign: campaign.name } },
    );
  }
  const task = await db.transaction(async (tx) => {
    // One claim at a time per annotator and campaign (two tabs must not get two tasks).
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`pair:${actor.id}:${campaign.id}`}))`);
    const [pending] = await tx.select().from(pairTasks).where(pendingTaskOf(actor.id, campaign.id)).limit(1);
    if (pending) return pending;
    const useGold = campaign.goldFraction > 0;
    if (useGold && random() < campaign.goldFraction) {
      return (await claimGold(tx, campaign, actor, open.id)) ?? (await claimOverlap(tx, campaign, actor));
    }
    return (
      (await claimOverlap(tx, campaign, actor)) ??
      (useGold ? await claimGold(tx, campaign, actor, open.id) : null)
    );
  });
  return task ? { taskId: task.id } : null;
}
