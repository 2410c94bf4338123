// Two server processes starting at the same moment on one empty PostgreSQL database: both apply
// the migrations and seed the first start's data, and the database ends up with one admin, one
// demo campaign and each migration recorded once, and neither process fails.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { queryRows } from "@/db/query-rows";
import { createBlankTestDb, testDatabaseKind } from "@/db/testing";
import { DEMO_CAMPAIGN_NAME } from "./services/seed/ensure-demo-campaign";

const root = path.resolve(import.meta.dirname, "..");
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startProcess(databaseUrl: string, dataDir: string, index: number): Promise<Started> {
  const child = spawn(
    process.execPath,
    ["--conditions=react-server", "--import", "tsx", path.join(root, "server/testing/prepare-database.mts")],
    {
      cwd: root,
      stdio: ["pipe", "pipe", "pipe"],
      env: {
        ...process.env,
        NODE_ENV: "production",
        DATABASE_URL: databaseUrl,
        ARBITER_DATA_DIR: dataDir,
        // Each its own address: two admins would show as two rows, not as one upserted row.
        ARBITER_ADMIN_EMAIL: `first-${index}@example.test`,
        ARBITER_ADMIN_PASSWORD: "the first admin's password",
        LOG_LEVEL: "warn",
      },
    },
  );
  cleanups.push(() => {
    child.kill("SIGKILL");
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  return new Promise((resolve, reject) => {
    child.stdout!.on(
      "data",
      () => output.includes("loaded") && resolve({ child, output: () => output, exited }),
    );
    void exited.then((code) => reject(new Error(`exited with ${code} before loading: ${output}`)));
  });
}

describe.skipIf(testDatabaseKind() !== "postgres")("two servers starting at once on PostgreSQL", () => {
  it("migrate and seed the first admin once between them, without an error", async () => {
    const blank = await createBlankTestDb();
    cleanups.push(() => blank.close());
    const dataDirs = [0, 1].map(() => fs.mkdtempSync(path.join(os.tmpdir(), "arbiter-start-")));
    cleanups.push(() => dataDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

    const servers = await Promise.all(dataDirs.map((dir, index) => startProcess(blank.url!, dir, index)));
    for (const server of servers) server.child.stdin!.write("go\n");
    const codes = await Promise.all(servers.map((server) => server.exited));
    const outputs = servers.map((server) => server.output());

    expect(codes, outputs.join("\n---\n")).toEqual([0, 0]);
    expect(outputs.filter((output) => output.includes("Created the first admin account"))).toHaveLength(1);
    const [counts] = await queryRows<{ admins: number; demos: number; migrations: number }>(
      blank.db,
      sql`select (select count(*)::int from users where role = 'admin') as admins,
                 (select count(*)::int from campaigns where name = ${DEMO_CAMPAIGN_NAME}) as demos,
                 (select count(*)::int from drizzle.__drizzle_migrations) as migrations`,
    );
    expect(counts).toEqual({
      admins: 1,
      demos: 1,
      migrations: fs.readdirSync(path.join(root, "db/migrations")).filter((file) => file.endsWith(".sql"))
        .length,
    });
  });
});
