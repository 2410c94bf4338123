// The review queue over every campaign at once, as the queue's "All campaigns" shows it, with
// the campaign of each comparison and the unsafe-chosen marker of safety campaigns.
import { describe, expect, it } from "vitest";
import { submitComparison } from "@/server/services/annotation/submit-comparison";
import { updateCampaign } from "@/server/services/campaigns/update-campaign";
import { createJudgeableTurn, newIdempotencyKey } from "@/server/testing/annotation-campaigns";
import { createAnnotator, createReviewer } from "@/server/testing/fixtures";
import { createCollectingCampaign } from "@/server/testing/quality-campaigns";
import { setUpAdminDb } from "@/server/testing/test-db";
import { getComparisonDetail, listReviewQueue } from "./reviews";

const world = setUpAdminDb();

async function judge(
  campaignId: string,
  author: Awaited<ReturnType<typeof createAnnotator>>["actor"],
  unsafeChosen?: boolean,
) {
  const turn = await createJudgeableTurn(world.db, campaignId, author);
  const ranking = [...turn.responses].sort((a, b) => a.position - b.position).map((response) => response.id);
  return submitComparison(
    world.db,
    {
      turnId: turn.turnId,
      idempotencyKey: newIdempotencyKey(),
      ranking,
      strength: "better",
      timeSpentMs: 5_000,
      ...(unsafeChosen === undefined
        ? {}
        : {
            responseSafety: { [ranking[0]]: !unsafeChosen, [ranking[1]]: true },
            riskCategory: "illicit and criminal activities",
            attackVector: "psychological manipulation",
          }),
    },
    author,
  );
}

describe("listReviewQueue", () => {
  it("lists pending comparisons of every campaign when none is chosen, naming each campaign", async () => {
    const helpful = await createCollectingCampaign(world.db, world.admin);
    const safety = await createCollectingCampaign(world.db, world.admin, { kind: "safety" });
    const author = (await createAnnotator(world.db)).actor;
    const first = await judge(helpful.id, author);
    const second = await judge(safety.id, author, true);

    const all = await listReviewQueue(world.db, {});
    expect(all.total).toBe(2);
    expect(all.items.map((item) => [item.id, item.campaignName, item.isChosenUnsafe])).toEqual([
      [first.comparisonId, helpful.name, false],
      [second.comparisonId, safety.name, true],
    ]);
    const one = await listReviewQueue(world.db, { campaignId: safety.id });
    expect(one.items.map((item) => item.id)).toEqual([second.comparisonId]);
  });

  it("shows variant names to admins only, not to reviewers", async () => {
    const campaign = await createCollectingCampaign(world.db, world.admin);
    const author = (await createAnnotator(world.db)).actor;
    const reviewer = (await createReviewer(world.db)).actor;
    const { comparisonId } = await judge(campaign.id, author);
    const asReviewer = await getComparisonDetail(world.db, { comparisonId }, reviewer);
    expect(asReviewer.responses.map((response) => response.variant)).toEqual([null, null]);
    const asAdmin = await getComparisonDetail(world.db, { comparisonId }, world.admin);
    expect(asAdmin.responses.every((response) => response.variant?.includes(" @ "))).toBe(true);
  });

  it("shows variant names to reviewers once an admin unblinds the campaign, never to its annotator", async () => {
    const campaign = await createCollectingCampaign(world.db, world.admin);
    const author = (await createAnnotator(world.db)).actor;
    const reviewer = (await createReviewer(world.db)).actor;
    const { comparisonId } = await judge(campaign.id, author);
    const settings = { ...campaign, campaignId: campaign.id, isBlindedForReviewers: false };
    await updateCampaign(world.db, settings, world.admin);
    const asReviewer = await getComparisonDetail(world.db, { comparisonId }, reviewer);
    expect(asReviewer.responses.every((response) => response.variant?.includes(" @ "))).toBe(true);
    const asAuthor = await getComparisonDetail(world.db, { comparisonId }, author);
    expect(asAuthor.responses.map((response) => response.variant)).toEqual([null, null]);
  });
});
