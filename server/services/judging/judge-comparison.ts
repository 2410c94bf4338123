// The judge job: one submitted comparison's two responses (the chosen one and the runner-up)
// judged twice, shown in both orders, with the campaign's verdict schema as response_format (an
// engine with structured outputs then always answers a parseable verdict). Two verdicts that do
// not name the same response make the comparison "unsure". Safe to repeat: a judged comparison is
// left as it is.
import { and, eq, inArray, isNull } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import {
  campaignJudges,
  comparisonAssists,
  comparisons,
  responses,
  type JudgeVerdictRun,
  type Response,
} from "@/db/schema";
import { defineJob } from "../jobs/define-job";
import { AssistantCallError, postJson, resolveAssistant, type AssistantDeps } from "./assistant-endpoint";
import { combineVerdicts, parseVerdict, questionText, renderJudgePrompt } from "./judge-verdict";

export const AssistJobPayload = z.object({ comparisonId: z.uuid() });

const ChatAnswer = z.object({
  model: z.string().optional(),
  choices: z
    .array(
      z.object({ message: z.object({ content: z.string().nullish() }), finish_reason: z.string().nullish() }),
    )
    .min(1),
});

export async function judgeComparison(
  db: Db,
  comparisonId: string,
  deps: AssistantDeps,
  signal: AbortSignal,
) {
  const [found] = await db
    .select({ assist: comparisonAssists, judge: campaignJudges, comparison: comparisons })
    .from(comparisonAssists)
    .innerJoin(comparisons, eq(comparisons.id, comparisonAssists.comparisonId))
    .innerJoin(campaignJudges, eq(campaignJudges.campaignId, comparisonAssists.campaignId))
    .where(eq(comparisonAssists.comparisonId, comparisonId));
  // Deleted meanwhile, the judge removed or turned off, or judged by an earlier attempt.
  if (!found || !found.judge.isActive || found.assist.judgedAt) return;
  const { judge, comparison } = found;
  const pair = await db
    .select()
    .from(responses)
    .where(inArray(responses.id, [comparison.chosenResponseId, comparison.rejectedResponseId]))
    .orderBy(responses.position);
  if (pair.length !== 2) return;
  const question = questionText(pair[0].promptMessages);
  const endpoint = await resolveAssistant(deps.resolver, judge, "the judge");

  const judgeOnce = async (
    order: [Response, Response],
  ): Promise<{ run: JudgeVerdictRun; model?: string }> => {
    const answer = ChatAnswer.safeParse(
      await postJson(
        endpoint,
        `${endpoint.baseUrl}/chat/completions`,
        {
          model: endpoint.model,
          messages: [
            {
              role: "user",
              content: renderJudgePrompt(judge.promptTemplate, question, order[0].text, order[1].text),
            },
          ],
          temperature: 0,
          max_tokens: judge.maxTokens,
          response_format: {
            type: "json_schema",
            json_schema: { name: "verdict", schema: judge.verdictSchema, strict: true },
          },
        },
        { what: "judge", signal, timeoutMs: deps.timeoutMs },
      ),
    );
    if (!answer.success) throw new AssistantCallError("The judge's answer is not a chat completion.");
    const [choice] = answer.data.choices;
    const verdict = parseVerdict(choice.message.content ?? "");
    if (!verdict) {
      throw new AssistantCallError(
        `The judge's answer is not a verdict under the schema (finish reason ${choice.finish_reason ?? "none"}); a server without structured outputs, or too few max tokens.`,
      );
    }
    return { run: { order: [order[0].id, order[1].id], ...verdict }, model: answer.data.model };
  };
  // Both orders at once: an engine batches them.
  const [first, second] = await Promise.all([judgeOnce([pair[0], pair[1]]), judgeOnce([pair[1], pair[0]])]);
  const runs: [JudgeVerdictRun, JudgeVerdictRun] = [first.run, second.run];
  const combined = combineVerdicts(runs);
  await db
    .update(comparisonAssists)
    .set({
      judgeOutcome: combined.outcome,
      judgeWinnerResponseId: combined.winnerResponseId,
      judgeStrength: combined.strength,
      judgeRationale: combined.rationale,
      judgeRuns: runs,
      judgeModel: first.model || endpoint.model,
      judgedAt: new Date(),
    })
    .where(and(eq(comparisonAssists.comparisonId, comparisonId), isNull(comparisonAssists.judgedAt)));
}

export const JUDGE_COMPARISON_KIND = "judge-comparison";
export const JUDGE_MAX_ATTEMPTS = 3;

/** The judge job with the given dependencies (tests pass their own resolver). */
export function judgeComparisonJobWith(deps: () => AssistantDeps) {
  return defineJob({
    kind: JUDGE_COMPARISON_KIND,
    payload: AssistJobPayload,
    maxAttempts: JUDGE_MAX_ATTEMPTS,
    run: ({ comparisonId }, context) => judgeComparison(context.db, comparisonId, deps(), context.signal),
  });
}
