// Runs once when a server process starts (from instrumentation.ts): open the database (taking
// the PGlite lock), apply migrations, create the first admin, make sure the session secret
// exists, and start the background job worker. A failure stops the process with a message that
// says what to do.
import type { Database } from "@/db/client";
import { getAuthSecret } from "./auth/secret";
import { getDatabase } from "./db";
import { env } from "./env";
import { log } from "./log";
import { handleShutdownSignals } from "./shutdown";
import { queueStyleFeaturesBackfill } from "./services/integrity/backfill-style-features";
import { queueUnplacedPrompts } from "./services/integrity/recluster-prompts";
import { startServerJobWorker } from "./services/jobs/server-job-worker";
import { ensureDemoCampaign } from "./services/seed/ensure-demo-campaign";
import { ensureInitialAdmin, type EnsureInitialAdminResult } from "./services/users/ensure-initial-admin";

export function describeInitialAdmin(result: EnsureInitialAdminResult): string | null {
  if (!result.created) return null;
  if (!result.generatedPassword) {
    return `Created the first admin account, ${result.email}, with the password from ARBITER_ADMIN_PASSWORD.`;
  }
  const rule = "=".repeat(72);
  return [
    rule,
    "  Arbiter created the first admin account. Sign in with:",
    "",
    `      Email:     ${result.email}`,
    `      Password:  ${result.generatedPassword}`,
    "",
    "  This password is shown only this once: store it somewhere safe now.",
    "  (Set ARBITER_ADMIN_EMAIL and ARBITER_ADMIN_PASSWORD before the first start",
    "  to choose them yourself.)",
    rule,
  ].join("\n");
}

/**
 * The database work of a start: open and migrate, create the first admin, seed the demo campaign.
 * Several instances may run it at the same moment on one PostgreSQL.
 */
export async function prepareDatabase(): Promise<Database> {
  const database = await getDatabase();
  log.info(
    `Database: ${database.kind === "pglite" ? "embedded PGlite" : "PostgreSQL"} at ${database.location}, migrations applied.`,
  );
  const admin = await ensureInitialAdmin(database.db, {
    email: env.ARBITER_ADMIN_EMAIL,
    password: env.ARBITER_ADMIN_PASSWORD,
    isProduction: env.NODE_ENV === "production",
  });
  const message = describeInitialAdmin(admin);
  // Printed whatever LOG_LEVEL says: this is the only time the password can be seen.
  if (message) console.log(`\n${message}\n`);
  const demo = await ensureDemoCampaign(database.db);
  if (demo.created) log.info('Created the demo campaign "Demo: helpfulness" and added the admin to it.');
  return database;
}

async function startServer(): Promise<void> {
  if (env.NEXT_MANUAL_SIG_HANDLE) handleShutdownSignals();
  const database = await prepareDatabase();
  getAuthSecret();
  await startServerJobWorker(database);
  void queueUnplacedPrompts(database.db).catch((error: Error) =>
    log.error(`Could not queue the near-duplicate re-clustering of prompts: ${error.message}`),
  );
  void queueStyleFeaturesBackfill(database.db).catch((error: Error) =>
    log.error(`Could not queue the backfill of response style features: ${error.message}`),
  );
  // Generating the demo model and loading models runs in the background: the site serves at once.
  const { getGenerationRuntime, warmUpGeneration } = await import("./generation/runtime");
  void warmUpGeneration(database.db, getGenerationRuntime()).catch((error: Error) =>
    log.error(`Could not start the inference servers: ${error.message}`),
  );
}

/** For instrumentation.ts: a server that cannot start must not linger half-started. */
export async function startServerOrExit(): Promise<void> {
  try {
    await startServer();
  } catch (error) {
    console.error(`\n[arbiter] Arbiter could not start: ${(error as Error).message}\n`);
    process.exit(1);
  }
}
