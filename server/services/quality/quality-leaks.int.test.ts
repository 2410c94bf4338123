// Gaming the quality checks, through the tRPC HTTP endpoint: a reviewer who has seen a turn's
// first rating (or gold answer) must never be served that turn to rate, and an annotator must
// not learn from any answer whether a pair was gold or overlap, nor who reviewed their work.
import { describe, expect, it } from "vitest";
import type { SessionUser } from "@/server/auth/session-user";
import { submitComparison } from "@/server/services/annotation/submit-comparison";
import { setUpAdminHttp } from "@/server/testing/test-db";
import { createJudgeableTurn, newIdempotencyKey } from "@/server/testing/annotation-campaigns";
import { createAnnotator, createReviewer } from "@/server/testing/fixtures";
import { createCollectingCampaign } from "@/server/testing/quality-campaigns";
import { sessionHeaders } from "@/server/testing/session-cookie";
import { markGold } from "./gold-items";

const world = setUpAdminHttp();

/** One procedure call as the browser makes it; `raw` is the response body exactly as sent. */
async function call(user: SessionUser, kind: "query" | "mutation", path: string, input: unknown) {
  const encoded = JSON.stringify({ json: input });
  const headers = await sessionHeaders(user, { "content-type": "application/json" });
  const response = await world.handle(
    kind === "query"
      ? new Request(`http://localhost/api/trpc/${path}?input=${encodeURIComponent(encoded)}`, { headers })
      : new Request(`http://localhost/api/trpc/${path}`, { method: "POST", headers, body: encoded }),
  );
  const raw = await response.text();
  const body = JSON.parse(raw) as {
    result?: { data: { json: unknown } };
    error?: { json: { message: string } };
  };
  return { status: response.status, raw, data: body.result?.data.json, error: body.error?.json.message };
}

function campaignWith(settings: { overlapFraction?: number; goldFraction?: number }) {
  return createCollectingCampaign(world.db, world.admin, settings);
}

/** An author's submitted turn: the response at position 0 wins. */
async function judged(campaignId: string) {
  const author = (await createAnnotator(world.db)).actor;
  const turn = await createJudgeableTurn(world.db, campaignId, author);
  const ranking = [...turn.responses].sort((a, b) => a.position - b.position).map((response) => response.id);
  const { comparisonId } = await submitComparison(
    world.db,
    {
      turnId: turn.turnId,
      idempotencyKey: newIdempotencyKey(),
      ranking,
      strength: "better",
      timeSpentMs: 9000,
    },
    author,
  );
  return { comparisonId, ranking };
}

describe("pair tasks for reviewers", () => {
  it("never serves a reviewer the overlap rating of a turn whose comparison they reviewed", async () => {
    const campaign = await campaignWith({ overlapFraction: 1 });
    const { comparisonId } = await judged(campaign.id);
    const reviewer = (await createReviewer(world.db)).actor;
    expect(
      (await call(reviewer, "mutation", "review.decide", { comparisonId, decision: "accepted" })).status,
    ).toBe(200);
    const claimed = await call(reviewer, "mutation", "quality.claimPair", { campaignId: campaign.id });
    expect(claimed.status).toBe(200);
    expect(claimed.data).toBeNull();
    // The pair is waiting: someone who has not seen it gets it.
    const fresh = (await createAnnotator(world.db)).actor;
    expect(
      (await call(fresh, "mutation", "quality.claimPair", { campaignId: campaign.id })).data,
    ).toMatchObject({
      taskId: expect.any(String),
    });
  });

  it("never serves a reviewer a gold pair whose answer they saw in review", async () => {
    const campaign = await campaignWith({ goldFraction: 1 });
    const { comparisonId } = await judged(campaign.id);
    await markGold(world.db, { comparisonId }, world.admin);
    const reviewer = (await createReviewer(world.db)).actor;
    await call(reviewer, "mutation", "review.decide", { comparisonId, decision: "accepted" });
    const claimed = await call(reviewer, "mutation", "quality.claimPair", { campaignId: campaign.id });
    expect(claimed.status).toBe(200);
    expect(claimed.data).toBeNull();
  });

  it("does not show a reviewer the first rating of a turn they have to rate", async () => {
    const campaign = await campaignWith({ overlapFraction: 1 });
    const { comparisonId } = await judged(campaign.id);
    const reviewer = (await createReviewer(world.db)).actor;
    const claimed = await call(reviewer, "mutation", "quality.claimPair", { campaignId: campaign.id });
    expect(claimed.data).toMatchObject({ taskId: expect.any(String) });
    const detail = await call(reviewer, "query", "review.comparison", { comparisonId });
    expect(detail.status).toBe(400);
    expect(detail.error).toMatch(/You have this turn to rate as a pair task\. Rate or skip it first/);
    expect(detail.raw).not.toContain(comparisonId);
  });
});

describe("what an annotator sees of pair tasks and reviews", () => {
  it("answers alike for gold and overlap pairs and never names the reviewer", async () => {
    const overlapCampaign = await campaignWith({ overlapFraction: 1 });
    const goldCampaign = await campaignWith({ goldFraction: 1 });
    const overlapSource = await judged(overlapCampaign.id);
    const goldSource = await judged(goldCampaign.id);
    await markGold(world.db, { comparisonId: goldSource.comparisonId }, world.admin);
    const rater = (await createAnnotator(world.db)).actor;
    const reviewer = (
      await createReviewer(world.db, { email: "rita.reviewer@example.test", name: "Rita Reviewsworth" })
    ).actor;

    // The list shows a gold-only campaign with a pair waiting, as it does an overlap one.
    const listed = await call(rater, "query", "quality.pairCampaigns", { page: 1, pageSize: 50 });
    const waiting = (listed.data as { items: { id: string; waitingPairs: number }[] }).items;
    expect(waiting.find((item) => item.id === goldCampaign.id)?.waitingPairs).toBe(1);
    expect(waiting.find((item) => item.id === overlapCampaign.id)?.waitingPairs).toBe(1);

    const answers: string[] = [];
    const shapes: string[][] = [];
    for (const [campaign, source] of [
      [overlapCampaign, overlapSource],
      [goldCampaign, goldSource],
    ] as const) {
      const claimed = await call(rater, "mutation", "quality.claimPair", { campaignId: campaign.id });
      const { taskId } = claimed.data as { taskId: string };
      const task = await call(rater, "query", "quality.pairTask", { taskId });
      shapes.push(Object.keys(task.data as object).sort());
      const submitted = await call(rater, "mutation", "quality.submitPair", {
        taskId,
        idempotencyKey: newIdempotencyKey(),
        chosenResponseId: source.ranking[0],
        strength: "better",
        timeSpentMs: 7000,
      });
      expect(submitted.status).toBe(200);
      const { comparisonId } = submitted.data as { comparisonId: string };
      await call(reviewer, "mutation", "review.decide", {
        comparisonId,
        decision: "rejected",
        comment: "Read the guidelines on tone again.",
      });
      const detail = await call(rater, "query", "review.comparison", { comparisonId });
      expect(detail.status).toBe(200);
      answers.push(claimed.raw, task.raw, submitted.raw, detail.raw);
    }
    expect(shapes[0]).toEqual(shapes[1]);
    const feedback = await call(rater, "query", "review.myFeedback", { page: 1, pageSize: 25 });
    expect((feedback.data as { items: { comment: string }[] }).items).toHaveLength(2);
    answers.push(listed.raw, feedback.raw);

    for (const raw of answers) {
      expect(raw).not.toMatch(/gold|overlap|"source"/i);
      expect(raw).not.toContain("rita.reviewer@example.test");
      expect(raw).not.toContain("Rita Reviewsworth");
      expect(raw).not.toContain(reviewer.id);
    }
  });
});
