// Fills responses.style_features for completed responses saved before the column existed (or by
// a path that does not compute it), in bounded batches, as a background job, then the copies of
// comparisons saved before then (comparison_sides): until then the integrity report reads those
// responses, and their texts, itself (load-votes.ts).
import { and, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { queryRows } from "@/db/query-rows";
import { jobs } from "@/db/schema";
import { defineJob } from "../jobs/define-job";
import { enqueueJob } from "../jobs/enqueue-job";
import { styleFeatures } from "./stats/style-features";

export const BACKFILL_STYLE_FEATURES_KIND = "backfill-style-features";

/** Matches the partial index responses_style_features_missing_idx, so finding them costs no scan. */
const missing = sql`style_features is null and status = 'completed'`;
/** Matches the partial index comparison_sides_style_missing_idx. */
const sideMissing = sql`(chosen_style_features is null or rejected_style_features is null)`;

export interface BackfillStyleFeaturesOptions {
  /** Responses per statement: bounds the memory and each statement's locks. */
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => Promise<void>;
}

/** Computes the style features of every completed response that has none, then copies them to
 * the comparisons' sides that lack them. Returns how many rows it filled (responses and sides). */
export async function backfillStyleFeatures(db: Db, options: BackfillStyleFeaturesOptions = {}) {
  const { batchSize = 1000, signal, onProgress = async () => {} } = options;
  const [{ responsesTotal, sidesTotal }] = await queryRows<{ responsesTotal: number; sidesTotal: number }>(
    db,
    sql`select (select count(*)::int from responses where ${missing}) as "responsesTotal",
               (select count(*)::int from comparison_sides where ${sideMissing}) as "sidesTotal"`,
  );
  const total = responsesTotal + sidesTotal;
  let done = 0;
  const filled = async (rows: number) => {
    done += rows;
    await onProgress(done, Math.max(total, done));
  };
  // In id order from where the last batch ended: a row this job could not fill is never read again.
  const firstId = "00000000-0000-0000-0000-000000000000";
  for (let after = firstId; ;) {
    signal?.throwIfAborted();
    const batch = await queryRows<{ id: string; text: string }>(
      db,
      sql`select id, text from responses where ${missing} and id > ${after}::uuid order by id limit ${batchSize}`,
    );
    if (batch.length === 0) break;
    // A response retried meanwhile is pending again (or completed with its features): left alone.
    await db.execute(
      sql`update responses r set style_features = v.features::integer[]
          from unnest(${sql.param(batch.map((row) => row.id))}::uuid[],
                      ${sql.param(batch.map((row) => `{${styleFeatures(row.text).join(",")}}`))}::text[])
               as v(id, features)
          where r.id = v.id and r.style_features is null and r.status = 'completed'`,
    );
    after = batch[batch.length - 1].id;
    await filled(batch.length);
  }
  for (let after = firstId; ;) {
    signal?.throwIfAborted();
    const batch = await queryRows<{ comparisonId: string }>(
      db,
      sql`select comparison_id as "comparisonId" from comparison_sides
          where ${sideMissing} and comparison_id > ${after}::uuid order by comparison_id limit ${batchSize}`,
    );
    if (batch.length === 0) break;
    // A side whose response still has none (it is being generated again) stays null.
    await db.execute(
      sql`update comparison_sides s
          set chosen_style_features = coalesce(s.chosen_style_features, rc.style_features),
              rejected_style_features = coalesce(s.rejected_style_features, rr.style_features)
          from comparisons c
          join responses rc on rc.id = c.chosen_response_id
          join responses rr on rr.id = c.rejected_response_id
          where c.id = s.comparison_id
            and s.comparison_id = any(${sql.param(batch.map((row) => row.comparisonId))}::uuid[])`,
    );
    after = batch[batch.length - 1].comparisonId;
    await filled(batch.length);
  }
  return done;
}

export const backfillStyleFeaturesJob = defineJob({
  kind: BACKFILL_STYLE_FEATURES_KIND,
  payload: z.object({}),
  maxAttempts: 5,
  async run(_payload, context) {
    await backfillStyleFeatures(context.db, {
      signal: context.signal,
      onProgress: (done, total) => context.progress(done, total),
    });
  },
});

/** At a server's start: queues the backfill when completed responses or comparisons' sides lack
 * their style features and no backfill is queued or running. Returns whether it queued one. */
export async function queueStyleFeaturesBackfill(db: Db): Promise<boolean> {
  const [needed] = await queryRows<{ id: string }>(
    db,
    sql`select id from responses where ${missing}
        union all (select comparison_id from comparison_sides where ${sideMissing} limit 1)
        limit 1`,
  );
  if (!needed) return false;
  const [pending] = await db
    .select({ id: jobs.id })
    .from(jobs)
    .where(and(eq(jobs.kind, BACKFILL_STYLE_FEATURES_KIND), inArray(jobs.status, ["queued", "running"])))
    .limit(1);
  if (pending) return false;
  await enqueueJob(db, backfillStyleFeaturesJob, {});
  return true;
}
