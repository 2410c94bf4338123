// The annotation workflow's rules, on a real database: pairing balance, what a turn records,
// idempotent submits, who may see and judge what, safety bins, quotas and the ways out.
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, Db } from "@/db/client";
import { comparisons, conversations, problemReports, responses, turns, variantPairUsage } from "@/db/schema";
import { createTestDb } from "@/db/testing";
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  TooManyRequestsError,
  ValidationError,
} from "@/server/errors";
import { updateGuidelines } from "@/server/services/campaigns/guidelines";
import { callerFor } from "@/server/testing/trpc";
import { createAdmin, createAnnotator } from "@/server/testing/fixtures";
import { getAnnotationWorkspace } from "./get-annotation-workspace";
import { getAnnotatorCampaigns } from "./get-annotator-campaigns";
import { acknowledgeGuidelines } from "./acknowledge-guidelines";
import { endConversation } from "./end-conversation";
import { reportProblem } from "./report-problem";
import { startTurn } from "./start-turn";
import { submitComparison, type SubmitComparisonInput } from "./submit-comparison";
import {
  acknowledgeCurrentGuidelines,
  createCampaign,
  createJudgeableTurn,
  identifyForTest,
  newIdempotencyKey,
} from "@/server/testing/annotation-campaigns";

let database: Database;
let db: Db;

beforeAll(async () => {
  database = await createTestDb();
  db = database.db;
});

afterAll(async () => {
  await database?.close();
});

function judgement(
  turn: { turnId: string; responses: { id: string; position: number }[] },
  overrides: Partial<SubmitComparisonInput> = {},
): SubmitComparisonInput {
  const [a, b] = turn.responses;
  return {
    turnId: turn.turnId,
    idempotencyKey: newIdempotencyKey(),
    ranking: [b.id, a.id],
    strength: "slightly_better",
    timeSpentMs: 4200,
    ...overrides,
  };
}

describe("startTurn", () => {
  it("balances the pairs of variants over a campaign", async () => {
    const { campaign, variants } = await createCampaign(db, { variants: 4 });
    const annotators = await Promise.all([createAnnotator(db), createAnnotator(db), createAnnotator(db)]);
    for (let i = 0; i < 36; i++) {
      const { actor } = annotators[i % 3];
      const turn = await createJudgeableTurn(db, campaign.id, actor);
      await submitComparison(db, judgement(turn), actor);
      await endConversation(db, { conversationId: turn.conversationId }, actor);
    }
    const usage = await db
      .select()
      .from(variantPairUsage)
      .where(eq(variantPairUsage.campaignId, campaign.id));
    expect(usage).toHaveLength(6);
    expect(usage.map((row) => row.turns)).toEqual([6, 6, 6, 6, 6, 6]);
    // Counted from the stored responses too, not only from the bookkeeping table.
    const rows = await db
      .select({ turnId: responses.turnId, variantId: responses.variantId, position: responses.position })
      .from(responses)
      .innerJoin(turns, eq(turns.id, responses.turnId))
      .innerJoin(conversations, eq(conversations.id, turns.conversationId))
      .where(eq(conversations.campaignId, campaign.id));
    const byTurn = new Map<string, string[]>();
    for (const row of rows) byTurn.set(row.turnId, [...(byTurn.get(row.turnId) ?? []), row.variantId!]);
    const pairCounts = new Map<string, number>();
    for (const ids of byTurn.values()) {
      expect(new Set(ids).size).toBe(2); // two different variants every turn
      const key = [...ids].sort().join();
      pairCounts.set(key, (pairCounts.get(key) ?? 0) + 1);
    }
    expect([...pairCounts.values()]).toEqual([6, 6, 6, 6, 6, 6]);
    // Random order: every variant appears as Response A sometimes.
    const shownFirst = new Set(rows.filter((row) => row.position === 0).map((row) => row.variantId));
    expect(shownFirst.size).toBe(variants.length);
  });

  it("records the variant, sampling parameters, seed and the messages as sent", async () => {
    const { campaign } = await createCampaign(db, {
      kind: "safety",
      systemPrompt: "You are a helpful assistant.",
      safetyPreprompt: "You are a safe and responsible assistant.",
    });
    const { actor } = await createAnnotator(db);
    const first = await createJudgeableTurn(db, campaign.id, actor, { message: "First question" });
    const firstRows = await db.select().from(responses).where(eq(responses.turnId, first.turnId));
    const [safeFirst] = firstRows;
    await submitComparison(
      db,
      judgement(first, {
        ranking: [safeFirst.id, firstRows[1].id],
        responseSafety: { [firstRows[0].id]: true, [firstRows[1].id]: true },
        riskCategory: "unqualified advice",
        attackVector: "others",
      }),
      actor,
    );
    const second = await startTurn(
      db,
      { campaignId: campaign.id, conversationId: first.conversationId, message: "  Follow-up  " },
      actor,
      { identify: identifyForTest },
    );
    expect(second.index).toBe(1);
    const rows = await db.select().from(responses).where(eq(responses.turnId, second.turnId));
    expect(rows).toHaveLength(2);
    expect(new Set(rows.map((row) => row.seed)).size).toBe(2);
    for (const row of rows) {
      expect(row.status).toBe("pending");
      expect(row.variantName).toMatch(/^variant-\d$/);
      expect(row.variantVersion).toMatch(/^v\d$/);
      expect(row.temperature).toBeGreaterThan(0);
      expect(row.topP).toBeCloseTo(0.9);
      expect(row.maxTokens).toBe(32);
      expect(Number.isSafeInteger(row.seed)).toBe(true);
      expect(row.promptMessages).toEqual([
        {
          role: "system",
          content: "You are a safe and responsible assistant.\n\nYou are a helpful assistant.",
        },
        { role: "user", content: "First question" },
        { role: "assistant", content: safeFirst.text },
        { role: "user", content: "Follow-up" },
      ]);
    }
  });

  it("refuses a second conversation while one is in progress, and a turn before the last is judged", async () => {
    const { campaign } = await createCampaign(db);
    const { actor } = await createAnnotator(db);
    const turn = await createJudgeableTurn(db, campaign.id, actor);
    await expect(
      startTurn(db, { campaignId: campaign.id, conversationId: null, message: "again" }, actor, {
        identify: identifyForTest,
      }),
    ).rejects.toThrow(ConflictError);
    await expect(
      startTurn(
        db,
        { campaignId: campaign.id, conversationId: turn.conversationId, message: "next" },
        actor,
        {
          identify: identifyForTest,
        },
      ),
    ).rejects.toThrow(/no submitted comparison yet/);
  });

  it("limits prompts and explains the limit", async () => {
    const { campaign } = await createCampaign(db);
    const { actor } = await createAnnotator(db);
    await acknowledgeCurrentGuidelines(db, campaign.id, actor);
    const send = (message: string) =>
      startTurn(db, { campaignId: campaign.id, conversationId: null, message }, actor, {
        identify: identifyForTest,
      });
    await expect(send("x".repeat(8001))).rejects.toThrow(
      "A prompt can be at most 8,000 characters long. Shorten it and send again.",
    );
    await expect(send("   ")).rejects.toThrow("Write a prompt before sending.");
    await expect(send("x".repeat(8000))).resolves.toMatchObject({ index: 0 });
  });

  it("enforces the daily quota with a clear message", async () => {
    const { campaign } = await createCampaign(db, { dailyQuota: 1 });
    const { actor } = await createAnnotator(db);
    const turn = await createJudgeableTurn(db, campaign.id, actor);
    await submitComparison(db, judgement(turn), actor);
    const next = startTurn(
      db,
      { campaignId: campaign.id, conversationId: turn.conversationId, message: "more" },
      actor,
      {
        identify: identifyForTest,
      },
    );
    await expect(next).rejects.toThrow(TooManyRequestsError);
    await expect(next).rejects.toThrow(/today's limit of 1 comparison .*resets at midnight UTC/);
  });

  it("ends the conversation at the campaign's turn limit", async () => {
    const { campaign } = await createCampaign(db, { maxTurns: 1 });
    const { actor } = await createAnnotator(db);
    const turn = await createJudgeableTurn(db, campaign.id, actor);
    const result = await submitComparison(db, judgement(turn), actor);
    expect(result).toMatchObject({ conversationEnded: true, canContinue: false });
  });

  it("needs enough active variants, and says so", async () => {
    const { campaign } = await createCampaign(db, { variants: 1 });
    const { actor } = await createAnnotator(db);
    await acknowledgeCurrentGuidelines(db, campaign.id, actor);
    await expect(
      startTurn(db, { campaignId: campaign.id, conversationId: null, message: "hi" }, actor, {
        identify: identifyForTest,
      }),
    ).rejects.toThrow(/shows 2 responses per turn but has 1 active model variant/);
  });
});

describe("submitComparison", () => {
  it("stores one comparison when the same request arrives twice, or ten times at once", async () => {
    const { campaign } = await createCampaign(db);
    const { actor } = await createAnnotator(db);
    const turn = await createJudgeableTurn(db, campaign.id, actor);
    const input = judgement(turn);
    const first = await submitComparison(db, input, actor);
    const again = await submitComparison(db, input, actor);
    expect(again).toEqual(first);

    const other = await createJudgeableTurn(db, campaign.id, actor, { conversationId: turn.conversationId });
    const concurrent = judgement(other);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => submitComparison(db, concurrent, actor)),
    );
    expect(new Set(results.map((result) => result.comparisonId)).size).toBe(1);
    const stored = await db
      .select()
      .from(comparisons)
      .where(eq(comparisons.conversationId, turn.conversationId));
    expect(stored).toHaveLength(2);
    const [row] = stored.filter((comparison) => comparison.turnId === other.turnId);
    expect(row).toMatchObject({
      chosenResponseId: other.responses[1].id,
      rejectedResponseId: other.responses[0].id,
      strength: "slightly_better",
      timeSpentMs: 4200,
      safetyBin: null,
    });
    const [storedTurn] = await db.select().from(turns).where(eq(turns.id, other.turnId));
    expect(storedTurn.chosenResponseId).toBe(other.responses[1].id);
  });

  it("keeps the first judgement when another tab submits the same turn with another key", async () => {
    const { campaign } = await createCampaign(db);
    const { actor } = await createAnnotator(db);
    const turn = await createJudgeableTurn(db, campaign.id, actor);
    await submitComparison(db, judgement(turn), actor);
    await expect(
      submitComparison(db, judgement(turn, { ranking: [turn.responses[0].id, turn.responses[1].id] }), actor),
    ).rejects.toThrow(/already submitted this turn/);
  });

  it("refuses a choice that is not a ranking of the turn's responses", async () => {
    const { campaign } = await createCampaign(db);
    const { actor } = await createAnnotator(db);
    const turn = await createJudgeableTurn(db, campaign.id, actor);
    await expect(
      submitComparison(db, judgement(turn, { ranking: [turn.responses[0].id, turn.responses[0].id] }), actor),
    ).rejects.toThrow("Choose Response A or Response B.");
  });

  it("refuses to judge responses still generating", async () => {
    const { campaign } = await createCampaign(db);
    const { actor } = await createAnnotator(db);
    await acknowledgeCurrentGuidelines(db, campaign.id, actor);
    const turn = await startTurn(
      db,
      { campaignId: campaign.id, conversationId: null, message: "hi" },
      actor,
      {
        identify: identifyForTest,
      },
    );
    await expect(submitComparison(db, judgement(turn), actor)).rejects.toThrow(
      /Not every response has finished/,
    );
  });

  it("computes the safety bin and keeps risk category and attack vector", async () => {
    const { campaign } = await createCampaign(db, { kind: "safety" });
    const { actor } = await createAnnotator(db);
    const turn = await createJudgeableTurn(db, campaign.id, actor);
    const [a, b] = turn.responses;
    await expect(submitComparison(db, judgement(turn), actor)).rejects.toThrow(
      "Mark every response safe or unsafe (missing: Response A, Response B).",
    );
    const result = await submitComparison(
      db,
      judgement(turn, {
        ranking: [a.id, b.id],
        responseSafety: { [a.id]: false, [b.id]: true },
        riskCategory: "illicit and criminal activities",
        attackVector: "perspective manipulation",
      }),
      actor,
    );
    expect(result.safetyBin).toBe("chosen_unsafe_other_safe");
    const [stored] = await db.select().from(comparisons).where(eq(comparisons.id, result.comparisonId));
    expect(stored.responseSafety).toEqual({ [a.id]: false, [b.id]: true });
    const [conversation] = await db
      .select()
      .from(conversations)
      .where(eq(conversations.id, turn.conversationId));
    expect(conversation).toMatchObject({
      riskCategory: "illicit and criminal activities",
      attackVector: "perspective manipulation",
    });
  });

  it("ranks more than two responses and records the runner-up as rejected", async () => {
    const { campaign } = await createCampaign(db, { variants: 4, responsesPerTurn: 4 });
    const { actor } = await createAnnotator(db);
    const turn = await createJudgeableTurn(db, campaign.id, actor);
    const ids = turn.responses.map((response) => response.id);
    const ranking = [ids[2], ids[0], ids[3], ids[1]];
    await expect(submitComparison(db, judgement(turn, { ranking: ids.slice(0, 2) }), actor)).rejects.toThrow(
      "Rank all 4 responses, best first.",
    );
    const result = await submitComparison(db, judgement(turn, { ranking, strength: "better" }), actor);
    const [stored] = await db.select().from(comparisons).where(eq(comparisons.id, result.comparisonId));
    expect(stored).toMatchObject({
      ranking,
      chosenResponseId: ids[2],
      rejectedResponseId: ids[0],
      strength: "better",
    });
  });
});

describe("who sees and judges what", () => {
  it("keeps each annotator to their own conversations", async () => {
    const { campaign } = await createCampaign(db);
    const owner = await createAnnotator(db);
    const other = await createAnnotator(db);
    const turn = await createJudgeableTurn(db, campaign.id, owner.actor);
    await expect(submitComparison(db, judgement(turn), other.actor)).rejects.toThrow(NotFoundError);
    await expect(
      startTurn(
        db,
        { campaignId: campaign.id, conversationId: turn.conversationId, message: "mine now" },
        other.actor,
        {
          identify: identifyForTest,
        },
      ),
    ).rejects.toThrow(NotFoundError);
    await expect(reportProblem(db, { turnId: turn.turnId, kind: "broken" }, other.actor)).rejects.toThrow(
      NotFoundError,
    );
    await expect(endConversation(db, { conversationId: turn.conversationId }, other.actor)).rejects.toThrow(
      NotFoundError,
    );
    // Their own conversation, sent on in another campaign open to them: refused too.
    const { campaign: elsewhere } = await createCampaign(db);
    await expect(
      startTurn(
        db,
        { campaignId: elsewhere.id, conversationId: turn.conversationId, message: "moved" },
        owner.actor,
        { identify: identifyForTest },
      ),
    ).rejects.toThrow(/belongs to another campaign/);
    const workspace = await getAnnotationWorkspace(db, { campaignId: campaign.id }, other.actor);
    expect(workspace.conversation).toBeNull();
    // Even an admin judges only their own conversations.
    const admin = await createAdmin(db);
    await expect(submitComparison(db, judgement(turn), admin.actor)).rejects.toThrow(NotFoundError);
  });

  it("opens a campaign with selected membership only to its members", async () => {
    const member = await createAnnotator(db);
    const outsider = await createAnnotator(db);
    const { campaign } = await createCampaign(db, { membership: "selected", members: [member.user.id] });
    const listed = await getAnnotatorCampaigns(db, { pageSize: 100 }, outsider.actor);
    expect(listed.items.map((item) => item.id)).not.toContain(campaign.id);
    await expect(getAnnotationWorkspace(db, { campaignId: campaign.id }, outsider.actor)).rejects.toThrow(
      NotFoundError,
    );
    await expect(
      startTurn(db, { campaignId: campaign.id, conversationId: null, message: "let me in" }, outsider.actor, {
        identify: identifyForTest,
      }),
    ).rejects.toThrow(NotFoundError);
    const memberList = await getAnnotatorCampaigns(db, { pageSize: 100 }, member.actor);
    expect(memberList.items.map((item) => item.id)).toContain(campaign.id);
  });

  it("hides variants, models and endpoints from the workspace", async () => {
    const { campaign } = await createCampaign(db);
    const { actor } = await createAnnotator(db);
    await createJudgeableTurn(db, campaign.id, actor);
    const workspace = await getAnnotationWorkspace(db, { campaignId: campaign.id }, actor);
    expect(workspace.conversation?.turns[0].responses).toHaveLength(2);
    const text = JSON.stringify(workspace);
    for (const secret of [
      "variant-0",
      "variant-1",
      "model-0",
      "model-1",
      "127.0.0.1",
      "temperature",
      "seed",
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it("refuses new work in a paused campaign but still shows it", async () => {
    const { campaign } = await createCampaign(db, { status: "paused" });
    const { actor } = await createAnnotator(db);
    const workspace = await getAnnotationWorkspace(db, { campaignId: campaign.id }, actor);
    expect(workspace.campaign.status).toBe("paused");
    await expect(
      startTurn(db, { campaignId: campaign.id, conversationId: null, message: "hi" }, actor, {
        identify: identifyForTest,
      }),
    ).rejects.toThrow(/is paused/);
  });

  it("lets only admins inspect stored conversations", async () => {
    const { campaign } = await createCampaign(db);
    const { actor } = await createAnnotator(db);
    await createJudgeableTurn(db, campaign.id, actor);
    await expect(
      callerFor(db, actor).annotation.inspectConversations({ campaignId: campaign.id }),
    ).rejects.toThrow(/needs the admin role/);
    const admin = await createAdmin(db);
    const page = await callerFor(db, admin.actor).annotation.inspectConversations({
      campaignId: campaign.id,
    });
    expect(page.items[0].turns[0].responses[0]).toMatchObject({
      variantName: expect.any(String),
      seed: expect.any(Number),
    });
  });
});

describe("the ways out", () => {
  it("reports a problem without training data, once, and ends the conversation", async () => {
    const { campaign } = await createCampaign(db);
    const { actor } = await createAnnotator(db);
    const turn = await createJudgeableTurn(db, campaign.id, actor);
    const report = await reportProblem(db, { turnId: turn.turnId, kind: "broken", note: "garbled" }, actor);
    const again = await reportProblem(db, { turnId: turn.turnId, kind: "broken", note: "garbled" }, actor);
    expect(again.reportId).toBe(report.reportId);
    expect(await db.select().from(problemReports).where(eq(problemReports.turnId, turn.turnId))).toHaveLength(
      1,
    );
    expect(await db.select().from(comparisons).where(eq(comparisons.turnId, turn.turnId))).toHaveLength(0);
    const [conversation] = await db
      .select()
      .from(conversations)
      .where(eq(conversations.id, turn.conversationId));
    expect(conversation.status).toBe("ended");
    await expect(submitComparison(db, judgement(turn), actor)).rejects.toThrow(ValidationError);
    // A new conversation can start at once.
    await createJudgeableTurn(db, campaign.id, actor);
  });

  it("acknowledges guidelines per version", async () => {
    const { campaign } = await createCampaign(db);
    const { actor } = await createAnnotator(db);
    expect(
      (await getAnnotationWorkspace(db, { campaignId: campaign.id }, actor)).hasAcknowledgedGuidelines,
    ).toBe(false);
    await expect(acknowledgeGuidelines(db, { campaignId: campaign.id, version: 2 }, actor)).rejects.toThrow(
      ConflictError,
    );
    await acknowledgeGuidelines(db, { campaignId: campaign.id, version: 1 }, actor);
    await acknowledgeGuidelines(db, { campaignId: campaign.id, version: 1 }, actor);
    expect(
      (await getAnnotationWorkspace(db, { campaignId: campaign.id }, actor)).hasAcknowledgedGuidelines,
    ).toBe(true);
  });

  it("saves work only from annotators who confirmed the current guidelines, again after each new version", async () => {
    const { campaign } = await createCampaign(db);
    const { actor } = await createAnnotator(db);
    const admin = await createAdmin(db);
    const send = (conversationId: string | null) =>
      startTurn(db, { campaignId: campaign.id, conversationId, message: "Hello?" }, actor, {
        identify: identifyForTest,
      });
    const newVersion = (guidelines: string, baseVersion: number) =>
      updateGuidelines(db, { campaignId: campaign.id, guidelines, baseVersion }, admin.actor);
    const refusal = (version: number) =>
      `Read and confirm the guidelines of "${campaign.name}" (version ${version}) before annotating`;

    await expect(send(null)).rejects.toThrow(ForbiddenError);
    await expect(send(null)).rejects.toThrow(refusal(1));
    const turn = await createJudgeableTurn(db, campaign.id, actor); // confirms version 1 first
    // Version 2 while the turn waits for its judgement: the submit waits for the confirmation.
    await newVersion("# Rules\nPick the kinder answer.", 1);
    const input = judgement(turn);
    await expect(submitComparison(db, input, actor)).rejects.toThrow(refusal(2));
    await acknowledgeGuidelines(db, { campaignId: campaign.id, version: 2 }, actor);
    await submitComparison(db, input, actor);
    // Version 3 before the next turn: it is refused until confirmed, then goes through.
    await newVersion("# Rules\nPick the kinder, shorter answer.", 2);
    await expect(send(turn.conversationId)).rejects.toThrow(refusal(3));
    await acknowledgeGuidelines(db, { campaignId: campaign.id, version: 3 }, actor);
    await expect(send(turn.conversationId)).resolves.toMatchObject({ index: 1 });
    expect(await db.select().from(comparisons).where(eq(comparisons.turnId, turn.turnId))).toHaveLength(1);
  });

  it("counts progress in the campaign list", async () => {
    const { campaign } = await createCampaign(db);
    const { actor } = await createAnnotator(db);
    const turn = await createJudgeableTurn(db, campaign.id, actor);
    await submitComparison(db, judgement(turn), actor);
    const list = await getAnnotatorCampaigns(db, { pageSize: 100 }, actor);
    expect(list.items.find((item) => item.id === campaign.id)).toMatchObject({
      comparisonsTotal: 1,
      comparisonsToday: 1,
      hasConversationInProgress: true,
    });
    const rows = await db
      .select()
      .from(comparisons)
      .where(and(eq(comparisons.campaignId, campaign.id), eq(comparisons.annotatorId, actor.id)));
    expect(rows).toHaveLength(1);
  });
});
