// Test databases: a fresh, migrated (or blank) database per call — in-memory PGlite, or, in the
// integration-postgres project, a new database created on the TEST_DATABASE_URL server and
// dropped by close().
import crypto from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { migrateDatabase, openDatabase, type Database } from "./client";

declare module "vitest" {
  export interface ProvidedContext {
    databaseKind: "pglite" | "postgres";
    testDatabaseUrl?: string;
  }
}

export function testDatabaseKind(): "pglite" | "postgres" {
  return inject("databaseKind") ?? "pglite";
}

async function onServer<T>(serverUrl: string, work: (client: pg.Client) => Promise<T>) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createTestDb(): Promise<Database> {
  const database = await createBlankTestDb();
  try {
    await migrateDatabase(database);
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

/** A fresh database with no migrations applied (for tests of migrating), and its URL on PostgreSQL. */
export async function createBlankTestDb(): Promise<Database & { url?: string }> {
  if (testDatabaseKind() !== "postgres") return openDatabase({ kind: "pglite-memory" });
  const serverUrl = inject("testDatabaseUrl");
  if (!serverUrl) throw new Error("The integration-postgres project needs TEST_DATABASE_URL.");
  const name = `arbiter_test_${crypto.randomBytes(6).toString("hex")}`;
  await onServer(serverUrl, (client) => client.query(`create database "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ kind: "postgres", url: url.toString(), poolSize: 4 });
  return {
    ...database,
    location: name,
    url: url.toString(),
    close: async () => {
      await database.close();
      await onServer(serverUrl, (client) => client.query(`drop database if exists "${name}" with (force)`));
    },
  };
}
