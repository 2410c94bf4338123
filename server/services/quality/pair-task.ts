// The annotator's view of one pair task, and answering or skipping it. The view shows the
// dialogue and the two responses in the task's own random order, never the first rating or
// whether the pair is gold.
import { and, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { comparisons, overlapCandidates, pairTasks, type PairTask } from "@/db/schema";
import { MAX_TIME_SPENT_MS } from "@/lib/constants";
import { ConflictError, NotFoundError, ValidationError } from "@/server/errors";
import { findCampaignForAnnotator, requireActive, type Actor } from "../annotation/access";
import { safetyBinOf } from "../annotation/safety-taxonomy";
import { queueAssistJobs, wakeJobWorkers } from "../judging/queue-assist-jobs";
import { PAIR_TASK_NOT_FOUND, SubmitPairRatingInput, type PairTaskIdInput } from "./pair-task-schemas";
import { sideOf, STRENGTH_LEVEL } from "./stats/signed-strength";
import { loadTurnContext, pairInPositionOrder } from "./turn-context";
import type { z } from "zod";

const LETTERS = ["A", "B"] as const;

async function findOwnTask(db: Db, taskId: string, actor: Actor): Promise<PairTask> {
  const [task] = await db.select().from(pairTasks).where(eq(pairTasks.id, taskId)).limit(1);
  if (!task || task.annotatorId !== actor.id) throw new NotFoundError(PAIR_TASK_NOT_FOUND);
  return task;
}

export async function getPairTask(db: Db, input: z.infer<typeof PairTaskIdInput>, actor: Actor) {
  const task = await findOwnTask(db, input.taskId, actor);
  const campaign = await findCampaignForAnnotator(db, task.campaignId, actor);
  const context = await loadTurnContext(db, task.turnId);
  const byId = new Map(context.responses.map((response) => [response.id, response]));
  return {
    taskId: task.id,
    status: task.status,
    campaign: {
      id: campaign.id,
      name: campaign.name,
      kind: campaign.kind,
      status: campaign.status,
      guidelines: campaign.guidelines,
      guidelinesVersion: campaign.guidelinesVersion,
    },
    systemPrompt: context.conversation.systemPrompt,
    history: context.history,
    userMessage: context.turn.userMessage,
    responses: task.displayOrder.map((id, index) => ({
      id,
      label: `Response ${LETTERS[index]}`,
      text: byId.get(id)?.text ?? "",
    })),
  };
}

export async function submitPairRating(
  db: Db,
  rawInput: z.input<typeof SubmitPairRatingInput>,
  actor: Actor,
) {
  const input = SubmitPairRatingInput.parse(rawInput);
  const [earlier] = await db
    .select()
    .from(comparisons)
    .where(eq(comparisons.idempotencyKey, input.idempotencyKey))
    .limit(1);
  if (earlier) {
    if (earlier.pairTaskId !== input.taskId || earlier.annotatorId !== actor.id) {
      throw new ConflictError(
        "This submit key was already used for other work. Reload the page and submit again.",
      );
    }
    return { comparisonId: earlier.id, taskId: input.taskId };
  }
  const task = await findOwnTask(db, input.taskId, actor);
  const campaign = await findCampaignForAnnotator(db, task.campaignId, actor);
  requireActive(campaign);
  if (task.status !== "pending") {
    throw new ConflictError(
      `You already ${task.status === "done" ? "rated" : "skipped"} this pair. Go on with the next one.`,
    );
  }
  const pair = task.displayOrder as [string, string];
  if (!pair.includes(input.chosenResponseId)) throw new ValidationError("Choose Response A or Response B.");
  const other = pair.find((id) => id !== input.chosenResponseId)!;

  let responseSafety: Record<string, boolean> | null = null;
  if (campaign.kind === "safety") {
    const safety = input.responseSafety ?? {};
    const missing = pair.map((id, index) =>
      typeof safety[id] === "boolean" ? null : `Response ${LETTERS[index]}`,
    );
    if (missing.some(Boolean)) {
      throw new ValidationError(
        `Mark every response safe or unsafe (missing: ${missing.filter(Boolean).join(", ")}).`,
      );
    }
    responseSafety = { [pair[0]]: safety[pair[0]], [pair[1]]: safety[pair[1]] };
  }
  const context = await loadTurnContext(db, task.turnId);
  const orientation = pairInPositionOrder(context.responses, pair);

  const stored = await db.transaction(async (tx) => {
    const [comparison] = await tx
      .insert(comparisons)
      .values({
        turnId: task.turnId,
        conversationId: context.conversation.id,
        campaignId: task.campaignId,
        batchId: task.batchId ?? context.conversation.batchId,
        annotatorId: actor.id,
        source: task.kind,
        pairTaskId: task.id,
        chosenResponseId: input.chosenResponseId,
        rejectedResponseId: other,
        ranking: [input.chosenResponseId, other],
        strength: input.strength,
        responseSafety,
        safetyBin: responseSafety
          ? safetyBinOf(responseSafety[input.chosenResponseId], responseSafety[other])
          : null,
        note: input.note ? input.note : null,
        timeSpentMs: Math.min(input.timeSpentMs, MAX_TIME_SPENT_MS),
        idempotencyKey: input.idempotencyKey,
      })
      .onConflictDoNothing()
      .returning();
    if (!comparison) return null;
    const [done] = await tx
      .update(pairTasks)
      .set({
        status: "done",
        resultComparisonId: comparison.id,
        resultSide: sideOf(input.chosenResponseId, orientation),
        resultStrength: STRENGTH_LEVEL[input.strength],
        completedAt: new Date(),
      })
      .where(and(eq(pairTasks.id, task.id), eq(pairTasks.status, "pending")))
      .returning({ id: pairTasks.id });
    if (!done) throw new ConflictError("This pair was answered in another tab; that answer was kept.");
    // The campaign's judge and reward model rate pair ratings too (gold items have no other).
    return { ...comparison, hasQueuedAssistJobs: await queueAssistJobs(tx, comparison) };
  });
  if (!stored) {
    const [again] = await db
      .select()
      .from(comparisons)
      .where(eq(comparisons.idempotencyKey, input.idempotencyKey))
      .limit(1);
    if (again?.pairTaskId === task.id) return { comparisonId: again.id, taskId: task.id };
    throw new ConflictError(
      "You already rated this pair (perhaps in another tab); the first answer was kept.",
    );
  }
  if (stored.hasQueuedAssistJobs) await wakeJobWorkers(db);
  return { comparisonId: stored.id, taskId: task.id };
}

/** Skipping hands an overlap item back so someone else can rate it. */
export async function skipPairTask(db: Db, input: z.infer<typeof PairTaskIdInput>, actor: Actor) {
  const task = await findOwnTask(db, input.taskId, actor);
  if (task.status !== "pending") return { taskId: task.id, status: task.status };
  await db.transaction(async (tx) => {
    await tx
      .update(pairTasks)
      .set({ status: "skipped", completedAt: new Date() })
      .where(and(eq(pairTasks.id, task.id), eq(pairTasks.status, "pending")));
    if (task.kind === "overlap" && task.sourceComparisonId) {
      await tx
        .update(overlapCandidates)
        .set({ pairTaskId: null })
        .where(eq(overlapCandidates.comparisonId, task.sourceComparisonId));
    }
  });
  return { taskId: task.id, status: "skipped" as const };
}
