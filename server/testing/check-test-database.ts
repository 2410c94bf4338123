// vitest's globalSetup of the integration-postgres project: one clear failure when
// TEST_DATABASE_URL cannot be reached, before every suite fails on its own connection.
import pg from "pg";
import { resolveTestDatabaseUrl } from "./test-database-url.mts";

export default async function checkTestDatabase() {
  const url = resolveTestDatabaseUrl(process.env);
  if (!url) throw new Error("The integration-postgres project needs TEST_DATABASE_URL.");
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 15_000 });
  try {
    await client.connect();
    await client.query("select 1");
  } catch (error) {
    const { hostname, port } = new URL(url);
    throw new Error(
      `TEST_DATABASE_URL (${hostname}:${port || "5432"}) is not reachable: ${(error as Error).message}. ` +
        "Start that PostgreSQL, or unset TEST_DATABASE_URL (and CI) to run on PGlite only.",
      { cause: error },
    );
  } finally {
    await client.end().catch(() => {});
  }
}
