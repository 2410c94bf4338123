// Starting on the embedded database: one process per data directory, stale locks taken over,
// data kept across a crash, and the first admin created exactly once.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { migrateDatabase, openDatabase, type Database } from "@/db/client";
import { DataDirLockedError } from "@/db/pglite-lock";
import { queryRows } from "@/db/query-rows";
import { auditLog, users } from "@/db/schema";
import { createTestDb, testDatabaseKind } from "@/db/testing";
import { signIn } from "./auth/sign-in";
import { ensureInitialAdmin } from "./services/users/ensure-initial-admin";
import { describeInitialAdmin } from "./startup";

const root = path.resolve(import.meta.dirname, "..");
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDataDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "arbiter-startup-"));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function open(dataDir: string): Promise<Database> {
  const database = await openDatabase({ kind: "pglite", dataDir });
  cleanups.push(() => database.close());
  await migrateDatabase(database);
  return database;
}

function holdDataDir(dataDir: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    // --import tsx keeps it one process, so the PID in the lock is the child's own; the
    // react-server condition lets it load db/client, which is marked server-only.
    [
      "--conditions=react-server",
      "--import",
      "tsx",
      path.join(root, "server/testing/hold-data-dir.mts"),
      dataDir,
    ],
    { cwd: root, stdio: ["ignore", "pipe", "inherit"] },
  );
  cleanups.push(() => {
    child.kill("SIGKILL");
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => chunk.toString().includes("ready") && resolve(child));
    child.on("exit", (code) => reject(new Error(`holder exited early with ${code}`)));
  });
}

describe.skipIf(testDatabaseKind() !== "pglite")("embedded database startup", () => {
  it("refuses a second process on the same data directory, naming the lock file and the PID", async () => {
    const dataDir = tempDataDir();
    const holder = await holdDataDir(dataDir);
    const attempt = openDatabase({ kind: "pglite", dataDir });
    await expect(attempt).rejects.toThrow(DataDirLockedError);
    await expect(attempt).rejects.toThrow(
      `in use by another Arbiter process (PID ${holder.pid}); its lock file is ${path.join(dataDir, "pglite.lock")}`,
    );
  });

  it("takes over the lock of a crashed process and keeps what it had written", async () => {
    const dataDir = tempDataDir();
    const holder = await holdDataDir(dataDir);
    const exited = new Promise((resolve) => holder.once("exit", resolve));
    holder.kill("SIGKILL");
    await exited;

    const database = await open(dataDir);
    const rows = await database.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.targetId, "written-before-crash"));
    expect(rows).toHaveLength(1);
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, "pglite.lock"), "utf8")).pid).toBe(process.pid);
  });

  it("keeps data across a clean restart and applies migrations only once", async () => {
    const dataDir = tempDataDir();
    const first = await open(dataDir);
    await ensureInitialAdmin(first.db, { email: "owner@example.test", password: "a long enough password" });
    await first.close();
    expect(fs.existsSync(path.join(dataDir, "pglite.lock"))).toBe(false);

    const second = await open(dataDir);
    const admins = await second.db.select().from(users).where(eq(users.role, "admin"));
    expect(admins.map((admin) => admin.email)).toEqual(["owner@example.test"]);
    const [migrations] = await queryRows(
      second.db,
      sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
    );
    expect(migrations).toEqual({
      n: fs.readdirSync(path.join(root, "db/migrations")).filter((f) => f.endsWith(".sql")).length,
    });
  });
});

describe("first admin", () => {
  it("is created once, with a generated password that works and is printed", async () => {
    const database = await createTestDb();
    cleanups.push(() => database.close());

    const created = await ensureInitialAdmin(database.db, {});
    expect(created).toMatchObject({ created: true, email: "admin@localhost" });
    const password = created.created ? created.generatedPassword! : "";
    expect(describeInitialAdmin(created)).toContain(`Password:  ${password}`);
    await expect(
      signIn(database.db, { email: "admin@localhost", password, ipAddress: "127.0.0.1", userAgent: null }),
    ).resolves.toMatchObject({ role: "admin" });

    expect(await ensureInitialAdmin(database.db, {})).toEqual({ created: false });
    const [entry] = await database.db.select().from(auditLog).where(eq(auditLog.action, "user.seeded_admin"));
    expect(entry.details).toMatchObject({ email: "admin@localhost", passwordSource: "generated" });
  });

  it("in production, gives the admin a random address instead of the well-known admin@localhost", async () => {
    const database = await createTestDb();
    cleanups.push(() => database.close());
    const created = await ensureInitialAdmin(database.db, { isProduction: true });
    if (!created.created) throw new Error("expected the first admin to be created");
    expect(created.email).toMatch(/^admin-[0-9a-f]{12}@arbiter\.invalid$/);
    expect(describeInitialAdmin(created)).toContain(`Email:     ${created.email}`);
    const [admin] = await database.db.select().from(users).where(eq(users.role, "admin"));
    expect(admin.email).toBe(created.email);
    await expect(
      signIn(database.db, {
        email: created.email,
        password: created.generatedPassword!,
        ipAddress: "127.0.0.1",
        userAgent: null,
      }),
    ).resolves.toMatchObject({ role: "admin" });
  });

  it("uses ARBITER_ADMIN_EMAIL and ARBITER_ADMIN_PASSWORD when given, and prints no password", async () => {
    const database = await createTestDb();
    cleanups.push(() => database.close());
    const created = await ensureInitialAdmin(database.db, {
      email: "Boss@Example.TEST",
      password: "configured password",
    });
    expect(created).toEqual({ created: true, email: "boss@example.test", generatedPassword: null });
    expect(describeInitialAdmin(created)).not.toContain("configured password");
  });
});
