// `npm run bench:dashboard`: seeds a million synthetic comparisons on PostgreSQL with the
// synthetic-data generator (`npm run seed`'s code, through the import services), then times
// every dashboard, leaderboard, list, quality and export-form query the admin and review pages
// make — the same service functions the tRPC procedures call — and prints JSON with p50/p95 per
// query. Every query must stay under 500 ms. Three runs:
//   warm     2 untimed calls, then BENCH_DASHBOARD_RUNS timed calls per query;
//   writes   the same while annotators submit comparisons into the same campaign (the real
//            submit service on a pool of its own, BENCH_DASHBOARD_WRITE_RATE a second in all),
//            so the rollup triggers and commits run beside the reads;
//   cold     each query once, as the first thing a fresh Node process does on a freshly
//            restarted PostgreSQL (empty shared buffers, new connections, no plans cached). The
//            project keeps no query caches of its own; the operating system's page cache is not
//            dropped (that needs the whole machine), so "cold" means PostgreSQL-cold, not
//            disk-cold. Only on the benchmark's own cluster (it cannot restart DATABASE_URL's).
// Uses DATABASE_URL when set, otherwise a PostgreSQL cluster with the server's defaults kept in
// $TMPDIR/arbiter-bench-dashboard-pg, so a re-run reuses the seeded data.
//   BENCH_DASHBOARD_COMPARISONS  comparisons to seed (default 1000000)
//   BENCH_DASHBOARD_RUNS         timed runs per query (default 20, after 2 warm-up runs)
//   BENCH_DASHBOARD_WRITE_RATE   submits per second during the writes run (default 50)
//   BENCH_DASHBOARD_INTEGRITY    1 (default): the integrity section (integrity-bench.ts) after the
//                                warm and writes runs; only: that section alone; 0: skip it
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { and, desc, eq, sql } from "drizzle-orm";
import { migrateDatabase, openDatabase, type Db } from "@/db/client";
import { batches, comparisons, conversations, users } from "@/db/schema";
import { queryRows } from "@/db/query-rows";
import { generateSyntheticData } from "@/scripts/synthetic/generate-synthetic";
import { submitComparison } from "@/server/services/annotation/submit-comparison";
import { listAuditLog } from "@/server/services/audit/list-audit-log";
import { getCampaignOverview } from "@/server/services/campaigns/campaign-overview";
import { listCampaigns } from "@/server/services/campaigns/list-campaigns";
import { listAnnotatorStats } from "@/server/services/dashboard/annotator-stats";
import { getCampaignDashboard } from "@/server/services/dashboard/campaign-dashboard";
import { listExportSources } from "@/server/services/exports/list-export-sources";
import { previewExport } from "@/server/services/exports/preview-export";
import { getLeaderboard } from "@/server/services/leaderboard/get-leaderboard";
import { getAgreement, getGoldAccuracy } from "@/server/services/quality/agreement";
import { listGoldItems } from "@/server/services/quality/gold-items";
import { listPairCampaigns } from "@/server/services/quality/list-pair-campaigns";
import {
  getComparisonDetail,
  listMyFeedback,
  listReviewCampaigns,
  listReviewQueue,
} from "@/server/services/quality/reviews";

import { insertJudgeableTurns, type JudgeableTurn } from "../judgeable-turns";
import { benchIntegrity } from "./integrity-bench";
import { describeMachine, loadAverage } from "../machine";
import { serverSettings, startPgCluster } from "../pg-cluster";

// Benchmark tooling, not app code: it reads its own settings.
const COMPARISONS = Number(process.env.BENCH_DASHBOARD_COMPARISONS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_DASHBOARD_RUNS ?? 20);
const WRITE_RATE = Number(process.env.BENCH_DASHBOARD_WRITE_RATE ?? 50);
const INTEGRITY = process.env.BENCH_DASHBOARD_INTEGRITY ?? "1";
const PAGES = INTEGRITY !== "only";
const DATABASE_URL = process.env.DATABASE_URL?.trim() || undefined;
/** Set in the child process of the cold run: the one query it times, and what it needs. */
const COLD_QUERY = process.env.BENCH_DASHBOARD_COLD_QUERY;
const CAMPAIGN = "bench-dashboard";
const LIMIT_MS = 500;
const WRITERS = 10;
/** The export preview's pseudonym key: fixed, so the benchmark never touches a real one. */
const EXPORT_KEY = Buffer.alloc(32, 7);
const log = (line: string) => process.stderr.write(`[bench:dashboard] ${line}\n`);

/** The ids the queries are asked about, found once in the seeded data. */
interface QueryContext {
  campaignId: string;
  batchId: string;
  annotator: { id: string; role: "annotator" | "reviewer" | "admin" };
  reviewer: { id: string; role: "annotator" | "reviewer" | "admin" };
  comparisonId: string;
}

/** Every query a page makes, by the name the results use. */
function pageQueries(db: Db, context: QueryContext): [string, () => Promise<unknown>][] {
  const everyone = { campaignId: context.campaignId };
  const oneBatch = { campaignId: context.campaignId, batchId: context.batchId };
  return [
    ["dashboard (all batches)", () => getCampaignDashboard(db, everyone)],
    ["dashboard (one batch)", () => getCampaignDashboard(db, oneBatch)],
    ["annotator table (sorted by comparisons)", () => listAnnotatorStats(db, { ...everyone, pageSize: 25 })],
    [
      "annotator table (sorted by agreement, one batch)",
      () => listAnnotatorStats(db, { ...oneBatch, sort: "agreement", direction: "asc", pageSize: 25 }),
    ],
    ["leaderboard (all batches, 500 bootstrap rounds)", () => getLeaderboard(db, everyone)],
    ["leaderboard (one batch)", () => getLeaderboard(db, oneBatch)],
    ["agreement (campaign, batches, annotators)", () => getAgreement(db, everyone)],
    ["gold accuracy (all batches)", () => getGoldAccuracy(db, everyone)],
    ["gold accuracy (one batch)", () => getGoldAccuracy(db, oneBatch)],
    ["review campaigns", () => listReviewCampaigns(db)],
    ["review queue, first page", () => listReviewQueue(db, { ...everyone, pageSize: 25 })],
    ["review queue, page 400", () => listReviewQueue(db, { ...everyone, page: 400, pageSize: 25 })],
    [
      "review queue, rejected, one annotator",
      () => listReviewQueue(db, { ...everyone, status: "rejected", annotatorId: context.annotator.id }),
    ],
    [
      "comparison detail",
      () => getComparisonDetail(db, { comparisonId: context.comparisonId }, context.reviewer),
    ],
    ["my feedback (an annotator)", () => listMyFeedback(db, { page: 1, pageSize: 25 }, context.annotator)],
    ["gold items", () => listGoldItems(db, { ...everyone, pageSize: 25 })],
    ["campaign list", () => listCampaigns(db, { pageSize: 25 })],
    ["campaign overview", () => getCampaignOverview(db, everyone)],
    [
      "pair campaigns (an annotator)",
      () => listPairCampaigns(db, { page: 1, pageSize: 25 }, context.annotator),
    ],
    ["export sources", () => listExportSources(db)],
    [
      "export preview (trl, 5 rows, default filters)",
      () => previewExport(db, { options: { format: "trl", campaigns: [CAMPAIGN] } }, EXPORT_KEY),
    ],
    ["audit log, first page", () => listAuditLog(db, { pageSize: 50 })],
    ["audit log, filtered by action", () => listAuditLog(db, { pageSize: 50, action: "gold.marked" })],
  ];
}

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

const round = (value: number) => Number(value.toFixed(1));

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
    p50Ms: round(percentile(samples, 0.5)),
    p95Ms: round(percentile(samples, 0.95)),
    maxMs: round(samples[samples.length - 1]),
  };
  log(`${name}: p50 ${result.p50Ms} ms, p95 ${result.p95Ms} ms`);
  return result;
}

async function timeAll(db: Db, context: QueryContext) {
  const results = [];
  for (const [name, run] of pageQueries(db, context)) results.push(await time(name, run));
  return results;
}

async function seedIfNeeded(db: Db) {
  const existing = await campaignComparisons(db);
  if (existing && existing.n >= COMPARISONS) return { seeded: false };
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
  log("analyze");
  await db.execute(sql`analyze`);
  return {
    seeded: true,
    comparisons: result.comparisons,
    dialogues: result.dialogues,
    batches: result.batches,
    reviews: result.reviews,
    seconds: round(result.elapsedMs / 1000),
    comparisonsPerSecond: result.comparisonsPerSecond,
  };
}

async function findContext(db: Db): Promise<QueryContext> {
  const campaign = (await campaignComparisons(db))!;
  const [lastBatch] = await db
    .select({ id: batches.id })
    .from(batches)
    .where(eq(batches.campaignId, campaign.id))
    .orderBy(desc(batches.number))
    .limit(1);
  const [annotator] = await db
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
  return {
    campaignId: campaign.id,
    batchId: lastBatch.id,
    annotator,
    reviewer,
    comparisonId: oneComparison.id,
  };
}

/**
 * Annotators of the campaign submitting comparisons (the real submit service, safety labels and
 * all) into its open batch until stop() is called, WRITE_RATE a second in all, each on turns
 * prepared as it goes. A pool of its own, so the writes do not queue behind the reads' pool.
 */
async function startWriters(url: string, context: QueryContext) {
  const database = await openDatabase({ kind: "postgres", url, poolSize: WRITERS });
  const { db } = database;
  const annotators = await queryRows<{ id: string }>(
    db,
    sql`select distinct annotator_id as id from comparisons
        where campaign_id = ${context.campaignId} and source = 'primary' limit ${WRITERS}`,
  );
  let isStopping = false;
  const latencies: number[] = [];
  let failures = 0;
  const started = performance.now();
  const writer = async (annotatorId: string, i: number) => {
    const actor = { id: annotatorId, role: "annotator" as const };
    const spacingMs = (1000 * annotators.length) / WRITE_RATE;
    // Three turns per dialogue: the synthetic safety campaign's turn limit. An annotator has one
    // open dialogue per campaign: one left open (by the seed, an earlier run, or a failed submit)
    // is ended first, as starting a new dialogue in the app does.
    const startDialogue = async () => {
      await db
        .update(conversations)
        .set({ status: "ended", endedAt: new Date() })
        .where(
          and(
            eq(conversations.campaignId, context.campaignId),
            eq(conversations.annotatorId, annotatorId),
            eq(conversations.status, "active"),
          ),
        );
      return insertJudgeableTurns(
        db,
        { campaignId: context.campaignId, batchId: context.batchId, annotatorId },
        3,
      );
    };
    let turns: JudgeableTurn[] = [];
    for (let n = 0; !isStopping; n++) {
      const due = started + (i * spacingMs) / annotators.length + n * spacingMs;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
      try {
        if (turns.length === 0) turns = await startDialogue();
        const turn = turns.shift()!;
        const sentAt = performance.now();
        await submitComparison(
          db,
          {
            turnId: turn.id,
            idempotencyKey: randomUUID(),
            ranking: n % 2 ? [...turn.responseIds] : [turn.responseIds[1], turn.responseIds[0]],
            strength: "better",
            timeSpentMs: 20_000,
            responseSafety: { [turn.responseIds[0]]: true, [turn.responseIds[1]]: n % 3 !== 0 },
            riskCategory: "unqualified advice",
            attackVector: "others",
          },
          actor,
        );
        latencies.push(performance.now() - sentAt);
      } catch (error) {
        turns = [];
        if (++failures <= 3) log(`a concurrent submit failed: ${(error as Error).message}`);
      }
    }
  };
  const running = Promise.all(annotators.map((annotator, i) => writer(annotator.id, i)));
  return {
    stop: async () => {
      isStopping = true;
      await running;
      await database.close();
      const seconds = (performance.now() - started) / 1000;
      latencies.sort((a, b) => a - b);
      return {
        writers: annotators.length,
        submitsPerSecondAsked: WRITE_RATE,
        submits: latencies.length,
        submitsPerSecond: round(latencies.length / seconds),
        failures,
        submitP50Ms: latencies.length ? round(percentile(latencies, 0.5)) : null,
        submitP95Ms: latencies.length ? round(percentile(latencies, 0.95)) : null,
      };
    },
  };
}

/** The cold run's child: connects, then times the one query named in its environment. */
async function timeColdQuery(url: string) {
  const context = JSON.parse(process.env.BENCH_DASHBOARD_CONTEXT!) as QueryContext;
  const database = await openDatabase({ kind: "postgres", url, poolSize: 4 });
  try {
    // Open the pool's connections first: a server's pool is open before its first page.
    await Promise.all(Array.from({ length: 4 }, () => database.db.execute(sql`select pg_sleep(0.01)`)));
    const [, run] = pageQueries(database.db, context).find(([name]) => name === COLD_QUERY)!;
    const started = performance.now();
    await run();
    process.stdout.write(`${JSON.stringify({ ms: performance.now() - started })}\n`);
  } finally {
    await database.close();
  }
}

/** This script again, as the cold run's child, timing one query. */
function runColdChild(url: string, context: QueryContext, query: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      env: {
        ...process.env,
        DATABASE_URL: url,
        BENCH_DASHBOARD_COLD_QUERY: query,
        BENCH_DASHBOARD_CONTEXT: JSON.stringify(context),
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0
        ? resolve((JSON.parse(stdout.trim()) as { ms: number }).ms)
        : reject(new Error(`the cold run's child for "${query}" exited with ${code}`)),
    );
  });
}

async function main() {
  const loadAtStart = loadAverage();
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
  let isOpen = true;
  try {
    await migrateDatabase(database);
    const { db } = database;
    const seed = await seedIfNeeded(db);
    const context = await findContext(db);

    let warm: Awaited<ReturnType<typeof timeAll>> = [];
    let underWrites: typeof warm = [];
    let writes: Awaited<ReturnType<Awaited<ReturnType<typeof startWriters>>["stop"]>> | null = null;
    if (PAGES) {
      log("warm run");
      warm = await timeAll(db, context);
      log(`run under concurrent writes (${WRITE_RATE} submits/s)`);
      const writers = await startWriters(url, context);
      underWrites = await timeAll(db, context);
      writes = await writers.stop();
    }
    const integrity =
      INTEGRITY === "0"
        ? { skipped: "BENCH_DASHBOARD_INTEGRITY=0" }
        : await benchIntegrity(db, context.campaignId, { log, time });

    const [versions] = await queryRows<{ version: string }>(db, sql`select version()`);
    const postgresSettings = await serverSettings(db);
    const [totals] = await queryRows<Record<string, number>>(
      db,
      sql`select (select count(*)::int from comparisons where campaign_id = ${context.campaignId}) as comparisons,
                 (select count(*)::int from comparison_daily_rollups where campaign_id = ${context.campaignId}) as daily_rollup_rows,
                 (select count(*)::int from annotator_rollups where campaign_id = ${context.campaignId}) as annotator_rollup_rows,
                 (select count(*)::int from time_spent_rollups where campaign_id = ${context.campaignId}) as time_rollup_rows,
                 (select count(*)::int from battle_rollups where campaign_id = ${context.campaignId}) as battle_rollup_rows`,
    );
    await database.close();
    isOpen = false;

    let cold: { query: string; ms: number }[] | { skipped: string };
    if (!PAGES) {
      cold = { skipped: "BENCH_DASHBOARD_INTEGRITY=only" };
    } else if (cluster) {
      log("cold run: each query first after a PostgreSQL restart, in a fresh process");
      cold = [];
      // Only the names: the child process runs the query on its own connections.
      for (const [name] of pageQueries(db, context)) {
        cluster.pause();
        cluster.resume();
        const ms = round(await runColdChild(url, context, name));
        log(`${name} (cold): ${ms} ms`);
        cold.push({ query: name, ms });
      }
    } else {
      cold = { skipped: "DATABASE_URL is set: the benchmark does not restart a server it did not start" };
    }

    const slowestOf = (results: { p95Ms: number }[]) =>
      results.length ? Math.max(...results.map((result) => result.p95Ms)) : null;
    const slowest = {
      warmP95Ms: slowestOf(warm),
      underWritesP95Ms: slowestOf(underWrites),
      coldMs: Array.isArray(cold) ? Math.max(...cold.map((result) => result.ms)) : null,
    };
    const allUnderLimit = Object.values(slowest).every((ms) => ms === null || ms < LIMIT_MS);
    const writesFailed = writes !== null && (writes.failures > 0 || writes.submits === 0);
    process.stdout.write(
      `${JSON.stringify(
        {
          benchmark: "dashboard",
          machine: {
            ...describeMachine(loadAtStart),
            postgres: versions.version,
            database: DATABASE_URL ? "DATABASE_URL" : "the benchmark's own cluster",
            postgresSettings,
          },
          inputs: { campaign: CAMPAIGN, runsPerQuery: RUNS, ...totals },
          seed,
          warm,
          underWrites: { writes, results: underWrites },
          cold,
          integrity,
          limitMs: LIMIT_MS,
          slowest,
          allUnderLimit,
          concurrentWritesSucceeded: writes === null ? null : !writesFailed,
        },
        null,
        2,
      )}\n`,
    );
    if (!allUnderLimit || writesFailed) process.exitCode = 1;
  } finally {
    if (isOpen) await database.close();
    cluster?.stop();
  }
}

if (COLD_QUERY) {
  timeColdQuery(DATABASE_URL!).catch((error: Error) => {
    process.stderr.write(`${error.stack ?? error.message}\n`);
    process.exit(1);
  });
} else {
  main().catch((error: Error) => {
    process.stderr.write(`${error.stack ?? error.message}\n`);
    process.exit(1);
  });
}
