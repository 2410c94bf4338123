// The Model assist tab's figures: how far the judge and the reward model have got (their jobs'
// states and the latest error) and how they compare with the humans, per batch. The comparisons
// are grouped in the database, so the page reads a few dozen rows whatever the campaign's size.
import { sql } from "drizzle-orm";
import type { z } from "zod";
import type { Db } from "@/db/client";
import { queryRows } from "@/db/query-rows";
import { batches, comparisonAssists, comparisons, jobs, responseRewardScores, responses } from "@/db/schema";
import { findCampaign } from "../campaigns/campaign-access";
import { CampaignIdInput } from "../campaigns/campaign-schemas";
import { assistStatistics, type AssistedGroup } from "./assist-statistics";

export interface AssistProgress {
  queued: number;
  done: number;
  /** Waiting, running or waiting for a retry. */
  pending: number;
  failed: number;
  /** The newest failed job's error, for the admin. */
  lastError: string | null;
}

async function progressOf(db: Db, campaignId: string, jobColumn: "judge_job_id" | "reward_job_id") {
  const doneColumn = jobColumn === "judge_job_id" ? sql`a.judged_at` : sql`a.scored_at`;
  const [row] = await queryRows<{ queued: number; done: number; failed: number; lastError: string | null }>(
    db,
    sql`
    select count(*)::int as queued,
      count(*) filter (where ${doneColumn} is not null)::int as done,
      count(*) filter (where ${doneColumn} is null and j.status = 'failed')::int as failed,
      (array_agg(j.error order by j.finished_at desc) filter (where ${doneColumn} is null and j.status = 'failed'))[1] as "lastError"
    from ${comparisonAssists} a
    left join ${jobs} j on j.id = a.${sql.raw(jobColumn)}
    where a.campaign_id = ${campaignId} and (a.${sql.raw(jobColumn)} is not null or ${doneColumn} is not null)
  `,
  );
  return { ...row, pending: row.queued - row.done - row.failed } satisfies AssistProgress;
}

async function assistedGroups(db: Db, campaignId: string): Promise<AssistedGroup[]> {
  return queryRows<AssistedGroup>(
    db,
    sql`
    select b.number as "batchNumber", c.strength, (chosen.position < rejected.position) as "chosenIsFirst",
      case when a.judge_outcome is null then null
        when a.judge_outcome = 'unsure' then 'unsure'
        when a.judge_winner_response_id = c.chosen_response_id then 'agreed'
        else 'disagreed' end as judge,
      case when chosen_score.score is null or rejected_score.score is null then null
        else chosen_score.score > rejected_score.score end as "isRewardModelCorrect",
      count(*)::int as count
    from ${comparisonAssists} a
    join ${comparisons} c on c.id = a.comparison_id
    join ${batches} b on b.id = a.batch_id
    join ${responses} chosen on chosen.id = c.chosen_response_id
    join ${responses} rejected on rejected.id = c.rejected_response_id
    left join ${responseRewardScores} chosen_score on chosen_score.response_id = c.chosen_response_id
    left join ${responseRewardScores} rejected_score on rejected_score.response_id = c.rejected_response_id
    where a.campaign_id = ${campaignId}
    group by 1, 2, 3, 4, 5
  `,
  );
}

export async function getAssistOverview(db: Db, rawInput: z.input<typeof CampaignIdInput>) {
  const { campaignId } = CampaignIdInput.parse(rawInput);
  await findCampaign(db, campaignId);
  const [judge, rewardModel, groups] = await Promise.all([
    progressOf(db, campaignId, "judge_job_id"),
    progressOf(db, campaignId, "reward_job_id"),
    assistedGroups(db, campaignId),
  ]);
  return {
    progress: { judge, rewardModel },
    statistics: assistStatistics(groups),
  };
}
