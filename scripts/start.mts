// npm start: check the configuration, build if the sources changed since the last build, then
// serve with `next start`. Migrations, seeding and the database lock happen in the server
// process itself (instrumentation.ts), so every way of starting goes through them.
import { spawn } from "node:child_process";
import path from "node:path";
import {
  build,
  isBuildCurrent,
  NEXT_BIN,
  nextEnv,
  ROOT,
  SERVER_V8_OPTIONS,
  sourceHash,
} from "./build-state.mts";

const { env } = await import("../server/env.ts").catch((error: Error) => {
  console.error(`[arbiter] ${error.message}`);
  process.exit(1);
});
const { findLockOwner } = await import("../db/pglite-lock.ts");

if (!env.DATABASE_URL) {
  // Fail before building: a rebuild would also pull .next from under the running server.
  const lockPath = path.join(env.ARBITER_DATA_DIR, "pglite.lock");
  const owner = findLockOwner(lockPath);
  if (owner !== null) {
    console.error(
      `[arbiter] Another Arbiter process (PID ${owner}) is already using the data directory ` +
        `${env.ARBITER_DATA_DIR} (lock file ${lockPath}). Stop it first, or set ARBITER_DATA_DIR ` +
        "to a different directory.",
    );
    process.exit(1);
  }
}

const hash = sourceHash();
if (!isBuildCurrent(hash)) {
  console.log("[arbiter] No build of the current sources yet: building (this takes a few minutes)…");
  build(hash);
}

const serverArgs = [...SERVER_V8_OPTIONS, NEXT_BIN, "start", "--port", String(env.PORT)];
const server = spawn(process.execPath, serverArgs, {
  cwd: ROOT,
  stdio: "inherit",
  // The server drains on SIGTERM (server/shutdown.ts) instead of Next.js's own handler.
  env: { ...nextEnv(), NEXT_MANUAL_SIG_HANDLE: "true" },
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => server.kill(signal));
}
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
