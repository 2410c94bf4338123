// `npm run bench:export`: a million synthetic comparisons on PostgreSQL, exported as `trl` JSON
// lines by the real CLI in a child process (time, rows/s, its peak RSS), and a plain
// `COPY (SELECT …) TO STDOUT` of the same comparisons with their texts in the same run, for the
// ratio. Prints JSON. Uses DATABASE_URL when set, otherwise a throw-away PostgreSQL cluster kept
// in $TMPDIR/arbiter-bench-export-pg so a re-run reuses the seeded data.
//   BENCH_EXPORT_COMPARISONS  comparisons to seed (default 1000000)
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
import { serverSettings, startPgCluster } from "../pg-cluster";

// Benchmark tooling, not app code: it reads its own settings.
const COMPARISONS = Number(process.env.BENCH_EXPORT_COMPARISONS ?? 1_000_000);
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

/** The same comparisons with the texts a trl row carries, straight out of PostgreSQL. */
async function copyBaseline(client: pg.Client, campaignId: string) {
  const query = `COPY (
    SELECT c.id, c.created_at, t.user_message, chosen.text, rejected.text, c.strength, c.ranking
    FROM comparisons c
    JOIN turns t ON t.id = c.turn_id
    JOIN responses chosen ON chosen.id = c.chosen_response_id
    JOIN responses rejected ON rejected.id = c.rejected_response_id
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

async function main() {
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
    log("exporting trl JSON lines with the CLI");
    const loadAtStart = Number(os.loadavg()[0].toFixed(2));
    const exported = await runCli(url, out);
    fs.rmSync(folder, { recursive: true, force: true });
    log("COPY (SELECT …) TO STDOUT of the same comparisons");
    const copy = await copyBaseline(client, seed.campaignId);
    await client.end();

    const result = {
      benchmark: "export",
      machine: {
        cpu: os.cpus()[0]?.model ?? "unknown",
        cores: os.cpus().length,
        /** Other work on the machine when the export started (1-minute load average). */
        loadAverageAtStart: loadAtStart,
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
        postgres: versionRows[0].server_version,
        postgresSettings,
      },
      input: {
        comparisons: seed.comparisons,
        format: "trl",
        output: "jsonl",
        seededNow: seed.seeded,
        seedSeconds: seed.seconds,
      },
      export: {
        seconds: exported.seconds,
        processWallSeconds: exported.wallSeconds,
        comparisons: exported.comparisons,
        rows: exported.rows,
        comparisonsPerSecond: Math.round(exported.comparisonsPerSecond),
        rowsPerSecond: Math.round(exported.rowsPerSecond),
        bytes: exported.files.reduce((sum, file) => sum + file.bytes, 0),
        peakRssMiB: Math.round(exported.peakRssBytes / 2 ** 20),
        /** CPU time of the exporting process (PostgreSQL's is not included). */
        processCpuSeconds: Number(exported.cpuSeconds.toFixed(1)),
      },
      copy: {
        seconds: copy.seconds,
        rows: copy.rows,
        rowsPerSecond: Math.round(copy.rowsPerSecond),
        bytes: copy.bytes,
      },
      /** Export comparisons/s over COPY comparisons/s: 1 would be as fast as PostgreSQL dumping the texts. */
      ratioToCopy: Number((exported.comparisonsPerSecond / copy.rowsPerSecond).toFixed(3)),
      targets: {
        under60Seconds: exported.seconds < 60,
        peakRssUnder300MiB: exported.peakRssBytes < 300 * 2 ** 20,
      },
    };
    process.stdout.write(JSON.stringify(result, null, 2) + "\n");
  } finally {
    cluster?.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
