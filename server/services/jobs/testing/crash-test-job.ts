// The job kind of the crash test, shared by the test and its worker process: the process's
// handler announces the job and then never finishes, so that the test can kill it mid-run.
import { z } from "zod";
import { defineJob } from "../define-job";

export const CRASH_TEST_KIND = "crash-test";
export const CrashTestPayload = z.object({ label: z.string() });

export const hangingCrashTestJob = defineJob({
  kind: CRASH_TEST_KIND,
  payload: CrashTestPayload,
  async run(payload, context) {
    console.log(`running ${context.jobId} attempt ${context.attempt}`);
    await new Promise(() => {});
  },
});
