// Places a campaign's opening prompts in their near-duplicate clusters again, in the order their
// dialogues were created (flag-near-duplicates.ts): after an admin changes the campaign's
// threshold (updateCampaign queues it in the same transaction), and for prompts saved before
// signatures existed (queued when a server starts). A job on the queue (server/services/jobs)
// with its progress; resumable, because every prompt it places is stored with the threshold it
// was placed at, and a retry starts from the first one that is not.
import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { queryRows } from "@/db/query-rows";
import { campaigns, promptSignatures } from "@/db/schema";
import { findCampaign } from "../campaigns/campaign-access";
import { defineJob } from "../jobs/define-job";
import { enqueueJob } from "../jobs/enqueue-job";
import {
  flagNearDuplicatePrompts,
  isReclusteringPending,
  RECLUSTER_PROMPTS_KIND,
} from "./flag-near-duplicates";

/** A prompt not placed at the campaign's threshold: unsigned, or found at another threshold. */
const isUnplaced = sql`(p.clustered_at_threshold = k.near_duplicate_threshold) is not true`;
/** Opening prompts with their placements, of the campaign `k` the query names. */
const placements = sql`conversations c
  join turns t on t.conversation_id = c.id and t.index = 0
  left join prompt_signatures p on p.turn_id = t.id`;
const openingPrompts = sql`${placements} join campaigns k on k.id = c.campaign_id`;

interface Cursor {
  createdAt: string;
  conversationId: string;
}

/** The next unplaced opening prompts after `after`, in dialogue order (the campaign index). */
function unplacedPrompts(db: Db, campaignId: string, after: Cursor | null, limit: number) {
  return queryRows<Cursor & { turnId: string; prompt: string }>(
    db,
    sql`select c.id as "conversationId", c.created_at::text as "createdAt", t.id as "turnId",
          t.user_message as prompt
        from ${openingPrompts}
        where c.campaign_id = ${campaignId} and ${isUnplaced}
          ${after ? sql`and (c.created_at, c.id) > (${after.createdAt}::timestamptz, ${after.conversationId}::uuid)` : sql``}
        order by c.created_at, c.id
        limit ${limit}`,
  );
}

/** Marks as placed the campaigns (all, or the one given) not marked yet whose opening prompts are
 * all placed. One statement: a prompt stored unplaced meanwhile either is seen here or clears
 * the mark again after it (flagNearDuplicatePrompts). */
async function markPromptsPlaced(db: Db, campaignId?: string) {
  await db.execute(
    sql`update campaigns k set prompts_placed = true
        where not k.prompts_placed ${campaignId ? sql`and k.id = ${campaignId}` : sql``}
          and not exists (select 1 from ${placements} where c.campaign_id = k.id and ${isUnplaced})`,
  );
}

async function unplaceAll(db: Db, campaignId: string) {
  await db
    .update(promptSignatures)
    .set({ clusteredAtThreshold: null })
    .where(eq(promptSignatures.campaignId, campaignId));
}

export interface ReclusterOptions {
  /** Prompts per transaction. */
  chunkSize?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => Promise<void>;
}

/** Places every unplaced opening prompt of the campaign in dialogue order. The placed prompts
 * are always the first ones in that order, so each finds its earlier candidates placed; should a
 * pass end with prompts still unplaced (the threshold changed during it), the next pass unplaces
 * every prompt and starts over, keeping that so. */
export async function reclusterCampaignPrompts(db: Db, campaignId: string, options: ReclusterOptions = {}) {
  const { chunkSize = 500, signal, onProgress = async () => {} } = options;
  for (let pass = 0; ; pass++) {
    const [{ total, placed }] = await queryRows<{ total: number; placed: number }>(
      db,
      sql`select count(*)::int as total, (count(*) filter (where not ${isUnplaced}))::int as placed
          from ${openingPrompts} where c.campaign_id = ${campaignId}`,
    );
    if (placed === total) {
      await markPromptsPlaced(db, campaignId);
      return { total };
    }
    if (pass > 0) await unplaceAll(db, campaignId);
    let done = pass > 0 ? 0 : placed;
    await onProgress(done, total);
    let after: Cursor | null = null;
    for (;;) {
      signal?.throwIfAborted();
      const chunk = await db.transaction(async (tx) => {
        // updateCampaign holds the row for update: the threshold stays put under the chunk.
        const [campaign] = await tx
          .select({ id: campaigns.id, nearDuplicateThreshold: campaigns.nearDuplicateThreshold })
          .from(campaigns)
          .where(eq(campaigns.id, campaignId))
          .for("share");
        if (!campaign) return [];
        const prompts = await unplacedPrompts(tx, campaignId, after, chunkSize);
        await flagNearDuplicatePrompts(tx, campaign, prompts, { isReclustering: true });
        return prompts;
      });
      if (chunk.length === 0) break;
      after = chunk[chunk.length - 1];
      done += chunk.length;
      await onProgress(Math.min(done, total), total);
    }
  }
}

export const reclusterPromptsJob = defineJob({
  kind: RECLUSTER_PROMPTS_KIND,
  payload: z.object({ campaignId: z.uuid() }),
  maxAttempts: 5,
  async run({ campaignId }, context) {
    await reclusterCampaignPrompts(context.db, campaignId, {
      signal: context.signal,
      onProgress: (done, total) => context.progress(done, total),
    });
  },
});

/** Queues the job unless one is pending. `replaceAll` unplaces every stored prompt first, so
 * that older prompts being signed take their places before the later ones. Call it in the
 * transaction that holds the campaign row for update. */
export async function requestPromptReclustering(
  db: Db,
  campaignId: string,
  options: { replaceAll?: boolean } = {},
) {
  if (options.replaceAll) await unplaceAll(db, campaignId);
  await db.update(campaigns).set({ promptsPlaced: false }).where(eq(campaigns.id, campaignId));
  if (!(await isReclusteringPending(db, campaignId))) {
    await enqueueJob(db, reclusterPromptsJob, { campaignId });
  }
}

/** At a server's start: queues the job for every campaign with unplaced opening prompts (saved
 * before signatures existed, or left by a job that gave up). Returns the campaigns queued. Only
 * campaigns not marked as placed are looked at, so a start reads no prompts once all are. */
export async function queueUnplacedPrompts(db: Db): Promise<string[]> {
  await markPromptsPlaced(db);
  const found = await queryRows<{ campaignId: string; hasUnsigned: boolean }>(
    db,
    sql`select c.campaign_id as "campaignId", bool_or(p.turn_id is null) as "hasUnsigned"
        from ${openingPrompts} where not k.prompts_placed and ${isUnplaced} group by c.campaign_id`,
  );
  const queued: string[] = [];
  for (const { campaignId, hasUnsigned } of found) {
    await db.transaction(async (tx) => {
      await findCampaign(tx, campaignId, { lock: true });
      if (await isReclusteringPending(tx, campaignId)) return;
      await requestPromptReclustering(tx, campaignId, { replaceAll: hasUnsigned });
      queued.push(campaignId);
    });
  }
  return queued;
}
