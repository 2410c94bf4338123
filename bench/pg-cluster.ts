// A PostgreSQL cluster of the benchmark's own, started as .ci/run starts one (initdb and pg_ctl,
// as the postgres user when running as root). `keep`: the data directory stays for re-runs
// (seeded benchmarks) and stop() only stops the server; otherwise it is a fresh directory that
// stop() removes, also when the process exits early. The server runs with PostgreSQL's defaults
// (fsync and synchronous commit on: a commit waits for the disk, as in production) plus the
// settings a benchmark names, and every benchmark reports the settings it ran under
// (serverSettings), read back from the server.
import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import { sql } from "drizzle-orm";

import type { Db } from "@/db/client";
import { queryRows } from "@/db/query-rows";
import { freePort } from "@/server/free-port";

export interface PgCluster {
  url: string;
  stop(): void;
  /** Stops the server and leaves it stopped (`pg_ctl stop -m fast`), for outage tests. */
  pause(): void;
  /** Starts it again on the same port and data. */
  resume(): void;
  /** `pg_ctl restart -m fast`, as an operator restarts it: every connection is cut; resolves once
   * the server is back. Asynchronous, so that requests can be in flight meanwhile. */
  restart(): Promise<void>;
}

const binary = (name: string) => (fs.existsSync(`/usr/local/bin/${name}`) ? `/usr/local/bin/${name}` : name);

export async function startPgCluster(options: {
  name: string;
  keep: boolean;
  settings: string[];
  log: (line: string) => void;
}): Promise<PgCluster> {
  const root = options.keep
    ? path.join(os.tmpdir(), `arbiter-${options.name}-pg`)
    : fs.mkdtempSync(path.join(os.tmpdir(), `arbiter-${options.name}-pg-`));
  const data = path.join(root, "data");
  const isRoot = process.getuid?.() === 0;
  const asPostgresArgs = (command: string, args: string[]): [string, string[]] =>
    isRoot ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args];
  const asPostgres = (command: string, args: string[]) => execFileSync(...asPostgresArgs(command, args));
  fs.mkdirSync(root, { recursive: true });
  if (isRoot) execFileSync("chown", ["postgres", root]);
  if (!fs.existsSync(path.join(data, "PG_VERSION"))) {
    options.log(`initdb ${data}`);
    asPostgres(binary("initdb"), ["-D", data, "-A", "trust", "-U", "postgres"]);
  }
  const port = await freePort();
  const settings = ["listen_addresses=127.0.0.1", ...options.settings].map((s) => `-c ${s}`).join(" ");
  // The log file is named on restart too: without it the new server would write to our pipe.
  const pgCtl = (action: "start" | "restart") =>
    asPostgresArgs(binary("pg_ctl"), [
      "-D",
      data,
      "-l",
      path.join(root, "postgres.log"),
      "-w",
      ...(action === "restart" ? ["-m", "fast"] : []),
      "-o",
      `-p ${port} -k ${root} ${settings}`,
      action,
    ]);
  const start = () => execFileSync(...pgCtl("start"));
  start();
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    asPostgres(binary("pg_ctl"), ["-D", data, "-m", "fast", "stop"]);
    if (!options.keep) fs.rmSync(root, { recursive: true, force: true });
  };
  if (!options.keep) process.once("exit", stop);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop,
    pause: () => asPostgres(binary("pg_ctl"), ["-D", data, "-m", "fast", "-w", "stop"]),
    resume: start,
    restart: async () => {
      await promisify(execFile)(...pgCtl("restart"));
    },
  };
}

/** The settings that decide what a figure means (durability, memory), as the server reports them:
 *  for a benchmark's JSON, whether its cluster is our own or DATABASE_URL's. */
export async function serverSettings(db: Db): Promise<Record<string, string>> {
  const rows = await queryRows<{ name: string; setting: string; unit: string | null }>(
    db,
    sql`select name, setting, unit from pg_settings
        where name in ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'max_wal_size')`,
  );
  return Object.fromEntries(
    rows.map((row) => [row.name, row.unit ? `${row.setting} ${row.unit}` : row.setting]),
  );
}
