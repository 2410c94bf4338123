// Test helper process: a job worker on the PostgreSQL database named by its argument, running the
// crash test's job kind (which never finishes), with a short lease. The test kills it with SIGKILL.
import { openDatabase } from "../../../../db/client.ts";
import { jobRegistry } from "../define-job.ts";
import { startJobWorker } from "../job-worker.ts";
import { hangingCrashTestJob } from "./crash-test-job.ts";

const [url, leaseMs] = process.argv.slice(2);
const database = await openDatabase({ kind: "postgres", url, poolSize: 2 });
await startJobWorker({
  db: database.db,
  registry: jobRegistry([hangingCrashTestJob]),
  notifications: database.notifications,
  pollMs: 200,
  timings: { leaseMs: Number(leaseMs) },
});
console.log("started");
