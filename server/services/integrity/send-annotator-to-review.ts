// "Send to review" on the Integrity tab: an annotator the report flags gets all their comparisons
// in the campaign looked at again. Those a reviewer accepted go back to "not reviewed yet" (the
// acceptance stays in the review history and the audit log); the review queue, filtered to the
// annotator, then holds every comparison of theirs that no one has rejected.
import { and, count, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { comparisons } from "@/db/schema";
import type { SessionUser } from "@/server/auth/session-user";
import { recordAudit } from "../audit/record-audit";
import { findCampaign } from "../campaigns/campaign-access";

export const SendAnnotatorToReviewInput = z.object({
  campaignId: z.uuid("That is not a valid campaign id."),
  annotatorId: z.uuid("That is not a valid annotator id."),
});
export type SendAnnotatorToReviewInput = z.infer<typeof SendAnnotatorToReviewInput>;

export async function sendAnnotatorToReview(
  db: Db,
  rawInput: SendAnnotatorToReviewInput,
  actor: Pick<SessionUser, "id">,
) {
  const input = SendAnnotatorToReviewInput.parse(rawInput);
  return db.transaction(async (tx) => {
    await findCampaign(tx, input.campaignId);
    const theirs = and(
      eq(comparisons.campaignId, input.campaignId),
      eq(comparisons.annotatorId, input.annotatorId),
    );
    const reopened = await tx
      .update(comparisons)
      .set({ reviewStatus: "pending" })
      .where(and(theirs, eq(comparisons.reviewStatus, "accepted")))
      .returning({ id: comparisons.id });
    const [{ pending }] = await tx
      .select({ pending: count() })
      .from(comparisons)
      .where(and(theirs, eq(comparisons.reviewStatus, "pending")));
    await recordAudit(tx, {
      actorId: actor.id,
      action: "comparison.sent_to_review",
      targetType: "user",
      targetId: input.annotatorId,
      details: { campaignId: input.campaignId, reopened: reopened.length },
    });
    return { reopened: reopened.length, pending };
  });
}
