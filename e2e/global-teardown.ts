// Removes the throw-away data directories and the PostgreSQL database the config created for this run.
import fs from "node:fs";
import { dropE2eDatabase } from "./postgres-database";

export default async function globalTeardown() {
  for (const dataDir of [process.env.ARBITER_E2E_DATA_DIR, process.env.ARBITER_E2E_PG_DATA_DIR]) {
    if (dataDir?.includes("arbiter-e2e-")) fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const { TEST_DATABASE_URL: serverUrl, ARBITER_E2E_DATABASE_URL: databaseUrl } = process.env;
  if (serverUrl && databaseUrl) await dropE2eDatabase(serverUrl, databaseUrl);
}
