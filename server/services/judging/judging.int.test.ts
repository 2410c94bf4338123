// Model assist end to end: a judge on the local engine (a random-weight model, so only the verdict
// schema sent as response_format makes its answers verdicts) and a reward model with a score head
// served by the engine's /pooling, both set on a campaign, queued by the annotator's submit and run
// by the job queue; the figures of the Model assist tab on scripted verdicts and scores.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, Db } from "@/db/client";
import { comparisonAssists, comparisons, jobs, responseRewardScores, responses } from "@/db/schema";
import { createTestDb } from "@/db/testing";
import { makeModel } from "@/inference/src/make-model";
import { STRENGTHS } from "@/lib/constants";
import { engineChildEnv } from "@/server/env";
import { EndpointResolver } from "@/server/generation/endpoints";
import { InferenceSupervisor } from "@/server/generation/inference-supervisor";
import { createOutboundFetch } from "@/server/net/outbound-fetch";
import { OutboundPolicy } from "@/server/net/outbound-policy";
import { submitComparison } from "@/server/services/annotation/submit-comparison";
import { claimNextPairTask } from "@/server/services/quality/claim-pair-task";
import { submitPairRating } from "@/server/services/quality/pair-task";
import { listReviewQueue } from "@/server/services/quality/reviews";
import {
  createCampaign,
  createJudgeableTurn,
  newIdempotencyKey,
} from "@/server/testing/annotation-campaigns";
import { exportForTest } from "@/server/testing/export-readback";
import { createCollectingCampaign } from "@/server/testing/quality-campaigns";
import { createAdmin, createAnnotator, createReviewer } from "@/server/testing/fixtures";
import { jobRegistry } from "../jobs/define-job";
import { claimJob, DEFAULT_JOB_TIMINGS, runClaimedJob } from "../jobs/job-worker";
import type { AssistantDeps } from "./assistant-endpoint";
import { getAssistantSettings, saveJudge, saveRewardModel } from "./assistant-settings";
import { getAssistOverview } from "./get-assist-overview";
import { getComparisonAssist } from "./get-comparison-assist";
import { JUDGE_COMPARISON_KIND, judgeComparisonJobWith } from "./judge-comparison";
import { DEFAULT_JUDGE_PROMPT, DEFAULT_VERDICT_SCHEMA } from "./judge-verdict";
import { SCORE_RESPONSES_KIND, scoreResponsesJobWith } from "./score-responses";

const root = path.resolve(import.meta.dirname, "../../..");
let database: Database;
let db: Db;
let dir: string;
let judgeModelPath: string;
let rewardModelPath: string;
let supervisor: InferenceSupervisor;
let deps: AssistantDeps;

beforeAll(async () => {
  database = await createTestDb();
  db = database.db;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "arbiter-judging-"));
  const tiny = { dim: 64, layers: 2, heads: 2, kvHeads: 2, ffn: 128, type: "f32" as const, context: 2048 };
  judgeModelPath = path.join(dir, "judge.gguf");
  rewardModelPath = path.join(dir, "reward.gguf");
  // The full Llama 2 vocabulary: every byte a verdict needs has a token of its own.
  await makeModel({ ...tiny, out: judgeModelPath, vocab: "llama2", seed: 3 });
  await makeModel({ ...tiny, out: rewardModelPath, rewardHead: true, seed: 4 });
  supervisor = new InferenceSupervisor({ root, modelDirs: [dir], childEnv: engineChildEnv(), threads: 1 });
  deps = {
    resolver: new EndpointResolver({
      defaultModel: { kind: "local", path: judgeModelPath, isDemo: false },
      supervisor,
      root,
      readApiKey: () => undefined,
      outboundFetch: createOutboundFetch(new OutboundPolicy()),
      log: () => {},
    }),
    timeoutMs: 120_000,
  };
});

afterAll(async () => {
  await supervisor?.stop();
  await database?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const registry = () => jobRegistry([judgeComparisonJobWith(() => deps), scoreResponsesJobWith(() => deps)]);

/** Runs every queued job of the kind, as a worker would. */
async function runQueued(kind: string) {
  for (;;) {
    const job = await claimJob(db, { workerId: "test", kinds: [kind], leaseMs: DEFAULT_JOB_TIMINGS.leaseMs });
    if (!job) return;
    await runClaimedJob(db, registry(), job, { workerId: "test", timings: DEFAULT_JOB_TIMINGS });
  }
}

async function submitted(campaignId: string, strength: (typeof STRENGTHS)[number] = "better", choose = 0) {
  const { actor } = await createAnnotator(db);
  const turn = await createJudgeableTurn(db, campaignId, actor);
  const ranking = turn.responses.map((response) => response.id);
  if (choose === 1) ranking.reverse();
  return submitComparison(
    db,
    { turnId: turn.turnId, idempotencyKey: newIdempotencyKey(), ranking, strength, timeSpentMs: 4000 },
    actor,
  );
}

/** A new campaign whose judge is `judge` (the models in this file's folder), and the admin who set it. */
async function campaignWithJudge(judge: Omit<Parameters<typeof saveJudge>[1], "campaignId">) {
  const { campaign } = await createCampaign(db);
  const { actor: admin } = await createAdmin(db);
  await saveJudge(db, { ...judge, campaignId: campaign.id }, admin, [dir]);
  return { campaign, admin };
}

/** The comparison's assist row. */
async function assistOf(comparisonId: string) {
  const [assist] = await db
    .select()
    .from(comparisonAssists)
    .where(eq(comparisonAssists.comparisonId, comparisonId));
  return assist;
}

/** The responses of the turn that the chosen response answers. */
async function turnResponsesOf(chosenResponseId: string) {
  const [chosen] = await db.select().from(responses).where(eq(responses.id, chosenResponseId));
  return db.select({ id: responses.id }).from(responses).where(eq(responses.turnId, chosen.turnId));
}

describe("a campaign's judge and reward model", () => {
  it("queues nothing for a campaign without either", async () => {
    const { campaign } = await createCampaign(db);
    const { comparisonId } = await submitted(campaign.id);
    expect(
      await db.select().from(comparisonAssists).where(eq(comparisonAssists.comparisonId, comparisonId)),
    ).toEqual([]);
  });

  it(
    "judges a submitted comparison in both orders on the local engine and scores its responses",
    { timeout: 180_000 },
    async () => {
      const { campaign, admin } = await campaignWithJudge({
        endpointKind: "local",
        modelPath: judgeModelPath,
        promptTemplate: DEFAULT_JUDGE_PROMPT,
        verdictSchema: JSON.stringify(DEFAULT_VERDICT_SCHEMA),
        maxTokens: 96,
      });
      await saveRewardModel(
        db,
        { campaignId: campaign.id, endpointKind: "local", modelPath: rewardModelPath },
        admin,
        [dir],
      );
      expect((await getAssistantSettings(db, { campaignId: campaign.id })).judge?.modelPath).toBe(
        judgeModelPath,
      );

      const { comparisonId, chosenResponseId } = await submitted(campaign.id, "significantly_better");
      const queued = await assistOf(comparisonId);
      const queuedJobs = await db.select().from(jobs).where(eq(jobs.id, queued.judgeJobId!));
      expect(queuedJobs).toMatchObject([
        { kind: JUDGE_COMPARISON_KIND, status: "queued", payload: { comparisonId } },
      ]);
      expect((await getAssistOverview(db, { campaignId: campaign.id })).progress.judge).toMatchObject({
        queued: 1,
        done: 0,
        pending: 1,
      });

      await runQueued(JUDGE_COMPARISON_KIND);
      await runQueued(SCORE_RESPONSES_KIND);

      const assist = await assistOf(comparisonId);
      const [judgeJob] = await db.select().from(jobs).where(eq(jobs.id, assist.judgeJobId!));
      expect(judgeJob).toMatchObject({ status: "done", error: null });
      // Two verdicts, each valid under the schema although the model's weights are random.
      expect(assist.judgeRuns).toHaveLength(2);
      for (const run of assist.judgeRuns!) {
        expect(["A", "B", "tie"]).toContain(run.winner);
        expect(STRENGTHS).toContain(run.strength);
        expect(run.rationale.length).toBeLessThanOrEqual(600);
      }
      const [first, second] = assist.judgeRuns!;
      expect(second.order).toEqual([first.order[1], first.order[0]]);
      const named = assist.judgeRuns!.map((run) =>
        run.winner === "tie" ? null : run.order[run.winner === "A" ? 0 : 1],
      );
      if (named[0] !== null && named[0] === named[1]) {
        expect(assist).toMatchObject({ judgeOutcome: "winner", judgeWinnerResponseId: named[0] });
      } else {
        expect(assist).toMatchObject({
          judgeOutcome: "unsure",
          judgeWinnerResponseId: null,
          judgeStrength: null,
        });
      }

      const turnResponses = await turnResponsesOf(chosenResponseId);
      const scores = await db
        .select()
        .from(responseRewardScores)
        .where(eq(responseRewardScores.campaignId, campaign.id));
      expect(scores.map((score) => score.responseId).sort()).toEqual(
        turnResponses.map((response) => response.id).sort(),
      );
      for (const score of scores) expect(Number.isFinite(score.score)).toBe(true);
      // Two different responses through a random head: different scores.
      expect(scores[0].score).not.toBe(scores[1].score);

      const { actor: reviewer } = await createReviewer(db);
      const seen = await getComparisonAssist(db, { comparisonId }, reviewer);
      expect(seen?.judge).toMatchObject({ status: "done", outcome: assist.judgeOutcome, error: null });
      expect(seen?.judge?.runs).toHaveLength(2);
      expect(seen?.rewardModel?.scores.map((entry) => entry.label)).toEqual(["Response A", "Response B"]);

      const overview = await getAssistOverview(db, { campaignId: campaign.id });
      expect(overview.progress.judge).toMatchObject({ queued: 1, done: 1, pending: 0, failed: 0 });
      expect(overview.progress.rewardModel).toMatchObject({ queued: 1, done: 1, pending: 0, failed: 0 });
      const chosenScore = scores.find((score) => score.responseId === chosenResponseId)!.score;
      const otherScore = scores.find((score) => score.responseId !== chosenResponseId)!.score;
      expect(overview.statistics.overall.rewardModel.byStrength[0]).toMatchObject({
        strength: "significantly_better",
        scored: 1,
        correct: chosenScore > otherScore ? 1 : 0,
      });
    },
  );

  it(
    "records why a judge that cannot be reached failed, for the admin only",
    { timeout: 60_000 },
    async () => {
      const { campaign, admin } = await campaignWithJudge({
        endpointKind: "openai",
        baseUrl: "http://127.0.0.1:9/v1",
        model: "judge",
        promptTemplate: DEFAULT_JUDGE_PROMPT,
        verdictSchema: JSON.stringify(DEFAULT_VERDICT_SCHEMA),
      });
      const { comparisonId } = await submitted(campaign.id);
      await runQueued(JUDGE_COMPARISON_KIND);
      const assist = await assistOf(comparisonId);
      const [job] = await db.select().from(jobs).where(eq(jobs.id, assist.judgeJobId!));
      // The outbound policy refuses loopback unless the operator allows it; the queue retries later.
      expect(job.status).toBe("queued");
      expect(job.error).toContain("ARBITER_OUTBOUND_ALLOW");
      expect(assist.judgedAt).toBeNull();
      expect((await getComparisonAssist(db, { comparisonId }, admin))?.judge?.error).toContain(
        "ARBITER_OUTBOUND_ALLOW",
      );
      const { actor: reviewer } = await createReviewer(db);
      expect((await getComparisonAssist(db, { comparisonId }, reviewer))?.judge).toMatchObject({
        status: "queued",
        error: null,
      });
    },
  );

  it("refuses a verdict schema without the fields the statistics read", async () => {
    const { campaign } = await createCampaign(db);
    const { actor: admin } = await createAdmin(db);
    await expect(
      saveJudge(
        db,
        {
          campaignId: campaign.id,
          endpointKind: "local",
          promptTemplate: DEFAULT_JUDGE_PROMPT,
          verdictSchema: JSON.stringify({ type: "object", properties: { winner: { type: "string" } } }),
        },
        admin,
        [dir],
      ),
    ).rejects.toThrow(/"winner" \(enum "A", "B", "tie"\)/);
    await expect(
      saveJudge(
        db,
        {
          campaignId: campaign.id,
          endpointKind: "local",
          promptTemplate: "no placeholders",
          verdictSchema: "{}",
        },
        admin,
        [dir],
      ),
    ).rejects.toThrow(/\{question\}/);
  });

  it("queues the judge and the reward model for a pair task's rating too", async () => {
    const { actor: admin } = await createAdmin(db);
    const campaign = await createCollectingCampaign(db, admin, { overlapFraction: 1 });
    const local = { campaignId: campaign.id, endpointKind: "local" as const };
    await saveJudge(
      db,
      {
        ...local,
        promptTemplate: DEFAULT_JUDGE_PROMPT,
        verdictSchema: JSON.stringify(DEFAULT_VERDICT_SCHEMA),
      },
      admin,
      [dir],
    );
    await saveRewardModel(db, local, admin, [dir]);
    const { actor: author } = await createAnnotator(db);
    const turn = await createJudgeableTurn(db, campaign.id, author);
    const ranking = turn.responses.map((response) => response.id);
    await submitComparison(
      db,
      {
        turnId: turn.turnId,
        idempotencyKey: newIdempotencyKey(),
        ranking,
        strength: "better",
        timeSpentMs: 4000,
      },
      author,
    );
    const { actor: rater } = await createAnnotator(db);
    const task = await claimNextPairTask(db, { campaignId: campaign.id }, rater);
    const { comparisonId } = await submitPairRating(
      db,
      {
        taskId: task!.taskId,
        idempotencyKey: newIdempotencyKey(),
        chosenResponseId: ranking[1],
        strength: "slightly_better",
        timeSpentMs: 5000,
      },
      rater,
    );
    const assist = await assistOf(comparisonId);
    expect(assist).toMatchObject({ campaignId: campaign.id, judgeOutcome: null });
    expect(assist.judgeJobId).not.toBeNull();
    expect(assist.rewardJobId).not.toBeNull();
  });
});

describe("the Model assist tab's figures", () => {
  it("groups scripted verdicts and scores per batch as worked out by hand", async () => {
    // A judge whose jobs are never run here: the verdicts are scripted below.
    const { campaign } = await campaignWithJudge({
      endpointKind: "local",
      isActive: true,
      promptTemplate: DEFAULT_JUDGE_PROMPT,
      verdictSchema: JSON.stringify(DEFAULT_VERDICT_SCHEMA),
    });
    const script = [
      { strength: "significantly_better", judge: "agreed", rm: true },
      { strength: "significantly_better", judge: "agreed", rm: true },
      { strength: "better", judge: "disagreed", rm: false },
      { strength: "slightly_better", judge: "unsure", rm: true },
    ] as const;
    const ids: string[] = [];
    for (const step of script) {
      const { comparisonId, chosenResponseId } = await submitted(campaign.id, step.strength);
      ids.push(comparisonId);
      const turnResponses = await turnResponsesOf(chosenResponseId);
      const other = turnResponses.find((response) => response.id !== chosenResponseId)!;
      await db
        .update(comparisonAssists)
        .set({
          judgeOutcome: step.judge === "unsure" ? "unsure" : "winner",
          judgeWinnerResponseId:
            step.judge === "agreed" ? chosenResponseId : step.judge === "disagreed" ? other.id : null,
          judgeStrength: step.judge === "unsure" ? null : step.strength,
          judgeRuns: [],
          judgedAt: new Date(),
        })
        .where(eq(comparisonAssists.comparisonId, comparisonId));
      await db.insert(responseRewardScores).values([
        { responseId: chosenResponseId, campaignId: campaign.id, score: step.rm ? 1 : -1, rewardModel: "rm" },
        { responseId: other.id, campaignId: campaign.id, score: 0, rewardModel: "rm" },
      ]);
    }
    const { progress, statistics } = await getAssistOverview(db, { campaignId: campaign.id });
    expect(progress.judge).toMatchObject({ queued: 4, done: 4, pending: 0 });
    expect(statistics.batches.map((batch) => batch.batchNumber)).toEqual([1]);
    const { judge, rewardModel } = statistics.overall;
    expect(judge.judged).toBe(4);
    expect(judge.agreement).toBeCloseTo(0.5, 12);
    expect(judge.byStrength.map((level) => [level.judged, level.agreed, level.unsure])).toEqual([
      [2, 2, 0],
      [1, 0, 0],
      [1, 0, 1],
      [0, 0, 0],
    ]);
    // Every cell of the matrix is on a diagonal or off it as the positions say; the totals hold.
    expect(judge.confusion.flat().reduce((sum, count) => sum + count, 0)).toBe(4);
    expect(judge.confusion[0][2] + judge.confusion[1][2]).toBe(1);
    expect(judge.confusion[0][0] + judge.confusion[1][1]).toBe(2);
    expect(rewardModel).toMatchObject({ scored: 4, accuracy: 0.75 });
    expect(rewardModel.byStrength.map((level) => level.accuracy)).toEqual([1, 0, 1, null]);

    // The review queue, the judge's disagreements first: named the other response, unsure, agreed.
    const queue = await listReviewQueue(db, { campaignId: campaign.id, order: "judge-disagreement" });
    expect(queue.items.map((item) => item.id)).toEqual([ids[2], ids[3], ids[0], ids[1]]);

    // Exports: the verdicts and scores as raw columns; training rows labelled by the judge.
    const raw = (await exportForTest(db, { format: "raw", campaigns: [campaign.name] })).jsonl(
      "export.jsonl",
    );
    expect(raw).toHaveLength(4);
    for (const [index, row] of raw.entries()) {
      const step = script[index];
      const chosen = row.chosen_response_id as string;
      expect(row.judge_outcome).toBe(step.judge === "unsure" ? "unsure" : "winner");
      expect(row.judge_strength).toBe(step.judge === "unsure" ? null : step.strength);
      if (step.judge === "agreed") expect(row.judge_winner_response_id).toBe(chosen);
      if (step.judge === "disagreed") expect(row.judge_winner_response_id).toBe(row.rejected_response_id);
      const scores = Object.fromEntries(
        (row.responses as { response_id: string; reward_score: number }[]).map((r) => [
          r.response_id,
          r.reward_score,
        ]),
      );
      expect(scores[chosen]).toBe(step.rm ? 1 : -1);
      expect(scores[row.rejected_response_id as string]).toBe(0);
    }

    const human = (await exportForTest(db, { format: "trl", campaigns: [campaign.name] })).jsonl(
      "export.jsonl",
    );
    const judgeRows = (
      await exportForTest(db, { format: "trl", campaigns: [campaign.name], labels: "judge" })
    ).jsonl("export.jsonl");
    // Three verdicts with a winner (the unsure one gives no row); the disagreeing one is flipped.
    expect(human).toHaveLength(4);
    expect(judgeRows).toHaveLength(3);
    const flipped = (row: Record<string, unknown>) => ({
      ...row,
      chosen: row.rejected,
      rejected: row.chosen,
    });
    expect(judgeRows.map((row) => JSON.stringify(row))).toEqual(
      [human[0], human[1], flipped(human[2])].map((row) => JSON.stringify(row)),
    );
    const dataset = await exportForTest(
      db,
      { format: "trl", campaigns: [campaign.name], labels: "judge" },
      { output: "hf-dataset" },
    );
    expect(fs.readFileSync(dataset.file("README.md"), "utf8")).toContain(
      "Labels: the campaign's LLM judge's verdicts",
    );

    // "both": the annotator's label where review keeps it, the judge's where a reviewer rejected it.
    await db
      .update(comparisons)
      .set({ reviewStatus: "rejected" })
      .where(eq(comparisons.id, raw[2].comparison_id as string));
    await db
      .update(comparisons)
      .set({ reviewStatus: "rejected" })
      .where(eq(comparisons.id, raw[3].comparison_id as string));
    const both = (
      await exportForTest(db, { format: "trl", campaigns: [campaign.name], labels: "both" })
    ).jsonl("export.jsonl");
    expect(both.map((row) => JSON.stringify(row))).toEqual(
      [human[0], human[1], flipped(human[2])].map((row) => JSON.stringify(row)),
    );
  });
});
