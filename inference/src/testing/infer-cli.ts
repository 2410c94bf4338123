// The `infer` CLI exactly as outside checks call it (shared/ARCHITECTURE.md):
// `npm run --silent infer -- ...` in a child process, one JSON document on stdout.
import { execFile } from "node:child_process";

import { expect } from "vitest";

export interface InferRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function infer(...args: string[]): Promise<InferRun> {
  return new Promise((resolve) => {
    execFile(
      "npm",
      ["run", "--silent", "infer", "--", ...args],
      { maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** A successful run's stdout: exactly one JSON document (and a newline). */
export function json(run: InferRun): Record<string, unknown> {
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout.endsWith("\n")).toBe(true);
  expect(run.stdout.trim().split("\n")).toHaveLength(1);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

export async function inferJson(...args: string[]): Promise<Record<string, unknown>> {
  return json(await infer(...args));
}
