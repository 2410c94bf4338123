// Review (the Llama 2 QA step): reviewers go through a campaign's comparisons and accept or
// reject each with a comment; rejected ones stay out of exports by default, and annotators see
// the decisions on their own work.
import { and, asc, count, desc, eq, sql, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { z } from "zod";
import type { Db } from "@/db/client";
import {
  annotatorRollups,
  batches,
  campaigns,
  COMPARISON_SOURCES,
  comparisonAssists,
  comparisons,
  pairTasks,
  REVIEW_STATUSES,
  reviews,
  turns,
  users,
} from "@/db/schema";
import { REVIEW_QUEUE_ORDERS } from "@/lib/constants";
import { hasRole, type Role } from "@/server/auth/roles";
import type { SessionUser } from "@/server/auth/session-user";
import { NotFoundError, ValidationError } from "@/server/errors";
import { recordAudit } from "../audit/record-audit";
import { offsetOf, PageInput, toPage } from "../pagination";
import { loadTurnContext } from "./turn-context";

const COMPARISON_NOT_FOUND = "That comparison does not exist, or it is not yours to see.";
const LETTERS = "ABCD";

export const ReviewComparisonInput = z.object({
  comparisonId: z.uuid("That is not a valid comparison id."),
  decision: z.enum(["accepted", "rejected"], "Accept or reject the comparison."),
  comment: z.string().trim().max(2000, "A comment can be at most 2,000 characters long.").optional(),
});
export type ReviewComparisonInput = z.input<typeof ReviewComparisonInput>;

export async function reviewComparison(
  db: Db,
  rawInput: ReviewComparisonInput,
  actor: Pick<SessionUser, "id">,
) {
  const input = ReviewComparisonInput.parse(rawInput);
  if (input.decision === "rejected" && !input.comment) {
    throw new ValidationError("Say why you reject it: the annotator sees your comment.");
  }
  return db.transaction(async (tx) => {
    const [comparison] = await tx
      .select()
      .from(comparisons)
      .where(eq(comparisons.id, input.comparisonId))
      .for("update");
    if (!comparison) throw new NotFoundError(COMPARISON_NOT_FOUND);
    if (comparison.annotatorId === actor.id) {
      throw new ValidationError("You cannot review your own comparison. Leave it to another reviewer.");
    }
    const [review] = await tx
      .insert(reviews)
      .values({
        comparisonId: comparison.id,
        reviewerId: actor.id,
        annotatorId: comparison.annotatorId,
        decision: input.decision,
        comment: input.comment || null,
      })
      .returning();
    if (comparison.reviewStatus !== input.decision) {
      await tx
        .update(comparisons)
        .set({ reviewStatus: input.decision })
        .where(eq(comparisons.id, comparison.id));
    }
    await recordAudit(tx, {
      actorId: actor.id,
      action: input.decision === "accepted" ? "comparison.accepted" : "comparison.rejected",
      targetType: "comparison",
      targetId: comparison.id,
      details: {
        campaignId: comparison.campaignId,
        previous: comparison.reviewStatus,
        comment: input.comment ?? null,
      },
    });
    return review;
  });
}

export const ListReviewQueueInput = PageInput.extend({
  /** Leave out for every campaign. */
  campaignId: z.uuid("Choose a campaign.").optional(),
  status: z.enum(REVIEW_STATUSES).default("pending"),
  source: z.enum(COMPARISON_SOURCES).default("primary"),
  batchId: z.uuid().optional(),
  annotatorId: z.uuid().optional(),
  /** "judge-disagreement": where the campaign's LLM judge named the other response first, then
   * where it was unsure, then where it agreed, then the unjudged; each in submit order. */
  order: z.enum(REVIEW_QUEUE_ORDERS).default("submitted"),
});
export type ListReviewQueueInput = z.input<typeof ListReviewQueueInput>;

/** Pending comparisons oldest first (the queue); decided ones newest first. The total comes
 * from the rollups, so counting a queue of a million rows costs nothing. */
export async function listReviewQueue(db: Db, rawInput: ListReviewQueueInput) {
  const input = ListReviewQueueInput.parse(rawInput);
  const where: SQL[] = [eq(comparisons.reviewStatus, input.status), eq(comparisons.source, input.source)];
  const rollupWhere: SQL[] = [
    eq(annotatorRollups.reviewStatus, input.status),
    eq(annotatorRollups.source, input.source),
  ];
  if (input.campaignId) {
    where.push(eq(comparisons.campaignId, input.campaignId));
    rollupWhere.push(eq(annotatorRollups.campaignId, input.campaignId));
  }
  if (input.batchId) {
    where.push(eq(comparisons.batchId, input.batchId));
    rollupWhere.push(eq(annotatorRollups.batchId, input.batchId));
  }
  if (input.annotatorId) {
    where.push(eq(comparisons.annotatorId, input.annotatorId));
    rollupWhere.push(eq(annotatorRollups.annotatorId, input.annotatorId));
  }
  const order = input.status === "pending" ? asc : desc;
  const disagreement = sql`case when ${comparisonAssists.judgeOutcome} is null then 0
    when ${comparisonAssists.judgeOutcome} = 'unsure' then 2
    when ${comparisonAssists.judgeWinnerResponseId} = ${comparisons.chosenResponseId} then 1 else 3 end`;
  const rows = await db
    .select({
      id: comparisons.id,
      createdAt: comparisons.createdAt,
      strength: comparisons.strength,
      safetyBin: comparisons.safetyBin,
      isGold: comparisons.isGold,
      reviewStatus: comparisons.reviewStatus,
      timeSpentMs: comparisons.timeSpentMs,
      annotatorId: comparisons.annotatorId,
      annotatorEmail: users.email,
      batchNumber: batches.number,
      campaignId: comparisons.campaignId,
      campaignName: campaigns.name,
      userMessage: sql<string>`left(${turns.userMessage}, 200)`,
      /** The chosen response was labelled unsafe: worth a reviewer's look first. */
      isChosenUnsafe: sql<boolean>`coalesce((${comparisons.responseSafety} ->> ${comparisons.chosenResponseId}::text)::boolean = false, false)`,
    })
    .from(comparisons)
    .innerJoin(users, eq(users.id, comparisons.annotatorId))
    .innerJoin(batches, eq(batches.id, comparisons.batchId))
    .innerJoin(turns, eq(turns.id, comparisons.turnId))
    .innerJoin(campaigns, eq(campaigns.id, comparisons.campaignId))
    .leftJoin(comparisonAssists, eq(comparisonAssists.comparisonId, comparisons.id))
    .where(and(...where))
    .orderBy(
      ...(input.order === "judge-disagreement" ? [desc(disagreement)] : []),
      order(comparisons.createdAt),
      order(comparisons.id),
    )
    .limit(input.pageSize)
    .offset(offsetOf(input));
  const [{ total }] = await db
    .select({ total: sql<number>`coalesce(sum(${annotatorRollups.comparisons}), 0)::int` })
    .from(annotatorRollups)
    .where(and(...rollupWhere));
  return toPage(rows, Number(total), input);
}

export const ComparisonIdInput = z.object({ comparisonId: z.uuid("That is not a valid comparison id.") });

/** A comparison with its dialogue, responses (in the author's A/B order), choice and review
 * history. Reviewers see any, except while they have a pair task on its turn to rate; an
 * annotator sees their own, without what would tell gold and overlap pairs apart or who
 * reviewed it. */
export async function getComparisonDetail(
  db: Db,
  input: z.infer<typeof ComparisonIdInput>,
  viewer: { id: string; role: Role },
) {
  const [row] = await db
    .select({
      comparison: comparisons,
      annotatorEmail: users.email,
      batchNumber: batches.number,
      campaignName: campaigns.name,
      campaignKind: campaigns.kind,
      isBlindedForReviewers: campaigns.isBlindedForReviewers,
    })
    .from(comparisons)
    .innerJoin(users, eq(users.id, comparisons.annotatorId))
    .innerJoin(batches, eq(batches.id, comparisons.batchId))
    .innerJoin(campaigns, eq(campaigns.id, comparisons.campaignId))
    .where(eq(comparisons.id, input.comparisonId))
    .limit(1);
  const isReviewer = hasRole(viewer.role, "reviewer");
  if (!row || (!isReviewer && row.comparison.annotatorId !== viewer.id)) {
    throw new NotFoundError(COMPARISON_NOT_FOUND);
  }
  const { comparison } = row;
  if (isReviewer && comparison.annotatorId !== viewer.id) {
    const [rating] = await db
      .select({ id: pairTasks.id })
      .from(pairTasks)
      .where(
        and(
          eq(pairTasks.turnId, comparison.turnId),
          eq(pairTasks.annotatorId, viewer.id),
          eq(pairTasks.status, "pending"),
        ),
      )
      .limit(1);
    if (rating) {
      throw new ValidationError(
        "You have this turn to rate as a pair task. Rate or skip it first, then review its comparisons.",
      );
    }
  }
  const context = await loadTurnContext(db, comparison.turnId);
  const reviewer = alias(users, "reviewer");
  const history = await db
    .select({
      id: reviews.id,
      decision: reviews.decision,
      comment: reviews.comment,
      createdAt: reviews.createdAt,
      reviewerEmail: reviewer.email,
    })
    .from(reviews)
    .innerJoin(reviewer, eq(reviewer.id, reviews.reviewerId))
    .where(eq(reviews.comparisonId, comparison.id))
    .orderBy(desc(reviews.createdAt));
  const rank = new Map(comparison.ranking.map((id, index) => [id, index]));
  // Admins see which model answered; reviewers only where the campaign unblinds them: a reviewer
  // who knew would judge the model, not the choice. Annotators never do.
  const seesVariants = hasRole(viewer.role, "admin") || (isReviewer && !row.isBlindedForReviewers);
  return {
    id: comparison.id,
    campaign: { id: comparison.campaignId, name: row.campaignName, kind: row.campaignKind },
    annotatorId: comparison.annotatorId,
    annotatorEmail: row.annotatorEmail,
    batchNumber: row.batchNumber,
    ...(isReviewer ? { source: comparison.source, isGold: comparison.isGold } : {}),
    createdAt: comparison.createdAt,
    strength: comparison.strength,
    safetyBin: comparison.safetyBin,
    note: comparison.note,
    timeSpentMs: comparison.timeSpentMs,
    reviewStatus: comparison.reviewStatus,
    systemPrompt: context.conversation.systemPrompt,
    riskCategory: context.conversation.riskCategory,
    attackVector: context.conversation.attackVector,
    history: context.history,
    userMessage: context.turn.userMessage,
    responses: context.responses.map((response) => ({
      id: response.id,
      label: `Response ${LETTERS[response.position]}`,
      text: response.text,
      variant: seesVariants ? `${response.variantName} @ ${response.variantVersion}` : null,
      rank: rank.get(response.id) ?? null,
      isChosen: response.id === comparison.chosenResponseId,
      isSafe: comparison.responseSafety?.[response.id] ?? null,
    })),
    // Annotators see "a reviewer": a name would let them press or court a reviewer.
    reviews: history.map((review) => ({
      ...review,
      reviewerEmail: isReviewer ? review.reviewerEmail : null,
    })),
  };
}

export const ListMyFeedbackInput = PageInput;

/** Review decisions on the annotator's own comparisons, newest first. */
export async function listMyFeedback(
  db: Db,
  rawInput: PageInput | undefined,
  actor: Pick<SessionUser, "id">,
) {
  const input = ListMyFeedbackInput.parse(rawInput ?? {});
  const rows = await db
    .select({
      id: reviews.id,
      comparisonId: reviews.comparisonId,
      decision: reviews.decision,
      comment: reviews.comment,
      createdAt: reviews.createdAt,
      campaignName: campaigns.name,
      userMessage: sql<string>`left(${turns.userMessage}, 200)`,
    })
    .from(reviews)
    .innerJoin(comparisons, eq(comparisons.id, reviews.comparisonId))
    .innerJoin(campaigns, eq(campaigns.id, comparisons.campaignId))
    .innerJoin(turns, eq(turns.id, comparisons.turnId))
    .where(eq(reviews.annotatorId, actor.id))
    .orderBy(desc(reviews.createdAt), desc(reviews.id))
    .limit(input.pageSize)
    .offset(offsetOf(input));
  const [{ total }] = await db
    .select({ total: count() })
    .from(reviews)
    .where(eq(reviews.annotatorId, actor.id));
  return toPage(rows, total, input);
}

/** Campaigns a reviewer can pick for the queue (everything but drafts). */
export async function listReviewCampaigns(db: Db) {
  return db
    .select({ id: campaigns.id, name: campaigns.name, kind: campaigns.kind, status: campaigns.status })
    .from(campaigns)
    .where(sql`${campaigns.status} <> 'draft'`)
    .orderBy(desc(campaigns.createdAt))
    .limit(200);
}
