// The reward-model job: every response of a submitted comparison's turn scored by the campaign's
// reward model through vLLM's /pooling (Arbiter's engine serves the same shapes), each as the
// conversation it answered with the response as the last assistant message. Safe to repeat:
// responses already scored keep their score.
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
import {
  AssistantCallError,
  poolingUrl,
  postJson,
  resolveAssistant,
  type AssistantDeps,
} from "./assistant-endpoint";
import { AssistJobPayload } from "./judge-comparison";

/** vLLM's pooling answer: per input, the score (a reward model's pooled output) last in `data`. */
const PoolingAnswer = z.object({
  model: z.string().optional(),
  data: z.array(z.object({ data: z.array(z.number()).min(1) })).length(1),
});

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
    for (const response of unscored) {
      const answer = PoolingAnswer.safeParse(
        await postJson(
          endpoint,
          poolingUrl(endpoint.baseUrl),
          {
            model: endpoint.model,
            messages: [...response.promptMessages, { role: "assistant", content: response.text }],
          },
          { what: "reward model", signal, timeoutMs: deps.timeoutMs },
        ),
      );
      if (!answer.success) {
        throw new AssistantCallError("The reward model's answer is not a /pooling answer with one score.");
      }
      await db
        .insert(responseRewardScores)
        .values({
          responseId: response.id,
          campaignId: assist.campaignId,
          score: answer.data.data[0].data.at(-1)!,
          rewardModel: answer.data.model || endpoint.model,
        })
        .onConflictDoNothing();
    }
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
