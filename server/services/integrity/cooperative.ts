// Long computations of the integrity report written as generators that `yield` every few
// thousand items: the job worker runs them with `runStepsYielding`, which gives the event loop a
// turn (the instance's page requests, lease renewals) whenever a slice of time has passed, while
// tests and scripts run them straight through with `runSteps`.
import { setImmediate as nextTurn } from "node:timers/promises";

/** A computation that yields between steps and returns its result. */
export type Steps<T> = Generator<void, T, void>;

/** Items (votes, battles, labels) a loop handles between two yields. */
export const STEP_ITEMS = 4096;

export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/** Runs the steps, letting the event loop run whenever `sliceMs` have passed since it last did. */
export async function runStepsYielding<T>(steps: Steps<T>, sliceMs = 20): Promise<T> {
  let sliceStart = performance.now();
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
    if (performance.now() - sliceStart >= sliceMs) {
      await nextTurn();
      sliceStart = performance.now();
    }
  }
}
