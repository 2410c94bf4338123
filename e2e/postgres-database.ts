// The Playwright run on PostgreSQL gets a database of its own on the TEST_DATABASE_URL server, so
// it never meets the vitest integration-postgres databases, and drops it at the end.
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import pg from "pg";

/**
 * Creates a fresh database and returns its URL. Synchronous, because the Playwright config that
 * calls it is; a server that cannot be reached stops the run here, with its error.
 */
export function createE2eDatabase(serverUrl: string): string {
  const name = `arbiter_e2e_${crypto.randomBytes(6).toString("hex")}`;
  const script = `const pg = require("pg");
    const client = new pg.Client({ connectionString: process.argv[1], connectionTimeoutMillis: 15000 });
    client.connect().then(() => client.query('create database "${name}"')).then(
      () => client.end(),
      (error) => { console.error(error.message); process.exit(1); });`;
  try {
    execFileSync(process.execPath, ["-e", script, serverUrl], { stdio: ["ignore", "ignore", "pipe"] });
  } catch (error) {
    const reason = String((error as { stderr?: Buffer }).stderr ?? error).trim();
    const { hostname, port } = new URL(serverUrl);
    throw new Error(
      `Could not create the Playwright database on TEST_DATABASE_URL (${hostname}:${port || "5432"}): ${reason}`,
    );
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropE2eDatabase(serverUrl: string, databaseUrl: string) {
  const name = new URL(databaseUrl).pathname.slice(1);
  if (!/^arbiter_e2e_[0-9a-f]{12}$/.test(name)) return;
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    // The server may still hold connections: Playwright stops it after this teardown.
    await client.query(`drop database if exists "${name}" with (force)`);
  } finally {
    await client.end();
  }
}
