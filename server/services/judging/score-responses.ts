// The reward-model job: every response of a submitted comparison's turn scored by the campaign's
// reward model through vLLM's /pooling (Arbiter's engine serves the same shapes), each as the
// conversation it answered with the response as the last assistant message. Safe to repeat:
// responses already scored keep their score. scoreConversations() is also best-of-N's scoring.
import { and, eq, isNull, notExists } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import {
  campaignRewardModels,
  comparisonAssists,
  comparisons,
  responseRewardScores,
  responses,
} from "@/db/schema";
import { defineJob } from "../jobs/define-job";
import type { ChatMessage } from "@/server/generation/chat-stream";
import type { ResolvedEndpoint } from "@/server/generation/endpoints";
import {
  AssistantCallError,
  poolingUrl,
  postJson,
  resolveAssistant,
  type AssistantDeps,
  type PostOptions,
} from "./assistant-endpoint";
import { AssistJobPayload } from "./judge-comparison";

/** vLLM's pooling answer: per input, the score (a reward model's pooled output) last in `data`. */
const PoolingAnswer = z.object({
  model: z.string().optional(),
  data: z.array(z.object({ data: z.array(z.number()).min(1) })),
});

type Conversation = ChatMessage[];

async function pool(
  endpoint: ResolvedEndpoint,
  messages: Conversation | Conversation[],
  expected: number,
  options: PostOptions,
) {
  const answer = PoolingAnswer.safeParse(
    await postJson(endpoint, poolingUrl(endpoint.baseUrl), { model: endpoint.model, messages }, options),
  );
  if (!answer.success || answer.data.data.length !== expected) {
    throw new AssistantCallError(
      `The reward model's answer is not a /pooling answer with ${expected === 1 ? "one score" : `${expected} scores`}.`,
    );
  }
  // In input order, as vLLM and the engine answer.
  return {
    scores: answer.data.data.map((row) => row.data.at(-1)!),
    model: answer.data.model || endpoint.model,
  };
}

/**
 * Scores each conversation (its last message the assistant answer to score). Arbiter's own
 * engine takes them all in one request, where answers to one prompt share its prefill; vLLM's
 * /pooling takes one conversation per request, so another server gets them in parallel.
 */
export async function scoreConversations(
  endpoint: ResolvedEndpoint,
  conversations: Conversation[],
  options: PostOptions & { isArbiterEngine: boolean },
): Promise<{ scores: number[]; model: string }> {
  if (options.isArbiterEngine) return pool(endpoint, conversations, conversations.length, options);
  const answers = await Promise.all(conversations.map((messages) => pool(endpoint, messages, 1, options)));
  return { scores: answers.map((answer) => answer.scores[0]), model: answers[0]?.model ?? endpoint.model };
}

export async function scoreComparisonResponses(
  db: Db,
  comparisonId: string,
  deps: AssistantDeps,
  signal: AbortSignal,
) {
  const [found] = await db
    .select({ assist: comparisonAssists, rewardModel: campaignRewardModels, turnId: comparisons.turnId })
    .from(comparisonAssists)
    .innerJoin(comparisons, eq(comparisons.id, comparisonAssists.comparisonId))
    .innerJoin(campaignRewardModels, eq(campaignRewardModels.campaignId, comparisonAssists.campaignId))
    .where(eq(comparisonAssists.comparisonId, comparisonId));
  if (!found || !found.rewardModel.isActive || found.assist.scoredAt) return;
  const { assist, rewardModel } = found;
  const unscored = await db
    .select()
    .from(responses)
    .where(
      and(
        eq(responses.turnId, found.turnId),
        eq(responses.status, "completed"),
        notExists(
          db.select().from(responseRewardScores).where(eq(responseRewardScores.responseId, responses.id)),
        ),
      ),
    );
  if (unscored.length > 0) {
    const endpoint = await resolveAssistant(deps.resolver, rewardModel, "the reward model");
    const { scores, model } = await scoreConversations(
      endpoint,
      unscored.map((response) => [...response.promptMessages, { role: "assistant", content: response.text }]),
      {
        what: "reward model",
        signal,
        timeoutMs: deps.timeoutMs,
        isArbiterEngine: deps.resolver.localModelPathOf(endpoint) !== null,
      },
    );
    await db
      .insert(responseRewardScores)
      .values(
        unscored.map((response, index) => ({
          responseId: response.id,
          campaignId: assist.campaignId,
          score: scores[index],
          rewardModel: model,
        })),
      )
      .onConflictDoNothing();
  }
  await db
    .update(comparisonAssists)
    .set({ scoredAt: new Date() })
    .where(and(eq(comparisonAssists.comparisonId, comparisonId), isNull(comparisonAssists.scoredAt)));
}

export const SCORE_RESPONSES_KIND = "score-responses";
export const SCORE_MAX_ATTEMPTS = 3;

/** The scoring job with the given dependencies (tests pass their own resolver). */
export function scoreResponsesJobWith(deps: () => AssistantDeps) {
  return defineJob({
    kind: SCORE_RESPONSES_KIND,
    payload: AssistJobPayload,
    maxAttempts: SCORE_MAX_ATTEMPTS,
    run: ({ comparisonId }, context) =>
      scoreComparisonResponses(context.db, comparisonId, deps(), context.signal),
  });
}
