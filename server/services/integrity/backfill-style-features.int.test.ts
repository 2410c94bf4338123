// Responses keep their style features from the save on (the synthetic seed writes through the
// dialogue import), and each comparison a copy of both sides' (comparison_sides); the integrity
// report's votes are the same whether the features are copied, stored on the response or
// computed from the texts of older rows; and the backfill job fills the older rows in batches.
import { eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, Db } from "@/db/client";
import { comparisonSides, comparisons, jobs, responses } from "@/db/schema";
import { queryRows } from "@/db/query-rows";
import { createTestDb } from "@/db/testing";
import { generateSyntheticData } from "@/scripts/synthetic/generate-synthetic";
import { serverJobKinds } from "../jobs/job-kinds";
import { claimJob, DEFAULT_JOB_TIMINGS, runClaimedJob } from "../jobs/job-worker";
import {
  BACKFILL_STYLE_FEATURES_KIND,
  backfillStyleFeatures,
  queueStyleFeaturesBackfill,
} from "./backfill-style-features";
import { loadVotes, type Vote } from "./load-votes";
import { styleFeatures } from "./stats/style-features";

let database: Database;
let db: Db;
let campaignId: string;
let stored: Vote[];

const votedIds = (votes: Vote[]) => [
  ...new Set(votes.flatMap((vote) => [vote.chosen.responseId, vote.rejected.responseId])),
];
const forgetFeatures = (ids: string[]) =>
  db.update(responses).set({ styleFeatures: null }).where(inArray(responses.id, ids));
/** Sides as saved before their responses' features were stored. */
const forgetCopies = async (comparisonIds: string[]) => {
  const reset = { chosenStyleFeatures: null, rejectedStyleFeatures: null };
  await db.update(comparisonSides).set(reset).where(inArray(comparisonSides.comparisonId, comparisonIds));
};

beforeAll(async () => {
  database = await createTestDb();
  db = database.db;
  ({ campaignId } = await generateSyntheticData(db, {
    comparisons: 120,
    campaignName: "Style features",
    annotators: 3,
    seed: 5,
  }));
  stored = await loadVotes(db, campaignId);
});
afterAll(async () => {
  await database?.close();
});

describe("stored style features", () => {
  it("are the features of each voted response's text, stored at import", async () => {
    const rows = await db
      .select({ id: responses.id, text: responses.text, styleFeatures: responses.styleFeatures })
      .from(responses)
      .where(inArray(responses.id, votedIds(stored)));
    expect(rows.length).toBeGreaterThan(100);
    const byId = new Map(rows.map((row) => [row.id, row]));
    for (const vote of stored)
      for (const side of [vote.chosen, vote.rejected]) {
        expect(byId.get(side.responseId)!.styleFeatures).toEqual(side.styleFeatures);
        expect(side.styleFeatures).toEqual(styleFeatures(byId.get(side.responseId)!.text));
      }
  });

  it("are copied to each comparison's sides with the variant and position", async () => {
    const sides = await queryRows<Record<string, unknown>>(
      db,
      sql`select s.*, rc.variant_name as chosen_variant_now, rc.position as chosen_position_now,
                 rc.style_features as chosen_style_features_now,
                 rr.variant_name as rejected_variant_now, rr.style_features as rejected_style_features_now
          from ${comparisons} c
          left join ${comparisonSides} s on s.comparison_id = c.id
          join ${responses} rc on rc.id = c.chosen_response_id
          join ${responses} rr on rr.id = c.rejected_response_id`,
    );
    expect(sides.length).toBeGreaterThanOrEqual(stored.length);
    for (const side of sides)
      for (const column of [
        "chosen_variant",
        "chosen_position",
        "chosen_style_features",
        "rejected_variant",
        "rejected_style_features",
      ]) {
        expect(side[column]).not.toBeNull();
        expect(side[column]).toEqual(side[`${column}_now`]);
      }
  });

  it("load as the same votes as features read from the responses or computed from their texts", async () => {
    const ids = votedIds(stored);
    // Half the comparisons saved before their responses' features were stored, and half the
    // responses as before the column existed: a mix within votes too.
    await forgetCopies(stored.filter((_, i) => i % 2 === 0).map((vote) => vote.comparisonId));
    await forgetFeatures(ids.filter((_, i) => i % 2 === 0));
    expect(await loadVotes(db, campaignId)).toEqual(stored);
  });

  it("are filled for older rows by the backfill job, queued once", async () => {
    await forgetCopies(stored.map((vote) => vote.comparisonId));
    await forgetFeatures(votedIds(stored));
    // A response still generating has no final text: the backfill leaves it alone.
    const [generating] = await db
      .update(responses)
      .set({ status: "streaming", styleFeatures: null })
      .where(eq(responses.id, stored[0].chosen.responseId))
      .returning({ id: responses.id });

    expect(await queueStyleFeaturesBackfill(db)).toBe(true);
    expect(await queueStyleFeaturesBackfill(db)).toBe(false);
    const queued = await db.select().from(jobs).where(eq(jobs.kind, BACKFILL_STYLE_FEATURES_KIND));
    expect(queued).toHaveLength(1);

    const job = await claimJob(db, {
      workerId: "worker",
      kinds: [BACKFILL_STYLE_FEATURES_KIND],
      leaseMs: DEFAULT_JOB_TIMINGS.leaseMs,
    });
    await runClaimedJob(db, serverJobKinds, job!, { workerId: "worker", timings: DEFAULT_JOB_TIMINGS });
    const [done] = await db.select().from(jobs).where(eq(jobs.id, queued[0].id));
    // Every response but the generating one, then every comparison's sides.
    const filled = votedIds(stored).length - 1 + stored.length;
    expect(done).toMatchObject({ status: "done", progressDone: filled, progressTotal: filled });

    const [{ missing, sidesMissing }] = await queryRows<{ missing: number; sidesMissing: number }>(
      db,
      sql`select (select count(*)::int from responses where style_features is null and status = 'completed') as missing,
                 (select count(*)::int from comparison_sides
                  where chosen_style_features is null or rejected_style_features is null) as "sidesMissing"`,
    );
    expect(missing).toBe(0);
    const comparingGenerating = stored.filter((vote) =>
      [vote.chosen.responseId, vote.rejected.responseId].includes(generating.id),
    );
    expect(sidesMissing).toBe(comparingGenerating.length);
    const [left] = await db
      .select({ styleFeatures: responses.styleFeatures })
      .from(responses)
      .where(eq(responses.id, generating.id));
    expect(left.styleFeatures).toBeNull();
    await db.update(responses).set({ status: "completed" }).where(eq(responses.id, generating.id));
    await backfillStyleFeatures(db);
    expect(await loadVotes(db, campaignId)).toEqual(stored);
    // Nothing is missing now, so a start queues nothing; a side without its copy alone queues one.
    expect(await queueStyleFeaturesBackfill(db)).toBe(false);
    await forgetCopies([stored[1].comparisonId]);
    expect(await queueStyleFeaturesBackfill(db)).toBe(true);
    expect(await backfillStyleFeatures(db)).toBe(1);
    expect(await loadVotes(db, campaignId)).toEqual(stored);
  });

  it("fills in batches of the given size, reporting progress after each", async () => {
    const ids = votedIds(stored).slice(0, 7);
    await forgetFeatures(ids);
    const progress: [number, number][] = [];
    const filled = await backfillStyleFeatures(db, {
      batchSize: 3,
      onProgress: async (done, total) => void progress.push([done, total]),
    });
    expect(filled).toBe(7);
    expect(progress).toEqual([
      [3, 7],
      [6, 7],
      [7, 7],
    ]);
    expect(await loadVotes(db, campaignId)).toEqual(stored);
  });
});
