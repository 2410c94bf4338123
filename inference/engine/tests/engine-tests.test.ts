// Runs the engine's C++ tests (kernels against their scalar references, thread pool, sampler,
// GGUF validation, scheduler) as part of `npm test`. The binary (inference/binding.gyp, target
// engine_tests) is built here when missing or out of date.
import { spawnSync } from "node:child_process";

import { beforeAll, describe, expect, it } from "vitest";

import { buildTarget } from "../../src/testing/build-target";

let binary: string;
beforeAll(() => {
  binary = buildTarget("engine_tests");
}, 600_000);

describe("engine C++ tests", () => {
  it("pass on every kernel path this CPU has", () => {
    const run = spawnSync(binary, [], { encoding: "utf8", timeout: 120_000 });
    const output = `${run.stdout}\n${run.stderr}`;
    expect(run.status, output).toBe(0);
    expect(output).toMatch(/\d+ passed, 0 failed/);
  }, 180_000);

  it("pass on the portable path too (ARBITER_CPU_ISA=portable)", () => {
    const run = spawnSync(binary, ["engine_"], {
      encoding: "utf8",
      timeout: 120_000,
      env: { ...process.env, ARBITER_CPU_ISA: "portable" },
    });
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
  }, 180_000);
});
