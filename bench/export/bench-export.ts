// `npm run bench:export`: a million synthetic comparisons on PostgreSQL, exported as `trl` JSON
// lines by the real CLI in a child process (time, rows/s, its peak RSS), against a plain
// `COPY (SELECT …) TO STDOUT` of the same rows: every pair of every ranking with the texts a trl
// row carries, its dialogue's history included (earlier turns' prompts and chosen responses, as
// the export builds it). After one untimed COPY to warm the cache, the two alternate over several
// rounds (export first in odd rounds, COPY first in even ones); both must give the same number of
// rows. Prints JSON. Uses DATABASE_URL when set, otherwise a PostgreSQL cluster with the server's
// defaults kept in $TMPDIR/arbiter-bench-export-pg so a re-run reuses the seeded data.
//   BENCH_EXPORT_COMPARISONS  comparisons to seed (default 1000000)
//   BENCH_EXPORT_ROUNDS       rounds of export + COPY (default 3)
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { Writable } from "node:stream";
import pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { migrateDatabase, openDatabase } from "@/db/client";
import { BULK_HISTORY_CAMPAIGN, writeBulkHistory } from "@/scripts/synthetic/bulk-history";
import { describeMachine, loadAverage } from "../machine";
import { serverSettings, startPgCluster } from "../pg-cluster";

// Benchmark tooling, not app code: it reads its own settings.
const COMPARISONS = Number(process.env.BENCH_EXPORT_COMPARISONS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_EXPORT_ROUNDS ?? 3);
const log = (line: string) => process.stderr.write(`[bench:export] ${line}\n`);

interface CliSummary {
  rows: number;
  comparisons: number;
  seconds: number;
  rowsPerSecond: number;
  comparisonsPerSecond: number;
  peakRssBytes: number;
  cpuSeconds: number;
  files: { name: string; bytes: number; sha256: string }[];
}

/** `npm run export` in a child process, exactly as a person runs it; it reports its own peak RSS. */
function runCli(url: string, out: string): Promise<CliSummary & { wallSeconds: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(
      "npm",
      [
        "run",
        "--silent",
        "export",
        "--",
        "--campaign",
        BULK_HISTORY_CAMPAIGN,
        "--format",
        "trl",
        "--out",
        out,
        "--json",
        "--force",
      ],
      {
        // A fixed pseudonym key, so the benchmark never creates a session secret in ./data.
        env: {
          ...process.env,
          DATABASE_URL: url,
          ARBITER_EXPORT_KEY: "arbiter benchmark pseudonym key, not a secret",
        },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`the export CLI exited with ${code}`));
      resolve({
        ...(JSON.parse(stdout.trim().split("\n").at(-1)!) as CliSummary),
        wallSeconds: (Date.now() - started) / 1000,
      });
    });
  });
}

/** The rows a trl export gives, straight out of PostgreSQL: one per pair (better, worse) of each
 * comparison's ranking, with the prompt, its dialogue's earlier turns (prompt and chosen
 * response, as the export's history) and both texts. */
async function copyBaseline(client: pg.Client, campaignId: string) {
  const query = `COPY (
    SELECT c.id, c.created_at,
      (SELECT json_agg(json_build_array(earlier.user_message, answer.text) ORDER BY earlier.index)
         FROM turns earlier LEFT JOIN responses answer ON answer.id = earlier.chosen_response_id
        WHERE earlier.conversation_id = c.conversation_id AND earlier.index < t.index) AS history,
      t.user_message, better.text, worse.text, c.strength
    FROM comparisons c
    JOIN turns t ON t.id = c.turn_id
    CROSS JOIN LATERAL (
      SELECT a.id AS better_id, b.id AS worse_id
      FROM jsonb_array_elements_text(c.ranking) WITH ORDINALITY AS a(id, position)
      JOIN jsonb_array_elements_text(c.ranking) WITH ORDINALITY AS b(id, position) ON a.position < b.position
    ) pair
    JOIN responses better ON better.id = pair.better_id::uuid
    JOIN responses worse ON worse.id = pair.worse_id::uuid
    WHERE c.campaign_id = '${campaignId}'
    ORDER BY c.created_at, c.id
  ) TO STDOUT`;
  let bytes = 0;
  let rows = 0;
  const started = Date.now();
  await pipeline(
    client.query(copyTo(query)),
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        for (const byte of chunk) if (byte === 10) rows++;
        done();
      },
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  return { rows, bytes, seconds, rowsPerSecond: rows / seconds };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];

async function main() {
  const loadAtStart = loadAverage();
  const cluster = process.env.DATABASE_URL
    ? null
    : await startPgCluster({
        name: "bench-export",
        keep: true,
        settings: ["shared_buffers=512MB", "max_wal_size=4GB"],
        log,
      });
  const url = process.env.DATABASE_URL ?? cluster!.url;
  try {
    const database = await openDatabase({ kind: "postgres", url, poolSize: 2 });
    await migrateDatabase(database);
    const seed = await writeBulkHistory(database.db, COMPARISONS, log);
    const postgresSettings = await serverSettings(database.db);
    await database.close();

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    log(
      seed.seeded
        ? `seeded in ${seed.seconds.toFixed(1)} s`
        : `reusing ${seed.comparisons} seeded comparisons`,
    );
    const { rows: versionRows } = await client.query<{ server_version: string }>("show server_version");

    const folder = fs.mkdtempSync(path.join(os.tmpdir(), "arbiter-bench-export-"));
    const out = path.join(folder, "bench.jsonl");
    log("warming the cache: one untimed COPY of the same rows");
    await copyBaseline(client, seed.campaignId);
    const exports: (CliSummary & { wallSeconds: number; loadAverage: number })[] = [];
    const copies: (Awaited<ReturnType<typeof copyBaseline>> & { loadAverage: number })[] = [];
    const runExport = async () => {
      log(`round ${exports.length + 1}: exporting trl JSON lines with the CLI`);
      const loadAtRun = loadAverage()[0];
      exports.push({ ...(await runCli(url, out)), loadAverage: loadAtRun });
    };
    const runCopy = async () => {
      log(`round ${copies.length + 1}: COPY (SELECT …) TO STDOUT of the same rows`);
      const loadAtRun = loadAverage()[0];
      copies.push({ ...(await copyBaseline(client, seed.campaignId)), loadAverage: loadAtRun });
    };
    for (let round = 0; round < ROUNDS; round++) {
      // Alternating which goes first, so neither always runs on the cache the other left.
      if (round % 2 === 0) {
        await runExport();
        await runCopy();
      } else {
        await runCopy();
        await runExport();
      }
    }
    fs.rmSync(folder, { recursive: true, force: true });
    await client.end();

    const exportSeconds = median(exports.map((run) => run.seconds));
    const copySeconds = median(copies.map((run) => run.seconds));
    const rowCounts = [...exports.map((run) => run.rows), ...copies.map((run) => run.rows)];
    const checks = {
      /** Every export and every COPY gave the same number of rows. */
      sameRowCount: rowCounts.every((rows) => rows === rowCounts[0]),
      /** Every export read every seeded comparison. */
      everyComparisonExported: exports.every((run) => run.comparisons === seed.comparisons),
      /** The same bytes from every export. */
      sameOutput: exports.every((run) => run.files[0]?.sha256 === exports[0].files[0]?.sha256),
    };
    const result = {
      benchmark: "export",
      machine: { ...describeMachine(loadAtStart), postgres: versionRows[0].server_version, postgresSettings },
      input: {
        comparisons: seed.comparisons,
        format: "trl",
        output: "jsonl",
        rounds: ROUNDS,
        seededNow: seed.seeded,
        seedSeconds: seed.seconds,
      },
      /** Medians over the rounds; each round's figures below. */
      export: {
        seconds: exportSeconds,
        comparisons: exports[0].comparisons,
        rows: exports[0].rows,
        comparisonsPerSecond: Math.round(exports[0].comparisons / exportSeconds),
        rowsPerSecond: Math.round(exports[0].rows / exportSeconds),
        bytes: exports[0].files.reduce((sum, file) => sum + file.bytes, 0),
        sha256: exports[0].files[0]?.sha256,
        /** Largest over the rounds. */
        peakRssMiB: Math.round(Math.max(...exports.map((run) => run.peakRssBytes)) / 2 ** 20),
        /** CPU time of the exporting process (PostgreSQL's is not included). */
        processCpuSeconds: Number(median(exports.map((run) => run.cpuSeconds)).toFixed(1)),
      },
      copy: {
        seconds: copySeconds,
        rows: copies[0].rows,
        rowsPerSecond: Math.round(copies[0].rows / copySeconds),
        bytes: copies[0].bytes,
      },
      /** COPY's time over the export's for the same rows: 1 would be as fast as PostgreSQL dumping them. */
      ratioToCopy: Number((copySeconds / exportSeconds).toFixed(3)),
      rounds: exports.map((run, i) => ({
        exportSeconds: run.seconds,
        exportProcessWallSeconds: run.wallSeconds,
        exportCpuSeconds: Number(run.cpuSeconds.toFixed(1)),
        exportPeakRssMiB: Math.round(run.peakRssBytes / 2 ** 20),
        exportLoadAverage: run.loadAverage,
        copySeconds: copies[i].seconds,
        copyLoadAverage: copies[i].loadAverage,
      })),
      checks,
      targets: {
        under60Seconds: exportSeconds < 60,
        peakRssUnder300MiB: Math.max(...exports.map((run) => run.peakRssBytes)) < 300 * 2 ** 20,
      },
    };
    process.stdout.write(JSON.stringify(result, null, 2) + "\n");
    if (!Object.values(checks).every(Boolean)) process.exitCode = 1;
  } finally {
    cluster?.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
