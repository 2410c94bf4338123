// Best-of-N sampling as the generation hub runs it for a best-of-N turn: N samples of the turn's
// request, each with its own seed, drawn in parallel through the same streamed completion as any
// response (the engine batches them and shares the prompt's prefill); then the campaign's reward
// model scores them all in one batched request, and the turn's two responses show its best and
// a random other one. Every sample, its seed and its score is kept with the turn.
import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { bestOfNTurns, campaignRewardModels, responseRewardScores, type BestOfNTurn } from "@/db/schema";
import { GenerationError, streamChat, type ChatResult } from "@/server/generation/chat-stream";
import type { BestOfNSampler } from "@/server/generation/turn-generation";
import { resolveAssistant, type AssistantDeps } from "./assistant-endpoint";
import { scoreConversations } from "./score-responses";

export const BEST_OF_N_SCORING_FAILED = "The reward model could not score the best-of-N samples";

/**
 * Scoring N answers is a prefill, cheaper than generating them: it may take as long as the
 * generation did, and at least this long (a cold reward-model server, a busy machine).
 */
const SCORING_MIN_TIMEOUT_MS = 10_000;

/** The sample shown against the best: a random other one, not the worst, so the pair tells how
 * much the reward model's pick beats a typical sample rather than an easy, strongly-marked win. */
function otherIndexOf(count: number, bestIndex: number, random: () => number) {
  const index = Math.floor(random() * (count - 1));
  return index >= bestIndex ? index + 1 : index;
}

/** The index of the highest score (the first on a tie). */
function bestIndexOf(scores: number[]) {
  return scores.reduce((best, score, index) => (score > scores[best] ? index : best), 0);
}

async function sampleAndScore(
  db: Db,
  plan: BestOfNTurn,
  request: Parameters<BestOfNSampler["run"]>[2],
  { signal, idleTimeoutMs }: Parameters<BestOfNSampler["run"]>[3],
  deps: AssistantDeps,
  random: () => number,
): Promise<Map<string, ChatResult>> {
  const startedAt = performance.now();
  const failed = (message: string, cause?: unknown) =>
    new GenerationError(
      message,
      { text: "", firstTokenMs: null, latencyMs: Math.round(performance.now() - startedAt) },
      { cause },
    );
  const [rewardModel] = await db
    .select()
    .from(campaignRewardModels)
    .where(eq(campaignRewardModels.campaignId, plan.campaignId));
  if (!rewardModel?.isActive) {
    throw failed(`${BEST_OF_N_SCORING_FAILED}: the campaign's reward model is turned off.`);
  }
  // The reward model's server (started here if it is a local one) gets ready while sampling.
  const scorer = resolveAssistant(deps.resolver, rewardModel, "the reward model");
  scorer.catch(() => {});
  const seeds = Array.from({ length: plan.n }, (_, index) => (request.seed + index) % 0x7fffffff);
  // One failed sample fails the round: the others stop too.
  const stopSamples = new AbortController();
  const sampleSignal = AbortSignal.any([signal, stopSamples.signal]);
  const samples = await Promise.all(
    seeds.map((seed) => streamChat({ ...request, seed }, { signal: sampleSignal, idleTimeoutMs })),
  ).catch((error: unknown) => {
    stopSamples.abort();
    throw error;
  });
  const generationMs = performance.now() - startedAt;
  let scored: { scores: number[]; model: string };
  try {
    const endpoint = await scorer;
    scored = await scoreConversations(
      endpoint,
      samples.map((sample) => [...request.messages, { role: "assistant" as const, content: sample.text }]),
      {
        what: "reward model",
        signal,
        timeoutMs: Math.max(generationMs, SCORING_MIN_TIMEOUT_MS),
        isArbiterEngine: deps.resolver.localModelPathOf(endpoint) !== null,
      },
    );
  } catch (error) {
    if (signal.aborted) throw error;
    throw failed(`${BEST_OF_N_SCORING_FAILED}: ${(error as Error).message}`, error);
  }
  const bestIndex = bestIndexOf(scored.scores);
  const otherIndex = otherIndexOf(samples.length, bestIndex, random);
  await db.transaction(async (tx) => {
    await tx
      .update(bestOfNTurns)
      .set({
        samples: samples.map((sample, index) => ({
          seed: seeds[index],
          text: sample.text,
          finishReason: sample.finishReason,
          completionTokens: sample.completionTokens,
          score: scored.scores[index],
        })),
        bestIndex,
        otherIndex,
        rewardModel: scored.model,
        scoredAt: new Date(),
      })
      .where(eq(bestOfNTurns.turnId, plan.turnId));
    // The two shown responses' scores, as the reward-model job would record them (a retry's new
    // samples replace a failed round's).
    for (const [responseId, index] of [
      [plan.bestResponseId, bestIndex],
      [plan.otherResponseId, otherIndex],
    ] as const) {
      const score = { score: scored.scores[index], rewardModel: scored.model };
      await tx
        .insert(responseRewardScores)
        .values({ responseId, campaignId: plan.campaignId, ...score })
        .onConflictDoUpdate({ target: responseRewardScores.responseId, set: score });
    }
  });
  return new Map([
    [plan.bestResponseId, samples[bestIndex]],
    [plan.otherResponseId, samples[otherIndex]],
  ]);
}

/** The hub's best-of-N sampler on the given dependencies (tests pass their own resolver). */
export function bestOfNSamplerWith(
  deps: () => AssistantDeps,
  random: () => number = Math.random,
): BestOfNSampler {
  return {
    async planOf(db, turnId) {
      const [plan] = await db.select().from(bestOfNTurns).where(eq(bestOfNTurns.turnId, turnId));
      return plan ?? null;
    },
    run: (db, plan, request, options) => sampleAndScore(db, plan, request, options, deps(), random),
  };
}
