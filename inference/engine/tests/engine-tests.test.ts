// Runs the engine's C++ tests (kernels against their scalar references, thread pool, sampler,
// GGUF validation, scheduler) as part of `npm test`. The binary is built with the addon by
// `npm run build:addon` (inference/binding.gyp, target engine_tests).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";

const binary = fileURLToPath(new URL("../../build/Release/engine_tests", import.meta.url));

describe("engine C++ tests", () => {
  it("pass on every kernel path this CPU has", () => {
    expect(existsSync(binary), `${binary} is missing: build it with \`npm run build:addon\``).toBe(true);
    const run = spawnSync(binary, [], { encoding: "utf8", timeout: 120_000 });
    const output = `${run.stdout}\n${run.stderr}`;
    expect(run.status, output).toBe(0);
    expect(output).toMatch(/\d+ passed, 0 failed/);
  });

  it("pass on the portable path too (ARBITER_CPU_ISA=portable)", () => {
    const run = spawnSync(binary, ["engine_"], {
      encoding: "utf8",
      timeout: 120_000,
      env: { ...process.env, ARBITER_CPU_ISA: "portable" },
    });
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
  });
});
