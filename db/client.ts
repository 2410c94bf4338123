// Opens the database: embedded PGlite in the data directory by default, PostgreSQL through
// node-postgres when DATABASE_URL is set. Both speak the same drizzle schema and migrations.
import "server-only";
import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import type { ExtractTablesWithRelations } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import * as schema from "./schema";
import { pgliteNotifications, postgresNotifications, type Notifications } from "./notifications";
import { acquireDataDirLock, type DataDirLock } from "./pglite-lock";

export type Schema = typeof schema;
/** The drizzle handle services take; a transaction (`tx`) is one too. */
export type Db = PgDatabase<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

export type DatabaseKind = "pglite" | "postgres";

export interface Database {
  db: Db;
  kind: DatabaseKind;
  /** Where the data lives, for logs and /api/health (no credentials). */
  location: string;
  /** LISTEN/NOTIFY between the server instances that share this database. */
  notifications: Notifications;
  close(): Promise<void>;
}

const MIGRATIONS_FOLDER = path.join(process.cwd(), "db", "migrations");
const MIGRATION_LOCK_KEY = 0x61726269; // "arbi": serialises migrations across instances

export type OpenDatabaseOptions =
  | { kind: "postgres"; url: string; poolSize?: number }
  | { kind: "pglite"; dataDir: string }
  | { kind: "pglite-memory" };

/** close() may be called more than once (a test's own call, then its cleanup); only the first acts. */
function closingOnce(database: Database): Database {
  let closed: Promise<void> | undefined;
  return { ...database, close: () => (closed ??= database.close()) };
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  return closingOnce(await openAnyDatabase(options));
}

async function openAnyDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.kind === "postgres") return openPostgres(options.url, options.poolSize ?? 10);
  if (options.kind === "pglite-memory") {
    const client = await PGlite.create();
    return {
      db: drizzlePglite({ client, schema }) as unknown as Db,
      kind: "pglite",
      location: "memory",
      notifications: pgliteNotifications(client),
      close: () => client.close(),
    };
  }
  return openPgliteDir(options.dataDir);
}

function pgliteLockPath(dataDir: string) {
  return path.join(dataDir, "pglite.lock");
}

async function openPgliteDir(dataDir: string): Promise<Database> {
  // Private to the server's user: it holds the database and the session secret.
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const lock: DataDirLock = acquireDataDirLock(pgliteLockPath(dataDir));
  const directory = path.join(dataDir, "pglite");
  let client: PGlite;
  try {
    client = await PGlite.create(directory);
  } catch (error) {
    lock.release();
    throw new Error(
      `Could not open the embedded database in ${directory}: ${(error as Error).message}. ` +
        "If the directory was copied or restored, check that it is complete.",
      { cause: error },
    );
  }
  return {
    db: drizzlePglite({ client, schema }) as unknown as Db,
    kind: "pglite",
    location: directory,
    notifications: pgliteNotifications(client),
    close: async () => {
      try {
        await client.close();
      } finally {
        lock.release();
      }
    },
  };
}

function describePostgresUrl(url: string) {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || "5432"}${parsed.pathname}`;
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    // A server that does not answer (a network partition, not a refused connection) fails the
    // request and /api/health within seconds instead of holding them until TCP gives up.
    connectionTimeoutMillis: 10_000,
    keepAlive: true,
  });
  const logError = (message: string) => console.error(`[arbiter] ${message}`);
  // An idle client losing its connection (PostgreSQL restarting) must not crash the server: the
  // pool drops it and the next query opens a new one.
  pool.on("error", (error) => logError(`PostgreSQL connection error: ${error.message}`));
  try {
    await pool.query("select 1");
  } catch (error) {
    await pool.end();
    throw new Error(
      `Could not connect to PostgreSQL at ${describePostgresUrl(url)}: ${(error as Error).message}. ` +
        "Check DATABASE_URL and that the server is running.",
      { cause: error },
    );
  }
  const notifications = postgresNotifications(url, pool, logError);
  return {
    db: drizzlePg({ client: pool, schema }) as unknown as Db,
    kind: "postgres",
    location: describePostgresUrl(url),
    notifications,
    close: async () => {
      await notifications.close();
      await pool.end();
    },
  };
}

/** Applies every pending migration in db/migrations. Safe to run from several instances at once. */
export async function migrateDatabase(database: Database, migrationsFolder = MIGRATIONS_FOLDER) {
  if (database.kind === "pglite") {
    await migratePglite(database.db as never, { migrationsFolder });
    return;
  }
  const pool = (database.db as unknown as { $client: pg.Pool }).$client;
  const lockClient = await pool.connect();
  try {
    await lockClient.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    await migratePg(database.db as never, { migrationsFolder });
  } finally {
    await lockClient.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => {});
    lockClient.release();
  }
}
