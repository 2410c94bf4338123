// Best-of-N mode end to end on the real supervised engine: a random-weight model draws the samples
// (temperature above 0, one seed each), a --reward-head model served by the engine's /pooling
// scores them in one request, and the turn's two responses show the best-scored sample and another
// one; every sample and score is kept and exported. Also the setting's refusals, and a reward
// model that cannot answer failing the turn in a way the annotator can retry.
import fs from "node:fs";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, Db } from "@/db/client";
import { auditLog, bestOfNTurns, responseRewardScores, responses, type ModelVariant } from "@/db/schema";
import { createTestDb } from "@/db/testing";
import { makeModel } from "@/inference/src/make-model";
import type { EndpointResolver } from "@/server/generation/endpoints";
import type { InferenceSupervisor } from "@/server/generation/inference-supervisor";
import {
  GENERATION_FAILED_MESSAGE,
  GenerationHub,
  toResponseView,
} from "@/server/generation/turn-generation";
import { retryGeneration } from "@/server/services/annotation/retry-generation";
import { startTurn } from "@/server/services/annotation/start-turn";
import { submitComparison } from "@/server/services/annotation/submit-comparison";
import {
  acknowledgeCurrentGuidelines,
  createCampaign,
  newIdempotencyKey,
} from "@/server/testing/annotation-campaigns";
import { exportForTest } from "@/server/testing/export-readback";
import { createAdmin, createAnnotator } from "@/server/testing/fixtures";
import { startLocalEngine, TINY_MODEL } from "@/server/testing/local-engine";
import { saveRewardModel } from "./assistant-settings";
import { BEST_OF_N_SCORING_FAILED, bestOfNSamplerWith } from "./best-of-n-sampling";
import { saveBestOfN } from "./best-of-n-settings";

const root = path.resolve(import.meta.dirname, "../../..");
let database: Database;
let db: Db;
let dir: string;
let rewardModelPath: string;
let supervisor: InferenceSupervisor;
let resolver: EndpointResolver;
let hub: GenerationHub;

beforeAll(async () => {
  database = await createTestDb();
  db = database.db;
  ({ dir, supervisor, resolver } = await startLocalEngine({
    root,
    prefix: "arbiter-best-of-n-",
    modelFile: "policy.gguf",
  }));
  rewardModelPath = path.join(dir, "reward.gguf");
  await makeModel({ ...TINY_MODEL, context: 4096, out: rewardModelPath, rewardHead: true, seed: 4 });
  hub = new GenerationHub({
    resolver,
    bestOfN: bestOfNSamplerWith(() => ({ resolver, timeoutMs: 120_000 })),
  });
});

afterAll(async () => {
  await hub?.idle();
  await supervisor?.stop();
  await database?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** A campaign on the local default model whose first variant samples at `temperature`. */
async function campaignWithRewardModel(options: { temperature?: number; rewardModel?: boolean } = {}) {
  const { campaign, variants } = await createCampaign(db, {
    variant: (index) => ({
      endpointKind: "local",
      baseUrl: null,
      model: "",
      temperature: index === 0 ? (options.temperature ?? 1) : 0.7,
      maxTokens: 12,
    }),
  });
  const { actor: admin } = await createAdmin(db);
  if (options.rewardModel ?? true) {
    await saveRewardModel(
      db,
      { campaignId: campaign.id, endpointKind: "local", modelPath: rewardModelPath },
      admin,
      [dir],
    );
  }
  return { campaign, variants: variants as ModelVariant[], admin };
}

/** An annotator sends a prompt; resolves once the hub has finished the turn. */
async function generatedTurn(campaignId: string) {
  const { actor } = await createAnnotator(db);
  await acknowledgeCurrentGuidelines(db, campaignId, actor);
  const turn = await startTurn(
    db,
    { campaignId, conversationId: null, message: "Tell me about the sea." },
    actor,
    {
      identify: (variant) => resolver.identify(variant),
      schedule: (turnId) => void hub.schedule(db, turnId),
    },
  );
  await hub.idle();
  return { turn, actor };
}

const turnResponses = (turnId: string) =>
  db.select().from(responses).where(eq(responses.turnId, turnId)).orderBy(responses.position);

describe("best-of-N mode", () => {
  it("is refused without a reward model, outside 4 to 8 samples and for a variant at temperature 0", async () => {
    const bare = await campaignWithRewardModel({ rewardModel: false });
    const input = { campaignId: bare.campaign.id, variantId: bare.variants[0].id };
    await expect(saveBestOfN(db, { ...input, n: 4 }, bare.admin)).rejects.toThrow(
      /needs the campaign's reward model/,
    );
    for (const n of [3, 9, 4.5]) {
      await expect(saveBestOfN(db, { ...input, n }, bare.admin)).rejects.toThrow(/between 4 and 8 samples/);
    }
    const greedy = await campaignWithRewardModel({ temperature: 0 });
    await expect(
      saveBestOfN(
        db,
        { campaignId: greedy.campaign.id, variantId: greedy.variants[0].id, n: 4 },
        greedy.admin,
      ),
    ).rejects.toThrow(/temperature above 0/);
  });

  it(
    "stores N scored samples and shows the best-scored one against another; the raw export carries them",
    { timeout: 120_000 },
    async () => {
      const { campaign, variants, admin } = await campaignWithRewardModel();
      const variant = variants[0];
      await saveBestOfN(db, { campaignId: campaign.id, n: 5, variantId: variant.id }, admin);
      const [audit] = await db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, "campaign.best_of_n_set"), eq(auditLog.targetId, campaign.id)));
      expect(audit.details).toMatchObject({ n: 5, variantId: variant.id });

      const { turn, actor } = await generatedTurn(campaign.id);
      const shown = await turnResponses(turn.turnId);
      // The annotator's turn has the two shown responses only, both from the best-of-N variant.
      expect(shown).toHaveLength(2);
      expect(shown.map((response) => [response.status, response.variantId])).toEqual([
        ["completed", variant.id],
        ["completed", variant.id],
      ]);
      const [plan] = await db.select().from(bestOfNTurns).where(eq(bestOfNTurns.turnId, turn.turnId));
      const samples = plan.samples!;
      expect(samples).toHaveLength(5);
      expect(new Set(samples.map((sample) => sample.seed)).size).toBe(5);
      for (const sample of samples) expect(Number.isFinite(sample.score)).toBe(true);
      // Temperature 1 with a seed each: the samples differ.
      expect(new Set(samples.map((sample) => sample.text)).size).toBeGreaterThan(1);
      const bestScore = Math.max(...samples.map((sample) => sample.score));
      expect(samples[plan.bestIndex!].score).toBe(bestScore);
      expect(plan.otherIndex).not.toBe(plan.bestIndex);
      const textOf = (id: string) => shown.find((response) => response.id === id)!.text;
      expect(textOf(plan.bestResponseId)).toBe(samples[plan.bestIndex!].text);
      expect(textOf(plan.otherResponseId)).toBe(samples[plan.otherIndex!].text);
      // The shown responses carry their samples' scores, as the reward-model job records them.
      const scores = await db.select().from(responseRewardScores);
      const scoreOf = (id: string) => scores.find((row) => row.responseId === id)?.score;
      expect(scoreOf(plan.bestResponseId)).toBe(bestScore);
      expect(scoreOf(plan.otherResponseId)).toBe(samples[plan.otherIndex!].score);

      await submitComparison(
        db,
        {
          turnId: turn.turnId,
          idempotencyKey: newIdempotencyKey(),
          ranking: [plan.otherResponseId, plan.bestResponseId],
          strength: "slightly_better",
          timeSpentMs: 3000,
        },
        actor,
      );
      const [row] = (await exportForTest(db, { format: "raw", campaigns: [campaign.name] })).jsonl(
        "export.jsonl",
      );
      expect(row.best_of_n).toEqual({
        n: 5,
        reward_model: expect.any(String),
        best_response_id: plan.bestResponseId,
        other_response_id: plan.otherResponseId,
        best_index: plan.bestIndex,
        other_index: plan.otherIndex,
        samples: samples.map((sample) => ({
          seed: sample.seed,
          text: sample.text,
          finish_reason: sample.finishReason,
          completion_tokens: sample.completionTokens,
          score: sample.score,
        })),
      });
      // Parquet carries the same (its 64-bit seeds as bigint).
      const [parquetRow] = await (
        await exportForTest(db, { format: "raw", campaigns: [campaign.name] }, { output: "parquet" })
      ).parquet("export.parquet");
      const bestOfN = parquetRow.best_of_n as { samples: { seed: bigint }[] };
      expect({
        ...bestOfN,
        samples: bestOfN.samples.map((sample) => ({ ...sample, seed: Number(sample.seed) })),
      }).toEqual(row.best_of_n);
    },
  );

  it(
    "fails the turn with a retryable error when the reward model cannot answer, and a retry samples again",
    { timeout: 120_000 },
    async () => {
      const { campaign, variants, admin } = await campaignWithRewardModel();
      await saveBestOfN(db, { campaignId: campaign.id, n: 4, variantId: variants[0].id }, admin);
      // A loopback URL the outbound policy refuses (no ARBITER_OUTBOUND_ALLOW here).
      const unreachable = {
        campaignId: campaign.id,
        endpointKind: "openai" as const,
        baseUrl: "http://127.0.0.1:9/v1",
        model: "rm",
      };
      await saveRewardModel(db, unreachable, admin, [dir]);
      const { turn, actor } = await generatedTurn(campaign.id);
      const failed = await turnResponses(turn.turnId);
      expect(failed.map((response) => response.status)).toEqual(["failed", "failed"]);
      for (const response of failed) {
        expect(response.error).toContain(BEST_OF_N_SCORING_FAILED);
        expect(response.error).toContain("ARBITER_OUTBOUND_ALLOW");
        // The annotator reads the generic sentence that offers a retry, nothing about the model.
        expect(toResponseView(response).error).toBe(GENERATION_FAILED_MESSAGE);
      }
      const [unscored] = await db.select().from(bestOfNTurns).where(eq(bestOfNTurns.turnId, turn.turnId));
      expect(unscored.samples).toBeNull();

      await saveRewardModel(
        db,
        {
          campaignId: campaign.id,
          endpointKind: "local",
          baseUrl: null,
          model: "",
          modelPath: rewardModelPath,
        },
        admin,
        [dir],
      );
      expect(
        await retryGeneration(db, { turnId: turn.turnId }, actor, {
          schedule: (turnId) => void hub.schedule(db, turnId),
        }),
      ).toEqual({ retried: 2 });
      await hub.idle();
      expect((await turnResponses(turn.turnId)).map((response) => response.status)).toEqual([
        "completed",
        "completed",
      ]);
      const [scored] = await db.select().from(bestOfNTurns).where(eq(bestOfNTurns.turnId, turn.turnId));
      expect(scored.samples).toHaveLength(4);
    },
  );
});
