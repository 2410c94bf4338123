// The annotator's own page: each person sees their own comparisons and figures only, earnings
// follow the campaign's rate and review, and gold and agreement figures wait until the next
// UTC day, so they never tell which pair task was a gold check.
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { pairTasks } from "@/db/schema";
import type { SessionUser } from "@/server/auth/session-user";
import { submitComparison } from "@/server/services/annotation/submit-comparison";
import { claimNextPairTask } from "@/server/services/quality/claim-pair-task";
import { markGold } from "@/server/services/quality/gold-items";
import { submitPairRating } from "@/server/services/quality/pair-task";
import { reviewComparison } from "@/server/services/quality/reviews";
import {
  acknowledgeCurrentGuidelines,
  createJudgeableTurn,
  newIdempotencyKey,
} from "@/server/testing/annotation-campaigns";
import { createAnnotator, createReviewer } from "@/server/testing/fixtures";
import {
  createCollectingCampaign,
  type CollectingCampaignSettings,
} from "@/server/testing/quality-campaigns";
import { setUpAdminDb } from "@/server/testing/test-db";
import { listWorkHistory } from "./work-history";
import { getWorkSummary } from "./work-summary";

const world = setUpAdminDb();
const tomorrow = () => new Date(Date.now() + 24 * 3600 * 1000);

/** One-turn dialogues, so each judged turn starts a new one. */
function campaignWith(settings: CollectingCampaignSettings = {}) {
  return createCollectingCampaign(world.db, world.admin, { maxTurns: 1, ...settings });
}

/** A real submit: the response at position 0 wins. */
async function judge(campaignId: string, author: SessionUser, timeSpentMs = 12_000) {
  const turn = await createJudgeableTurn(world.db, campaignId, author, {
    message: `Prompt of ${author.email}`,
  });
  const ranking = [...turn.responses].sort((a, b) => a.position - b.position).map((response) => response.id);
  return submitComparison(
    world.db,
    { turnId: turn.turnId, idempotencyKey: newIdempotencyKey(), ranking, strength: "better", timeSpentMs },
    author,
  );
}

/** Claims the next pair task and answers it with `chosenResponseId(task)`. */
async function ratePair(
  campaignId: string,
  rater: SessionUser,
  chosenResponseId: (task: typeof pairTasks.$inferSelect) => Promise<string>,
) {
  await acknowledgeCurrentGuidelines(world.db, campaignId, rater);
  const claimed = await claimNextPairTask(world.db, { campaignId }, rater);
  const [task] = await world.db.select().from(pairTasks).where(eq(pairTasks.id, claimed!.taskId));
  return submitPairRating(
    world.db,
    {
      taskId: task.id,
      idempotencyKey: newIdempotencyKey(),
      chosenResponseId: await chosenResponseId(task),
      strength: "better",
      timeSpentMs: 8000,
    },
    rater,
  );
}

describe("the annotator's own work", () => {
  it("counts only their own comparisons, time and earnings, pages their history and filters it by campaign", async () => {
    const paid = await campaignWith({ ratePerComparison: 0.25, rateUnit: "USD" });
    const unpaid = await campaignWith();
    const me = (await createAnnotator(world.db)).actor;
    const other = (await createAnnotator(world.db)).actor;
    const reviewer = (await createReviewer(world.db)).actor;
    const mine: Awaited<ReturnType<typeof judge>>[] = [];
    for (let i = 0; i < 3; i++) mine.push(await judge(paid.id, me, 10_000 + i * 1000));
    await judge(unpaid.id, me, 5_000);
    const theirs = await judge(paid.id, other);
    await reviewComparison(
      world.db,
      { comparisonId: mine[0].comparisonId, decision: "rejected", comment: "The other answer is right." },
      reviewer,
    );
    await reviewComparison(world.db, { comparisonId: mine[1].comparisonId, decision: "accepted" }, reviewer);

    const summary = await getWorkSummary(world.db, me);
    expect(summary.campaigns).toHaveLength(2);
    expect(summary.campaigns.find((row) => row.campaignId === paid.id)).toMatchObject({
      comparisons: 3,
      accepted: 1,
      rejected: 1,
      pendingReview: 1,
      timeSpentMs: 33_000,
      // The rejected comparison earns nothing.
      earnings: { amount: 0.5, unit: "USD", ratePerComparison: 0.25 },
    });
    expect(summary.campaigns.find((row) => row.campaignId === unpaid.id)).toMatchObject({
      comparisons: 1,
      timeSpentMs: 5_000,
      earnings: null,
    });
    expect(summary.totals).toEqual({ comparisons: 4, timeSpentMs: 38_000, earningsByUnit: { USD: 0.5 } });
    expect((await getWorkSummary(world.db, other)).totals).toEqual({
      comparisons: 1,
      timeSpentMs: 12_000,
      earningsByUnit: { USD: 0.25 },
    });

    const first = await listWorkHistory(world.db, { page: 1, pageSize: 3 }, me);
    const second = await listWorkHistory(world.db, { page: 2, pageSize: 3 }, me);
    expect([first.total, first.pageCount, first.items.length, second.items.length]).toEqual([4, 2, 3, 1]);
    const listed = [...first.items, ...second.items];
    expect(listed.map((item) => item.createdAt.getTime())).toEqual(
      listed.map((item) => item.createdAt.getTime()).sort((a, b) => b - a),
    );
    expect(listed.map((item) => item.id)).not.toContain(theirs.comparisonId);
    expect(listed.find((item) => item.id === mine[0].comparisonId)).toMatchObject({
      task: "dialogue",
      reviewStatus: "rejected",
      strength: "better",
      timeSpentMs: 10_000,
      userMessage: `Prompt of ${me.email}`,
    });
    const paidOnly = await listWorkHistory(world.db, { campaignId: paid.id }, me);
    expect(paidOnly.items.map((item) => item.id).sort()).toEqual(
      mine.map((item) => item.comparisonId).sort(),
    );
    expect((await listWorkHistory(world.db, undefined, other)).items.map((item) => item.id)).toEqual([
      theirs.comparisonId,
    ]);
  });

  it("shows gold accuracy and agreement from the next UTC day on, and never names a task gold", async () => {
    const goldCampaign = await campaignWith({ goldFraction: 1 });
    const overlapCampaign = await campaignWith({ overlapFraction: 1 });
    const author = (await createAnnotator(world.db)).actor;
    const rater = (await createAnnotator(world.db)).actor;
    const judged = await judge(goldCampaign.id, author);
    await markGold(world.db, { comparisonId: judged.comparisonId }, world.admin);
    await ratePair(goldCampaign.id, rater, async () => judged.chosenResponseId);
    const source = await judge(overlapCampaign.id, author);
    // The rater picks the other response: they disagree with the author.
    await ratePair(overlapCampaign.id, rater, async (task) =>
      task.displayOrder.find((id) => id !== source.chosenResponseId)!,
    );

    const today = await getWorkSummary(world.db, rater);
    for (const campaign of today.campaigns) {
      expect(campaign.gold).toEqual({ rated: 0, accuracy: null });
      expect(campaign.agreement).toEqual({ items: 0, percentAgreement: null });
    }
    const later = await getWorkSummary(world.db, rater, tomorrow());
    const byId = (campaignId: string) => later.campaigns.find((row) => row.campaignId === campaignId)!;
    expect(byId(goldCampaign.id).gold).toEqual({ rated: 1, accuracy: 1 });
    expect(byId(overlapCampaign.id).agreement).toEqual({ items: 1, percentAgreement: 0 });
    expect(byId(overlapCampaign.id).gold).toEqual({ rated: 0, accuracy: null });
    // The re-rated author sees the same item from their side.
    const authorLater = await getWorkSummary(world.db, author, tomorrow());
    expect(authorLater.campaigns.find((row) => row.campaignId === overlapCampaign.id)!.agreement).toEqual({
      items: 1,
      percentAgreement: 0,
    });

    const history = await listWorkHistory(world.db, undefined, rater);
    expect(history.items.map((item) => item.task)).toEqual(["pair", "pair"]);
    expect(JSON.stringify(history)).not.toMatch(/gold|overlap/i);
  });
});
