// `npm run bench:dashboard`: seeds a million synthetic comparisons on PostgreSQL with the
// synthetic-data generator (`npm run seed`'s code, through the import services), then times
// every dashboard, leaderboard and list query the admin and review pages make — the same
// service functions the tRPC procedures call — and prints JSON with p50/p95 per query. Every
// query must stay under 500 ms. Uses DATABASE_URL when set, otherwise a throw-away PostgreSQL
// cluster kept in $TMPDIR/arbiter-bench-dashboard-pg, so a re-run reuses the seeded data.
//   BENCH_DASHBOARD_COMPARISONS  comparisons to seed (default 1000000)
//   BENCH_DASHBOARD_RUNS         timed runs per query (default 20, after 2 warm-up runs)
import os from "node:os";
import { and, desc, eq, sql } from "drizzle-orm";
import { migrateDatabase, openDatabase, type Db } from "@/db/client";
import { batches, comparisons, users } from "@/db/schema";
import { listAuditLog } from "@/server/services/audit/list-audit-log";
import { getCampaignOverview } from "@/server/services/campaigns/campaign-overview";
import { listCampaigns } from "@/server/services/campaigns/list-campaigns";
import { listAnnotatorStats } from "@/server/services/dashboard/annotator-stats";
import { getCampaignDashboard } from "@/server/services/dashboard/campaign-dashboard";
import { getLeaderboard } from "@/server/services/leaderboard/get-leaderboard";
import { getAgreement } from "@/server/services/quality/agreement";
import { listGoldItems } from "@/server/services/quality/gold-items";
import { listPairCampaigns } from "@/server/services/quality/list-pair-campaigns";
import { getComparisonDetail, listMyFeedback, listReviewQueue } from "@/server/services/quality/reviews";
import { queryRows } from "@/db/query-rows";
import { generateSyntheticData } from "@/scripts/synthetic/generate-synthetic";

import { serverSettings, startPgCluster } from "../pg-cluster";

// Benchmark tooling, not app code: it reads its own settings.
const COMPARISONS = Number(process.env.BENCH_DASHBOARD_COMPARISONS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_DASHBOARD_RUNS ?? 20);
const DATABASE_URL = process.env.DATABASE_URL?.trim() || undefined;
const CAMPAIGN = "bench-dashboard";
const LIMIT_MS = 500;
const log = (line: string) => process.stderr.write(`[bench:dashboard] ${line}\n`);

async function campaignComparisons(db: Db) {
  const [row] = await queryRows<{ id: string; n: number }>(
    db,
    sql`select c.id, (select count(*)::int from comparisons where campaign_id = c.id) as n
        from campaigns c where c.name = ${CAMPAIGN}`,
  );
  return row ?? null;
}

function percentile(sorted: number[], q: number) {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

async function time(name: string, run: () => Promise<unknown>) {
  for (let i = 0; i < 2; i++) await run();
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  const result = {
    query: name,
    p50Ms: Number(percentile(samples, 0.5).toFixed(1)),
    p95Ms: Number(percentile(samples, 0.95).toFixed(1)),
    maxMs: Number(samples[samples.length - 1].toFixed(1)),
  };
  log(`${name}: p50 ${result.p50Ms} ms, p95 ${result.p95Ms} ms`);
  return result;
}

async function main() {
  const cluster = DATABASE_URL
    ? null
    : await startPgCluster({
        name: "bench-dashboard",
        keep: true,
        settings: ["shared_buffers=512MB", "max_wal_size=4GB"],
        log,
      });
  const url = DATABASE_URL ?? cluster!.url;
  const database = await openDatabase({ kind: "postgres", url, poolSize: 4 });
  try {
    await migrateDatabase(database);
    const { db } = database;
    let seed: Record<string, unknown> = { seeded: false };
    const existing = await campaignComparisons(db);
    if (!existing || existing.n < COMPARISONS) {
      const missing = COMPARISONS - (existing?.n ?? 0);
      log(`seeding ${missing.toLocaleString("en-US")} comparisons with the synthetic-data generator`);
      let lastLog = 0;
      const result = await generateSyntheticData(db, {
        comparisons: missing,
        campaignName: CAMPAIGN,
        kind: "safety",
        annotators: 40,
        seed: 7,
        onProgress: ({ written, total, elapsedMs }) => {
          if (elapsedMs - lastLog < 30_000 && written < total) return;
          lastLog = elapsedMs;
          log(
            `  ${written.toLocaleString("en-US")} / ${total.toLocaleString("en-US")} (${Math.round(written / (elapsedMs / 1000))}/s)`,
          );
        },
      });
      seed = {
        seeded: true,
        comparisons: result.comparisons,
        dialogues: result.dialogues,
        batches: result.batches,
        reviews: result.reviews,
        seconds: Number((result.elapsedMs / 1000).toFixed(1)),
        comparisonsPerSecond: result.comparisonsPerSecond,
      };
      log("analyze");
      await db.execute(sql`analyze`);
    }
    const campaign = (await campaignComparisons(db))!;
    const [lastBatch] = await db
      .select({ id: batches.id })
      .from(batches)
      .where(eq(batches.campaignId, campaign.id))
      .orderBy(desc(batches.number))
      .limit(1);
    const [someone] = await db
      .select({ id: comparisons.annotatorId, role: users.role })
      .from(comparisons)
      .innerJoin(users, eq(users.id, comparisons.annotatorId))
      .where(and(eq(comparisons.campaignId, campaign.id), eq(comparisons.source, "primary")))
      .limit(1);
    const [reviewer] = await db
      .select({ id: users.id, role: users.role })
      .from(users)
      .where(eq(users.role, "reviewer"))
      .limit(1);
    const [oneComparison] = await db
      .select({ id: comparisons.id })
      .from(comparisons)
      .where(eq(comparisons.campaignId, campaign.id))
      .orderBy(desc(comparisons.createdAt))
      .limit(1);
    const everyone = { campaignId: campaign.id };
    const oneBatch = { campaignId: campaign.id, batchId: lastBatch.id };

    const results = [
      await time("dashboard (all batches)", () => getCampaignDashboard(db, everyone)),
      await time("dashboard (one batch)", () => getCampaignDashboard(db, oneBatch)),
      await time("annotator table (sorted by comparisons)", () =>
        listAnnotatorStats(db, { ...everyone, pageSize: 25 }),
      ),
      await time("annotator table (sorted by agreement, one batch)", () =>
        listAnnotatorStats(db, { ...oneBatch, sort: "agreement", direction: "asc", pageSize: 25 }),
      ),
      await time("leaderboard (all batches, 500 bootstrap rounds)", () => getLeaderboard(db, everyone)),
      await time("leaderboard (one batch)", () => getLeaderboard(db, oneBatch)),
      await time("agreement (campaign, batches, annotators)", () => getAgreement(db, everyone)),
      await time("review queue, first page", () => listReviewQueue(db, { ...everyone, pageSize: 25 })),
      await time("review queue, page 400", () =>
        listReviewQueue(db, { ...everyone, page: 400, pageSize: 25 }),
      ),
      await time("review queue, rejected, one annotator", () =>
        listReviewQueue(db, { ...everyone, status: "rejected", annotatorId: someone.id }),
      ),
      await time("comparison detail", () =>
        getComparisonDetail(db, { comparisonId: oneComparison.id }, reviewer),
      ),
      await time("my feedback (an annotator)", () => listMyFeedback(db, { page: 1, pageSize: 25 }, someone)),
      await time("gold items", () => listGoldItems(db, { ...everyone, pageSize: 25 })),
      await time("campaign list", () => listCampaigns(db, { pageSize: 25 })),
      await time("campaign overview", () => getCampaignOverview(db, everyone)),
      await time("pair campaigns (an annotator)", () =>
        listPairCampaigns(db, { page: 1, pageSize: 25 }, someone),
      ),
      await time("audit log, first page", () => listAuditLog(db, { pageSize: 50 })),
      await time("audit log, filtered by action", () =>
        listAuditLog(db, { pageSize: 50, action: "gold.marked" }),
      ),
    ];
    const [versions] = await queryRows<{ version: string }>(db, sql`select version()`);
    const [totals] = await queryRows<Record<string, number>>(
      db,
      sql`select (select count(*)::int from comparisons where campaign_id = ${campaign.id}) as comparisons,
                 (select count(*)::int from comparison_daily_rollups where campaign_id = ${campaign.id}) as daily_rollup_rows,
                 (select count(*)::int from annotator_rollups where campaign_id = ${campaign.id}) as annotator_rollup_rows,
                 (select count(*)::int from time_spent_rollups where campaign_id = ${campaign.id}) as time_rollup_rows,
                 (select count(*)::int from battle_rollups where campaign_id = ${campaign.id}) as battle_rollup_rows`,
    );
    const slowest = Math.max(...results.map((result) => result.p95Ms));
    process.stdout.write(
      `${JSON.stringify(
        {
          benchmark: "dashboard",
          machine: {
            cpus: os.cpus().length,
            cpuModel: os.cpus()[0]?.model,
            memoryGiB: Math.round(os.totalmem() / 2 ** 30),
            node: process.version,
            postgres: versions.version,
            database: DATABASE_URL ? "DATABASE_URL" : "the benchmark's own cluster",
            postgresSettings: await serverSettings(db),
          },
          inputs: { campaign: CAMPAIGN, comparisons: totals.comparisons, runsPerQuery: RUNS, ...totals },
          seed,
          results,
          limitMs: LIMIT_MS,
          slowestP95Ms: slowest,
          allUnderLimit: slowest < LIMIT_MS,
        },
        null,
        2,
      )}\n`,
    );
    if (slowest >= LIMIT_MS) process.exitCode = 1;
  } finally {
    await database.close();
    cluster?.stop();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
