// `npm run seed -- --synthetic N … planted behaviours` and `npm run --silent integrity` as outside
// checks call them, on an embedded database in ARBITER_DATA_DIR: the planted annotators' emails,
// the JSON document's shape, and the errors for bad arguments.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let dataDir: string;

beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "arbiter-integrity-cli-"));
});
afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function runScript(
  script: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // As `npm run` runs them: the react-server condition lets them load server-only modules.
    const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", script, ...args], {
      env: { ...process.env, ARBITER_DATA_DIR: dataDir, DATABASE_URL: "" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

interface Ranked {
  variant: string;
  score: number;
  low: number;
  high: number;
}

describe("the seed and integrity command lines", () => {
  it("plants behaviours and reports them as one JSON document", { timeout: 300_000 }, async () => {
    const seed = await runScript("scripts/seed.ts", [
      "--synthetic",
      "1500",
      "--campaign",
      "CLI planted",
      "--seed",
      "3",
      "--annotators",
      "6",
      "--random-annotators",
      "1",
      "--always-a-annotators",
      "1",
      "--too-fast-annotators",
      "1",
      "--length-bias",
      "0.3",
      "--identity-leaks",
      "2",
      "--duplicate-prompts",
      "2",
      "--json",
    ]);
    expect(seed.code, seed.stderr).toBe(0);
    expect(JSON.parse(seed.stdout).planted).toMatchObject({
      annotators: { random: 1, "always-a": 1, "too-fast": 1 },
      identityLeaks: 2,
      duplicatePrompts: 2,
    });

    const run = await runScript("scripts/integrity.ts", [
      "--campaign",
      "CLI planted",
      "--bootstrap-rounds",
      "20",
    ]);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    const emails = report.annotators.map((annotator: { email: string }) => annotator.email);
    for (const prefix of ["random-", "always-a-", "too-fast-"]) {
      expect(emails.filter((email: string) => email.startsWith(prefix))).toHaveLength(1);
    }
    for (const annotator of report.annotators) {
      expect(annotator).toMatchObject({
        email: expect.any(String),
        comparisons: expect.any(Number),
        flags: expect.any(Array),
      });
      expect(annotator.competence === null || (annotator.competence >= 0 && annotator.competence <= 1)).toBe(
        true,
      );
    }
    const alwaysA = report.annotators.find((annotator: { email: string }) =>
      annotator.email.startsWith("always-a-"),
    );
    expect(alwaysA.flags).toContain("position-bias");
    const tooFast = report.annotators.find((annotator: { email: string }) =>
      annotator.email.startsWith("too-fast-"),
    );
    expect(tooFast.flags).toContain("too-fast");
    expect(report.flaggedTurns["identity-leak"]).toBe(2);
    expect(report.duplicateClusters.flat().length - report.duplicateClusters.length).toBe(2);
    for (const board of [report.leaderboard.plain, report.leaderboard.styleControlled] as Ranked[][]) {
      expect(board).toHaveLength(3);
      board.forEach((entry, i) => {
        expect(entry.low).toBeLessThanOrEqual(entry.score);
        expect(entry.high).toBeGreaterThanOrEqual(entry.score);
        if (i > 0) expect(entry.score).toBeLessThanOrEqual(board[i - 1].score);
      });
    }
    expect(report.robustness.votesToFlipTop).toBeGreaterThan(0);
  });

  it("says what is wrong with bad arguments", { timeout: 120_000 }, async () => {
    const bias = await runScript("scripts/seed.ts", [
      "--synthetic",
      "10",
      "--campaign",
      "x",
      "--length-bias",
      "2",
    ]);
    expect(bias.code).toBe(1);
    expect(bias.stderr).toContain("--length-bias must be a number from 0 to 1");
    const threshold = await runScript("scripts/integrity.ts", [
      "--campaign",
      "x",
      "--duplicate-threshold",
      "2",
    ]);
    expect(threshold.code).toBe(1);
    expect(threshold.stderr).toContain("--duplicate-threshold must be a number from 0.1 to 1");
    const missing = await runScript("scripts/integrity.ts", ["--campaign", "No such campaign"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('There is no campaign named "No such campaign"');
  });
});
