// What the judge and the reward model made of one comparison, for its reviewer or an admin (a
// reviewer procedure: annotators never get it, so they cannot anchor on it). The comparison's
// own access rules apply first (getComparisonDetail: not while the reviewer holds a pair task on
// the turn).
import { asc, eq } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { z } from "zod";
import type { Db } from "@/db/client";
import {
  comparisonAssists,
  comparisons,
  jobs,
  responseRewardScores,
  responses,
  type JobStatus,
  type Role,
} from "@/db/schema";
import { ComparisonIdInput, getComparisonDetail } from "../quality/reviews";

const LETTERS = "ABCD";
const labelOf = (position: number) => `Response ${LETTERS[position]}`;

export async function getComparisonAssist(
  db: Db,
  rawInput: z.input<typeof ComparisonIdInput>,
  viewer: { id: string; role: Role },
) {
  const input = ComparisonIdInput.parse(rawInput);
  await getComparisonDetail(db, input, viewer);
  const judgeJob = alias(jobs, "judge_job");
  const rewardJob = alias(jobs, "reward_job");
  const [row] = await db
    .select({
      assist: comparisonAssists,
      turnId: comparisons.turnId,
      judgeJob: { status: judgeJob.status, error: judgeJob.error },
      rewardJob: { status: rewardJob.status, error: rewardJob.error },
    })
    .from(comparisonAssists)
    .innerJoin(comparisons, eq(comparisons.id, comparisonAssists.comparisonId))
    .leftJoin(judgeJob, eq(judgeJob.id, comparisonAssists.judgeJobId))
    .leftJoin(rewardJob, eq(rewardJob.id, comparisonAssists.rewardJobId))
    .where(eq(comparisonAssists.comparisonId, input.comparisonId));
  if (!row) return null; // submitted while the campaign had neither
  const { assist } = row;
  const turnResponses = await db
    .select({ id: responses.id, position: responses.position, score: responseRewardScores.score })
    .from(responses)
    .leftJoin(responseRewardScores, eq(responseRewardScores.responseId, responses.id))
    .where(eq(responses.turnId, row.turnId))
    .orderBy(asc(responses.position));
  const labels = new Map(turnResponses.map((response) => [response.id, labelOf(response.position)]));
  /** "skipped": the job found the assistant turned off; "removed": the queue's retention took it. */
  const stateOf = (isDone: boolean, job: { status: JobStatus; error: string | null } | null) => ({
    status: isDone ? "done" : job?.status === "done" ? "skipped" : (job?.status ?? "removed"),
    // Why a job failed names endpoints and settings: the admin's business.
    error: isDone || viewer.role !== "admin" ? null : (job?.error ?? null),
  });

  return {
    judge:
      assist.judgeJobId === null && assist.judgedAt === null
        ? null
        : {
            ...stateOf(assist.judgedAt !== null, row.judgeJob),
            outcome: assist.judgeOutcome,
            winner: assist.judgeWinnerResponseId ? (labels.get(assist.judgeWinnerResponseId) ?? null) : null,
            strength: assist.judgeStrength,
            rationale: assist.judgeRationale,
            model: assist.judgeModel,
            /** Each order as shown to the judge, with the response it named. */
            runs: (assist.judgeRuns ?? []).map((run) => ({
              shown: run.order.map((id) => labels.get(id) ?? "?").join(" then "),
              winner:
                run.winner === "tie" ? "tie" : (labels.get(run.order[run.winner === "A" ? 0 : 1]) ?? "?"),
              strength: run.strength,
              rationale: run.rationale,
            })),
          },
    rewardModel:
      assist.rewardJobId === null && assist.scoredAt === null
        ? null
        : {
            ...stateOf(assist.scoredAt !== null, row.rewardJob),
            scores: turnResponses.map((response) => ({
              label: labelOf(response.position),
              score: response.score,
            })),
          },
  };
}
