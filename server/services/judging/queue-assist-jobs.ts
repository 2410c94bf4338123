// Queues the judge and reward-model jobs of a submitted comparison inside the submit's own
// statement (submit-comparison.ts stores the comparison in one statement, to keep the annotator's
// critical path at one round trip): CTEs that follow its `inserted` CTE, so the jobs and their
// comparison_assists row commit with the comparison or not at all; a pair task's rating (overlap,
// gold) queues them in its transaction. Nothing is queued when the campaign has no active judge or
// reward model.
import { sql, type SQL } from "drizzle-orm";
import type { Db } from "@/db/client";
import { queryRows } from "@/db/query-rows";
import { campaignJudges, campaignRewardModels, comparisonAssists, jobs } from "@/db/schema";
import { JOBS_CHANNEL } from "../jobs/enqueue-job";
import { JUDGE_COMPARISON_KIND, JUDGE_MAX_ATTEMPTS } from "./judge-comparison";
import { SCORE_MAX_ATTEMPTS, SCORE_RESPONSES_KIND } from "./score-responses";

function queueJob(
  name: string,
  kind: string,
  maxAttempts: number,
  assistantTable: typeof campaignJudges | typeof campaignRewardModels,
  campaignId: string,
) {
  return sql`${sql.raw(name)} as (
      insert into ${jobs} (kind, payload, max_attempts)
      select ${kind}::text, jsonb_build_object('comparisonId', inserted.id), ${maxAttempts}::int
      from inserted
      where exists (select 1 from ${assistantTable} where campaign_id = ${campaignId}::uuid and is_active)
      returning id
    )`;
}

/** `, judge_job as (…), reward_job as (…), assist as (…)` after a CTE named `inserted` (id). */
export function assistJobsAfterInsert(campaignId: string, batchId: string): { ctes: SQL; hasQueued: SQL } {
  return {
    ctes: sql`, ${queueJob("judge_job", JUDGE_COMPARISON_KIND, JUDGE_MAX_ATTEMPTS, campaignJudges, campaignId)},
    ${queueJob("reward_job", SCORE_RESPONSES_KIND, SCORE_MAX_ATTEMPTS, campaignRewardModels, campaignId)},
    assist as (
      insert into ${comparisonAssists} (comparison_id, campaign_id, batch_id, judge_job_id, reward_job_id)
      select inserted.id, ${campaignId}::uuid, ${batchId}::uuid, (select id from judge_job), (select id from reward_job)
      from inserted
      where exists (select 1 from judge_job) or exists (select 1 from reward_job)
    )`,
    hasQueued: sql`(exists (select 1 from judge_job) or exists (select 1 from reward_job))`,
  };
}

/**
 * Queues the jobs of a comparison already stored by its own statement (a pair task's rating, in
 * its transaction); true when something was queued, so the caller wakes the workers after commit.
 */
export async function queueAssistJobs(
  db: Db,
  comparison: { id: string; campaignId: string; batchId: string },
): Promise<boolean> {
  const assist = assistJobsAfterInsert(comparison.campaignId, comparison.batchId);
  const [row] = await queryRows<{ hasQueued: boolean }>(
    db,
    sql`with inserted as (select ${comparison.id}::uuid as id) ${assist.ctes}
        select ${assist.hasQueued} as "hasQueued"`,
  );
  return row.hasQueued;
}

/** Wakes the job workers of every instance (they poll as well, so a lost wake-up only delays). */
export async function wakeJobWorkers(db: Db) {
  await db.execute(sql`select pg_notify(${JOBS_CHANNEL}, ${JUDGE_COMPARISON_KIND})`);
}
