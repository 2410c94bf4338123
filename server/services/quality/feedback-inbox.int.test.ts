// The annotator's feedback: the admin's reply to a problem report reaches them, and the
// navigation's count of new feedback goes when they open it and comes back with the next review.
import { describe, expect, it } from "vitest";
import { problemReports } from "@/db/schema";
import { reportProblem } from "@/server/services/annotation/report-problem";
import { submitComparison } from "@/server/services/annotation/submit-comparison";
import { resolveProblemReport } from "@/server/services/problem-reports/resolve-problem-report";
import { createJudgeableTurn, newIdempotencyKey } from "@/server/testing/annotation-campaigns";
import { createAnnotator, createReviewer } from "@/server/testing/fixtures";
import { createCollectingCampaign } from "@/server/testing/quality-campaigns";
import { setUpAdminDb } from "@/server/testing/test-db";
import {
  countNewFeedback,
  listMyProblemReports,
  markFeedbackSeen,
  NEW_FEEDBACK_SHOWN_MAX,
} from "./feedback-inbox";
import { reviewComparison } from "./reviews";

const world = setUpAdminDb();

describe("the annotator's feedback", () => {
  it("shows the admin's reply to a report, counts it new until opened, then counts the next review", async () => {
    const campaign = await createCollectingCampaign(world.db, world.admin);
    const author = (await createAnnotator(world.db)).actor;
    const other = (await createAnnotator(world.db)).actor;
    const reported = await createJudgeableTurn(world.db, campaign.id, author);
    const { reportId } = await reportProblem(
      world.db,
      { turnId: reported.turnId, kind: "broken", note: "Both answers stop mid-word." },
      author,
    );
    expect(await countNewFeedback(world.db, author)).toEqual({ reviews: 0, replies: 0, total: 0 });
    const reply = "The variant's max tokens was too low; fixed in batch 2.";
    await resolveProblemReport(world.db, { reportId, reply }, world.admin);

    const mine = await listMyProblemReports(world.db, undefined, author);
    expect(mine.items).toMatchObject([{ kind: "broken", note: "Both answers stop mid-word.", reply }]);
    expect(mine.items[0].resolvedAt).toBeInstanceOf(Date);
    expect(JSON.stringify(mine)).not.toContain(world.admin.email);
    expect((await listMyProblemReports(world.db, undefined, other)).items).toEqual([]);
    expect(await countNewFeedback(world.db, author)).toEqual({ reviews: 0, replies: 1, total: 1 });

    expect(await markFeedbackSeen(world.db, author)).toEqual({ previouslySeenAt: null });
    expect((await countNewFeedback(world.db, author)).total).toBe(0);

    const turn = await createJudgeableTurn(world.db, campaign.id, author);
    const { comparisonId } = await submitComparison(
      world.db,
      {
        turnId: turn.turnId,
        idempotencyKey: newIdempotencyKey(),
        ranking: turn.responses.map((response) => response.id),
        strength: "better",
        timeSpentMs: 5_000,
      },
      author,
    );
    const reviewer = (await createReviewer(world.db)).actor;
    await reviewComparison(world.db, { comparisonId, decision: "accepted" }, reviewer);
    expect(await countNewFeedback(world.db, author)).toEqual({ reviews: 1, replies: 0, total: 1 });
    expect((await markFeedbackSeen(world.db, author)).previouslySeenAt).toBeInstanceOf(Date);
    expect((await countNewFeedback(world.db, author)).total).toBe(0);
  });

  it("stops counting one past what the badge shows, however much is new", async () => {
    const campaign = await createCollectingCampaign(world.db, world.admin);
    const author = (await createAnnotator(world.db)).actor;
    const turn = await createJudgeableTurn(world.db, campaign.id, author);
    const resolvedAt = new Date();
    await world.db.insert(problemReports).values(
      Array.from({ length: NEW_FEEDBACK_SHOWN_MAX + 20 }, () => ({
        turnId: turn.turnId,
        conversationId: turn.conversationId,
        campaignId: campaign.id,
        annotatorId: author.id,
        kind: "broken" as const,
        resolvedAt,
        reply: "Fixed.",
      })),
    );
    expect(await countNewFeedback(world.db, author)).toEqual({
      reviews: 0,
      replies: NEW_FEEDBACK_SHOWN_MAX + 1,
      total: NEW_FEEDBACK_SHOWN_MAX + 1,
    });
  });
});
