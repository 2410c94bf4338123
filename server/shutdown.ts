// A clean stop on SIGTERM (and SIGINT): /api/health turns 503 "draining" and the generation
// routes refuse new streams at once (a load balancer sends the next requests elsewhere), running
// generations and background jobs get ARBITER_SHUTDOWN_GRACE_SECONDS to finish, the rest are
// saved as interrupted (retryable) or put back on the job queue, followers are cut off so their
// browsers reconnect through another instance, the engine children stop, and the process exits
// 0. `npm start` sets NEXT_MANUAL_SIG_HANDLE so that Next.js leaves these signals to this handler
// instead of exiting as soon as requests end.
import { getDatabase } from "./db";
import { env } from "./env";
import { getGenerationRuntime } from "./generation/runtime";
import { log } from "./log";
import { stopServerJobWorker } from "./services/jobs/server-job-worker";

/** Short requests (a submit, a page) that arrived just before the signal get this long. */
const SETTLE_MS = 1000;

const GLOBAL_KEY = Symbol.for("arbiter.shutdown");
const STOPPING_KEY = Symbol.for("arbiter.stopping");
type GlobalWithShutdown = typeof globalThis & { [GLOBAL_KEY]?: true; [STOPPING_KEY]?: true };

/** True from the signal on: /api/health answers 503 "draining". */
export function isStopping(): boolean {
  return (globalThis as GlobalWithShutdown)[STOPPING_KEY] === true;
}

async function shutDown(signal: NodeJS.Signals) {
  (globalThis as GlobalWithShutdown)[STOPPING_KEY] = true;
  const graceMs = env.ARBITER_SHUTDOWN_GRACE_SECONDS * 1000;
  log.info(`${signal}: taking no new streams; running generations have ${graceMs / 1000} s to finish.`);
  const runtime = getGenerationRuntime();
  const [interrupted] = await Promise.all([runtime.hub.drain(graceMs), stopServerJobWorker(graceMs)]);
  if (interrupted > 0) log.warn(`Stopped ${interrupted} unfinished responses as interrupted (retryable).`);
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  await runtime.supervisor.stop();
  await getDatabase()
    .then((database) => database.close())
    .catch(() => {});
  log.info("Stopped.");
  process.exit(0);
}

/** Installs the handlers once per process (Next.js may load this module in several bundles). */
export function handleShutdownSignals() {
  const holder = globalThis as GlobalWithShutdown;
  if (holder[GLOBAL_KEY]) return;
  holder[GLOBAL_KEY] = true;
  let stopping = false;
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      shutDown(signal).catch((error: Error) => {
        log.error(`Could not stop cleanly: ${error.message}`);
        process.exit(1);
      });
    });
  }
}
