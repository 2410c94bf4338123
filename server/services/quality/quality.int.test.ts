// Quality control on a real database: overlap items picked from real submits and re-rated
// blind, agreement computed on the turn's own orientation, gold items met blind and scored,
// gold JSONL import, and review decisions that annotators then see.
import crypto from "node:crypto";
import { desc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog, comparisons, overlapCandidates, pairTasks } from "@/db/schema";
import type { Strength } from "@/lib/constants";
import { ConflictError, NotFoundError, ValidationError } from "@/server/errors";
import { submitComparison } from "@/server/services/annotation/submit-comparison";
import { setUpAdminDb } from "@/server/testing/test-db";
import { createJudgeableTurn, newIdempotencyKey } from "@/server/testing/annotation-campaigns";
import { createAnnotator, createReviewer, type TestUser } from "@/server/testing/fixtures";
import {
  createCollectingCampaign,
  type CollectingCampaignSettings,
} from "@/server/testing/quality-campaigns";
import { getAgreement, getGoldAccuracy } from "./agreement";
import { claimNextPairTask } from "./claim-pair-task";
import { listGoldItems, markGold, unmarkGold } from "./gold-items";
import { importGold } from "./import-gold";
import { listPairCampaigns } from "./list-pair-campaigns";
import { getPairTask, skipPairTask, submitPairRating } from "./pair-task";
import { getComparisonDetail, listMyFeedback, listReviewQueue, reviewComparison } from "./reviews";

const world = setUpAdminDb();

function collectingCampaign(settings: CollectingCampaignSettings = {}) {
  return createCollectingCampaign(world.db, world.admin, settings);
}

/** Each author's dialogue in progress per campaign: the next turn continues it. */
const dialogues = new Map<string, string>();

/** An annotator's real submit: the response at `winner` position wins. */
async function judge(campaignId: string, author: TestUser["actor"], winner: 0 | 1, strength: Strength) {
  const key = `${campaignId}:${author.id}`;
  const turn = await createJudgeableTurn(world.db, campaignId, author, {
    conversationId: dialogues.get(key) ?? null,
  });
  const byPosition = [...turn.responses]
    .sort((a, b) => a.position - b.position)
    .map((response) => response.id);
  const ranking = winner === 0 ? byPosition : [byPosition[1], byPosition[0]];
  const result = await submitComparison(
    world.db,
    { turnId: turn.turnId, idempotencyKey: newIdempotencyKey(), ranking, strength, timeSpentMs: 12_000 },
    author,
  );
  if (result.conversationEnded) dialogues.delete(key);
  else dialogues.set(key, result.conversationId);
  return { ...result, byPosition };
}

/** Answer a pair task by position in the turn (not by what the rater saw first). */
async function answer(
  taskId: string,
  rater: TestUser["actor"],
  byPosition: string[],
  winner: 0 | 1,
  strength: Strength,
) {
  return submitPairRating(
    world.db,
    {
      taskId,
      idempotencyKey: newIdempotencyKey(),
      chosenResponseId: byPosition[winner],
      strength,
      timeSpentMs: 8000,
    },
    rater,
  );
}

describe("overlap", () => {
  it("re-serves a finished comparison to someone else, in its own order, without the first rating", async () => {
    const campaign = await collectingCampaign({ overlapFraction: 1 });
    const author = (await createAnnotator(world.db)).actor;
    const rater = (await createAnnotator(world.db)).actor;
    const first = await judge(campaign.id, author, 0, "better");

    expect(await claimNextPairTask(world.db, { campaignId: campaign.id }, author)).toBeNull();
    const claimed = await claimNextPairTask(world.db, { campaignId: campaign.id }, rater);
    expect(claimed).not.toBeNull();
    // A pending task comes back until it is answered.
    expect(await claimNextPairTask(world.db, { campaignId: campaign.id }, rater)).toEqual(claimed);

    const task = await getPairTask(world.db, { taskId: claimed!.taskId }, rater);
    expect(task.userMessage).toMatch(/^Hello\? \(prompt \d+\)$/);
    expect(task.responses.map((response) => response.label)).toEqual(["Response A", "Response B"]);
    expect(new Set(task.responses.map((response) => response.id))).toEqual(new Set(first.byPosition));
    expect(JSON.stringify(task)).not.toMatch(/better|strength|chosen|gold/i);
    await expect(getPairTask(world.db, { taskId: claimed!.taskId }, author)).rejects.toThrow(NotFoundError);

    const key = newIdempotencyKey();
    const input = {
      taskId: claimed!.taskId,
      idempotencyKey: key,
      chosenResponseId: first.byPosition[0],
      strength: "better" as const,
      timeSpentMs: 9000,
    };
    const stored = await submitPairRating(world.db, input, rater);
    expect(await submitPairRating(world.db, input, rater)).toEqual(stored);
    const [rating] = await world.db.select().from(comparisons).where(eq(comparisons.id, stored.comparisonId));
    expect(rating).toMatchObject({
      source: "overlap",
      pairTaskId: claimed!.taskId,
      chosenResponseId: first.byPosition[0],
    });
    const [done] = await world.db.select().from(pairTasks).where(eq(pairTasks.id, claimed!.taskId));
    expect(done).toMatchObject({
      status: "done",
      referenceSide: -1,
      referenceStrength: 3,
      resultSide: -1,
      resultStrength: 3,
    });
    await expect(answer(claimed!.taskId, rater, first.byPosition, 1, "better")).rejects.toThrow(
      ConflictError,
    );
    expect(await claimNextPairTask(world.db, { campaignId: campaign.id }, rater)).toBeNull();
  });

  it("picks the campaign's overlap fraction of submits, the same ones every time", async () => {
    const campaign = await collectingCampaign({ overlapFraction: 0.5 });
    const author = (await createAnnotator(world.db)).actor;
    const submitted = [];
    for (let i = 0; i < 30; i++) submitted.push(await judge(campaign.id, author, 0, "slightly_better"));
    const picked = await world.db
      .select()
      .from(overlapCandidates)
      .where(eq(overlapCandidates.campaignId, campaign.id));
    // A stable hash of the comparison id decides; 30 draws at 0.5 land well inside 5..25.
    expect(picked.length).toBeGreaterThan(5);
    expect(picked.length).toBeLessThan(25);
    // The draw is md5(id) as a fraction of 2^32: the same comparisons, whoever submits them.
    const draw = (id: string) =>
      parseInt(crypto.createHash("md5").update(id).digest("hex").slice(0, 8), 16) / 2 ** 32;
    expect(new Set(picked.map((row) => row.comparisonId))).toEqual(
      new Set(
        submitted.filter((result) => draw(result.comparisonId) < 0.5).map((result) => result.comparisonId),
      ),
    );
    const none = await collectingCampaign({ overlapFraction: 0 });
    await judge(none.id, author, 0, "better");
    expect(
      await world.db.select().from(overlapCandidates).where(eq(overlapCandidates.campaignId, none.id)),
    ).toEqual([]);
  });

  it("hands a skipped item to the next annotator", async () => {
    const campaign = await collectingCampaign({ overlapFraction: 1 });
    const author = (await createAnnotator(world.db)).actor;
    const skipper = (await createAnnotator(world.db)).actor;
    const other = (await createAnnotator(world.db)).actor;
    await judge(campaign.id, author, 1, "better");
    const claimed = await claimNextPairTask(world.db, { campaignId: campaign.id }, skipper);
    await skipPairTask(world.db, { taskId: claimed!.taskId }, skipper);
    expect(await claimNextPairTask(world.db, { campaignId: campaign.id }, skipper)).toBeNull();
    expect(await claimNextPairTask(world.db, { campaignId: campaign.id }, other)).not.toBeNull();
  });

  it("computes agreement on the turn's orientation, per campaign, batch and annotator", async () => {
    const campaign = await collectingCampaign({ overlapFraction: 1 });
    const author = (await createAnnotator(world.db)).actor;
    const rater = (await createAnnotator(world.db)).actor;
    // (first rating, re-rating) as (winning position, strength): 3 of 4 agree on the choice.
    const plan: [0 | 1, Strength, 0 | 1, Strength][] = [
      [0, "significantly_better", 0, "better"],
      [1, "better", 1, "better"],
      [1, "slightly_better", 1, "negligibly_better"],
      [0, "negligibly_better", 1, "negligibly_better"],
    ];
    for (const [winner, strength, reWinner, reStrength] of plan) {
      const first = await judge(campaign.id, author, winner, strength);
      const claimed = await claimNextPairTask(world.db, { campaignId: campaign.id }, rater);
      await answer(claimed!.taskId, rater, first.byPosition, reWinner, reStrength);
    }
    const agreement = await getAgreement(world.db, { campaignId: campaign.id });
    expect(agreement.overall.items).toBe(4);
    expect(agreement.overall.percentAgreement).toBe(0.75);
    // Hand-computed: values -4/-3, 3/3, 2/1, -1/1 (side × level); ordinal alpha of those units.
    const { krippendorffAlpha } = await import("./stats/krippendorff");
    const expected = krippendorffAlpha(
      [
        [-4, -3],
        [3, 3],
        [2, 1],
        [-1, 1],
      ],
      "ordinal",
    );
    expect(agreement.overall.alpha).toBeCloseTo(expected!, 10);
    expect(Object.values(agreement.byBatch)).toHaveLength(1);
    expect(agreement.byAnnotator[author.id].items).toBe(4);
    expect(agreement.byAnnotator[rater.id].percentAgreement).toBe(0.75);
  });
});

describe("gold", () => {
  it("serves gold items blind and scores each annotator", async () => {
    const campaign = await collectingCampaign({ goldFraction: 1 });
    const author = (await createAnnotator(world.db)).actor;
    const good = (await createAnnotator(world.db)).actor;
    const poor = (await createAnnotator(world.db)).actor;
    const items = [];
    for (const winner of [0, 1] as const) {
      const first = await judge(campaign.id, author, winner, "significantly_better");
      items.push({
        first,
        gold: await markGold(
          world.db,
          { comparisonId: first.comparisonId, explanation: "Clear-cut" },
          world.admin,
        ),
      });
    }
    expect((await world.db.select().from(auditLog).orderBy(desc(auditLog.id)).limit(1))[0].action).toBe(
      "gold.marked",
    );
    await expect(
      markGold(world.db, { comparisonId: items[0].first.comparisonId }, world.admin),
    ).rejects.toThrow(/already a gold item/);

    for (const [rater, correct] of [
      [good, true],
      [poor, false],
    ] as const) {
      for (let i = 0; i < 2; i++) {
        const claimed = await claimNextPairTask(world.db, { campaignId: campaign.id }, rater);
        const [task] = await world.db.select().from(pairTasks).where(eq(pairTasks.id, claimed!.taskId));
        expect(task.kind).toBe("gold");
        const item = items.find((entry) => entry.gold.id === task.goldItemId)!;
        const winner = item.first.byPosition.indexOf(item.first.chosenResponseId) as 0 | 1;
        await answer(
          task.id,
          rater,
          item.first.byPosition,
          correct ? winner : ((1 - winner) as 0 | 1),
          "significantly_better",
        );
      }
      expect(await claimNextPairTask(world.db, { campaignId: campaign.id }, rater)).toBeNull();
    }
    const accuracy = await getGoldAccuracy(world.db, { campaignId: campaign.id });
    expect(accuracy.find((row) => row.annotatorId === good.id)).toMatchObject({
      rated: 2,
      accuracy: 1,
      strengthAccuracy: 1,
    });
    expect(accuracy.find((row) => row.annotatorId === poor.id)).toMatchObject({ rated: 2, accuracy: 0 });
    const listed = await listGoldItems(world.db, { campaignId: campaign.id });
    expect(listed.items.map((item) => [item.ratings, item.correct])).toEqual([
      [2, 1],
      [2, 1],
    ]);
    await expect(unmarkGold(world.db, { goldItemId: items[0].gold.id }, world.admin)).rejects.toThrow(
      /stays gold/,
    );
  });

  it("imports gold pairs from JSONL, checking every line first", async () => {
    const campaign = await collectingCampaign({ goldFraction: 1 });
    const bad = [
      '{"prompt": "Hi", "chosen": "Hello!"}',
      "not json",
      '{"prompt": [{"role": "assistant", "content": "x"}], "chosen": "a", "rejected": "b"}',
    ].join("\n");
    await expect(importGold(world.db, { campaignId: campaign.id, jsonl: bad }, world.admin)).rejects.toThrow(
      /Nothing was imported: 3 lines have problems\. line 1: rejected .*; line 2: not valid JSON.*; line 3: prompt: after an optional system message/,
    );
    const good = [
      JSON.stringify({
        prompt: "What is 2 + 2?",
        chosen: "4.",
        rejected: "5.",
        strength: "significantly_better",
        explanation: "Arithmetic",
      }),
      JSON.stringify({
        prompt: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "Name a colour." },
          { role: "assistant", content: "Blue." },
          { role: "user", content: "Another one?" },
        ],
        chosen: [{ role: "assistant", content: "Green." }],
        rejected: [{ role: "assistant", content: "Blue again." }],
      }),
    ].join("\n");
    expect(await importGold(world.db, { campaignId: campaign.id, jsonl: good }, world.admin)).toEqual({
      imported: 2,
    });
    const rater = (await createAnnotator(world.db)).actor;
    const seen = [];
    for (let i = 0; i < 2; i++) {
      const claimed = await claimNextPairTask(world.db, { campaignId: campaign.id }, rater);
      const task = await getPairTask(world.db, { taskId: claimed!.taskId }, rater);
      seen.push({
        history: task.history,
        message: task.userMessage,
        texts: task.responses.map((response) => response.text).sort(),
      });
      const chosen = task.responses.find((response) => ["4.", "Green."].includes(response.text))!;
      await submitPairRating(
        world.db,
        {
          taskId: task.taskId,
          idempotencyKey: newIdempotencyKey(),
          chosenResponseId: chosen.id,
          strength: "better",
          timeSpentMs: 1000,
        },
        rater,
      );
    }
    expect(seen).toContainEqual({ history: [], message: "What is 2 + 2?", texts: ["4.", "5."] });
    expect(seen).toContainEqual({
      history: [{ userMessage: "Name a colour.", assistantMessage: "Blue." }],
      message: "Another one?",
      texts: ["Blue again.", "Green."],
    });
    const accuracy = await getGoldAccuracy(world.db, { campaignId: campaign.id });
    expect(accuracy).toEqual([{ annotatorId: rater.id, rated: 2, accuracy: 1, strengthAccuracy: 0 }]);
  });
});

describe("pair campaigns", () => {
  it("lists open campaigns with the annotator's pending task and waiting pairs", async () => {
    const campaign = await collectingCampaign({ overlapFraction: 1 });
    const author = (await createAnnotator(world.db)).actor;
    const rater = (await createAnnotator(world.db)).actor;
    await judge(campaign.id, author, 0, "better");
    await judge(campaign.id, author, 1, "better");
    const listed = await listPairCampaigns(world.db, { page: 1, pageSize: 100 }, rater);
    expect(listed.items.find((item) => item.id === campaign.id)).toMatchObject({
      waitingPairs: 2,
      pendingTaskId: null,
    });
    const mine = await listPairCampaigns(world.db, { page: 1, pageSize: 100 }, author);
    expect(mine.items.find((item) => item.id === campaign.id)).toMatchObject({ waitingPairs: 0 });
  });
});

describe("review", () => {
  it("queues pending comparisons, records decisions, and shows them to the annotator", async () => {
    const campaign = await collectingCampaign();
    const author = (await createAnnotator(world.db)).actor;
    const reviewer = (await createReviewer(world.db)).actor;
    const first = await judge(campaign.id, author, 0, "better");
    const second = await judge(campaign.id, author, 1, "slightly_better");

    const queue = await listReviewQueue(world.db, { campaignId: campaign.id });
    expect(queue.total).toBe(2);
    expect(queue.items.map((item) => item.id)).toEqual([first.comparisonId, second.comparisonId]);

    await expect(
      reviewComparison(world.db, { comparisonId: first.comparisonId, decision: "rejected" }, reviewer),
    ).rejects.toThrow(/Say why you reject it/);
    await reviewComparison(
      world.db,
      { comparisonId: first.comparisonId, decision: "rejected", comment: "Wrong choice: B is correct." },
      reviewer,
    );
    await reviewComparison(world.db, { comparisonId: second.comparisonId, decision: "accepted" }, reviewer);
    expect((await listReviewQueue(world.db, { campaignId: campaign.id })).total).toBe(0);
    expect(
      (await listReviewQueue(world.db, { campaignId: campaign.id, status: "rejected" })).items.map(
        (item) => item.id,
      ),
    ).toEqual([first.comparisonId]);
    const [entry] = await world.db.select().from(auditLog).orderBy(desc(auditLog.id)).limit(2);
    expect(entry.action).toBe("comparison.accepted");

    const feedback = await listMyFeedback(world.db, undefined, author);
    expect(feedback.items.map((item) => [item.decision, item.comment])).toEqual([
      ["accepted", null],
      ["rejected", "Wrong choice: B is correct."],
    ]);
    const detail = await getComparisonDetail(world.db, { comparisonId: first.comparisonId }, author);
    expect(detail).toMatchObject({
      reviewStatus: "rejected",
      reviews: [{ decision: "rejected", comment: "Wrong choice: B is correct." }],
    });
    expect(detail.responses.every((response) => response.variant === null)).toBe(true);
    const stranger = (await createAnnotator(world.db)).actor;
    await expect(
      getComparisonDetail(world.db, { comparisonId: first.comparisonId }, stranger),
    ).rejects.toThrow(NotFoundError);
    await expect(
      reviewComparison(world.db, { comparisonId: first.comparisonId, decision: "accepted" }, { ...author }),
    ).rejects.toThrow(ValidationError);
  });
});
