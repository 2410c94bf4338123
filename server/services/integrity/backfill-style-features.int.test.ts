// Responses keep their style features from the save on (the synthetic seed writes through the
// dialogue import); the integrity report's votes are the same whether the features are stored or
// computed from the texts of older rows; and the backfill job fills the older rows in batches.
import { eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, Db } from "@/db/client";
import { jobs, responses } from "@/db/schema";
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

  it("load as the same votes as features computed from the texts of rows without them", async () => {
    const ids = votedIds(stored);
    // Half the responses as before the column existed: a mix within votes too.
    await forgetFeatures(ids.filter((_, i) => i % 2 === 0));
    expect(await loadVotes(db, campaignId)).toEqual(stored);
  });

  it("are filled for older rows by the backfill job, queued once", async () => {
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
    const filled = votedIds(stored).length - 1;
    expect(done).toMatchObject({ status: "done", progressDone: filled, progressTotal: filled });

    const [{ missing }] = await queryRows<{ missing: number }>(
      db,
      sql`select count(*)::int as missing from responses where style_features is null and status = 'completed'`,
    );
    expect(missing).toBe(0);
    const [left] = await db
      .select({ styleFeatures: responses.styleFeatures })
      .from(responses)
      .where(eq(responses.id, generating.id));
    expect(left.styleFeatures).toBeNull();
    await db.update(responses).set({ status: "completed" }).where(eq(responses.id, generating.id));
    await backfillStyleFeatures(db);
    expect(await loadVotes(db, campaignId)).toEqual(stored);
    // Nothing is missing now, so a start queues nothing.
    expect(await queueStyleFeaturesBackfill(db)).toBe(false);
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
