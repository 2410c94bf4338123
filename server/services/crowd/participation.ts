// A signed-in participant's own study: the comprehension check (answers checked here, never
// sent to the browser), their progress, and the completion code once they have done what the
// link asks. Read by the session's user id only, so nobody reaches another participant's study.
import { and, count, eq, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { campaigns, comparisons, crowdLinks, crowdParticipants } from "@/db/schema";
import { ForbiddenError, NotFoundError, ValidationError } from "@/server/errors";
import { prolificCompletionUrl } from "@/lib/crowd-platforms";
import type { Actor } from "../annotation/access";

export const NOT_A_PARTICIPANT =
  "You are not taking part in a study here. Open the link the platform gave you.";
const FAILED_CHECK =
  "You did not pass the comprehension check, so this study has no work for you. Return the study on the platform; do not submit a completion code.";

async function findOwnParticipation(db: Db, actor: Actor, options: { lock?: boolean } = {}) {
  const query = db
    .select({ participant: crowdParticipants, link: crowdLinks, campaign: campaigns })
    .from(crowdParticipants)
    .innerJoin(crowdLinks, eq(crowdLinks.id, crowdParticipants.linkId))
    .innerJoin(campaigns, eq(campaigns.id, crowdParticipants.campaignId))
    .where(eq(crowdParticipants.userId, actor.id))
    .limit(1);
  const [found] = options.lock ? await query.for("update", { of: crowdParticipants }) : await query;
  return found ?? null;
}

export type ParticipationState = "check" | "failed" | "working" | "complete";

/** The caller's study, or null when they are not a participant (staff annotators). */
export async function getParticipation(db: Db, actor: Actor) {
  const found = await findOwnParticipation(db, actor);
  if (!found) return null;
  const { participant, link, campaign } = found;
  const [{ done }] = await db
    .select({ done: count() })
    .from(comparisons)
    .where(and(eq(comparisons.annotatorId, actor.id), eq(comparisons.campaignId, campaign.id)));
  let completedAt = participant.completedAt;
  // Done what the link asks, or the campaign ended under them: either way the work is over.
  if (
    !completedAt &&
    participant.passedAt &&
    (done >= link.requiredComparisons || campaign.status === "archived")
  ) {
    const [stamped] = await db
      .update(crowdParticipants)
      .set({ completedAt: sql`coalesce(${crowdParticipants.completedAt}, now())` })
      .where(eq(crowdParticipants.id, participant.id))
      .returning({ completedAt: crowdParticipants.completedAt });
    completedAt = stamped.completedAt;
  }
  const state: ParticipationState = participant.failedAt
    ? "failed"
    : !participant.passedAt
      ? "check"
      : completedAt
        ? "complete"
        : "working";
  return {
    state,
    platform: link.platform,
    name: link.name,
    description: link.description,
    campaignId: campaign.id,
    campaignName: campaign.name,
    requiredComparisons: link.requiredComparisons,
    comparisonsDone: done,
    attemptsLeft: Math.max(0, link.comprehensionAttempts - participant.comprehensionAttemptsUsed),
    questions:
      state === "check"
        ? link.comprehensionQuestions.map(({ question, options }) => ({ question, options }))
        : [],
    completion: state === "complete" ? completionOf(link, participant) : null,
  };
}

function completionOf(
  link: typeof crowdLinks.$inferSelect,
  participant: typeof crowdParticipants.$inferSelect,
) {
  if (link.platform === "prolific") {
    return {
      code: link.completionCode,
      redirectUrl: prolificCompletionUrl(link.completionCode),
      mturk: null,
    };
  }
  // MTurk takes the work back through a form posted to turkSubmitTo's externalSubmit.
  return {
    code: link.completionCode,
    redirectUrl: null,
    mturk: participant.submitTo
      ? { action: `${participant.submitTo}/mturk/externalSubmit`, assignmentId: participant.sessionId ?? "" }
      : null,
  };
}

export const AnswerComprehensionInput = z.object({
  answers: z.array(z.number().int().min(0).max(7)).max(20),
});

/** One attempt at the check; the row lock makes parallel attempts count one after the other. */
export async function answerComprehension(
  db: Db,
  rawInput: z.input<typeof AnswerComprehensionInput>,
  actor: Actor,
) {
  const input = AnswerComprehensionInput.parse(rawInput);
  return db.transaction(async (tx) => {
    const found = await findOwnParticipation(tx, actor, { lock: true });
    if (!found) throw new NotFoundError(NOT_A_PARTICIPANT);
    const { participant, link } = found;
    if (participant.passedAt) return { passed: true, attemptsLeft: 0 };
    if (participant.failedAt) throw new ForbiddenError(FAILED_CHECK);
    const questions = link.comprehensionQuestions;
    if (input.answers.length !== questions.length) {
      throw new ValidationError("Answer every question before checking your answers.", "answers");
    }
    const passed = questions.every((question, index) => question.correctOption === input.answers[index]);
    const attemptsUsed = participant.comprehensionAttemptsUsed + 1;
    const attemptsLeft = Math.max(0, link.comprehensionAttempts - attemptsUsed);
    const now = new Date();
    await tx
      .update(crowdParticipants)
      .set({
        comprehensionAttemptsUsed: attemptsUsed,
        passedAt: passed ? now : null,
        failedAt: !passed && attemptsLeft === 0 ? now : null,
      })
      .where(and(eq(crowdParticipants.id, participant.id), isNull(crowdParticipants.passedAt)));
    return { passed, attemptsLeft: passed ? 0 : attemptsLeft };
  });
}
