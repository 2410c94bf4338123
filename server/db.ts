// The server process's database: opened once (globalThis, because Next.js may load this module
// in several bundles of one process), migrated before first use.
import "server-only";
import { migrateDatabase, openDatabase, type Database, type Db } from "@/db/client";
import { env } from "./env";

const GLOBAL_KEY = Symbol.for("arbiter.database");
type GlobalWithDatabase = typeof globalThis & { [GLOBAL_KEY]?: Promise<Database> };

async function openAppDatabase(): Promise<Database> {
  const database = await openDatabase(
    env.DATABASE_URL
      ? { kind: "postgres", url: env.DATABASE_URL }
      : { kind: "pglite", dataDir: env.ARBITER_DATA_DIR },
  );
  try {
    await migrateDatabase(database);
  } catch (error) {
    await database.close();
    throw new Error(`Could not apply database migrations: ${(error as Error).message}`, { cause: error });
  }
  return database;
}

export function getDatabase(): Promise<Database> {
  if (env.NEXT_PHASE === "phase-production-build") {
    // Pages are rendered per request; a build must not create or lock the data directory.
    return Promise.reject(new Error("The database is not opened while `next build` runs."));
  }
  const holder = globalThis as GlobalWithDatabase;
  holder[GLOBAL_KEY] ??= openAppDatabase().catch((error: unknown) => {
    delete holder[GLOBAL_KEY]; // let a later request retry, e.g. once the other server stopped
    throw error;
  });
  return holder[GLOBAL_KEY];
}

export async function getDb(): Promise<Db> {
  return (await getDatabase()).db;
}
