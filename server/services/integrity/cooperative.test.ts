import { setImmediate as nextTurn } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { runSteps, runStepsYielding, type Steps } from "./cooperative";

/** `steps` steps of `busyMs` of synchronous work each, returning how many ran. */
function* busyWork(steps: number, busyMs: number): Steps<number> {
  for (let step = 0; step < steps; step++) {
    const until = performance.now() + busyMs;
    while (performance.now() < until);
    yield;
  }
  return steps;
}

/** Counts the event loop's turns until `done` settles. */
async function turnsDuring(work: () => Promise<unknown> | unknown) {
  let turns = 0;
  let isDone = false;
  const counting = (async () => {
    while (!isDone) {
      await nextTurn();
      turns++;
    }
  })();
  await work();
  const during = turns;
  isDone = true;
  await counting;
  return during;
}

describe("cooperative computations", () => {
  it("runs the steps straight through, giving the event loop no turn", async () => {
    let result = 0;
    expect(await turnsDuring(() => (result = runSteps(busyWork(20, 2))))).toBe(0);
    expect(result).toBe(20);
  });

  it("gives the event loop a turn whenever a slice of time has passed", async () => {
    let result = 0;
    // 30 steps of 2 ms in slices of 5 ms: about a dozen turns, however loaded the machine (both
    // the work and the slices are measured on the wall clock).
    const turns = await turnsDuring(async () => (result = await runStepsYielding(busyWork(30, 2), 5)));
    expect(turns).toBeGreaterThanOrEqual(3);
    expect(result).toBe(30);
  });
});
