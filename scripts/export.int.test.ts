// `npm run export` as a person runs it, on an embedded database in ARBITER_DATA_DIR: the files
// it writes and names, what it refuses, and Ctrl-C, which leaves nothing behind.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateDatabase, openDatabase } from "@/db/client";
import { generateSyntheticData } from "@/scripts/synthetic/generate-synthetic";

let dataDir: string;
let outDir: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "arbiter-export-cli-"));
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), "arbiter-export-cli-out-"));
  const database = await openDatabase({ kind: "pglite", dataDir });
  await migrateDatabase(database);
  await generateSyntheticData(database.db, {
    comparisons: 2500,
    campaignName: "cli-help",
    kind: "helpfulness",
    seed: 5,
  });
  await database.close();
}, 300_000);

afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(outDir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function exportCli(
  args: string[],
  onStderr?: (text: string, child: ReturnType<typeof spawn>) => void,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    // As `npm run export` runs it: the react-server condition lets it load server-only modules.
    const child = spawn(
      process.execPath,
      ["--conditions=react-server", "--import", "tsx", "scripts/export.ts", ...args],
      {
        env: {
          ...process.env,
          ARBITER_DATA_DIR: dataDir,
          DATABASE_URL: "",
          ARBITER_EXPORT_KEY: "cli test key, at least 32 characters",
        },
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      onStderr?.(stderr, child);
    });
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("npm run export", () => {
  it("writes JSON lines, reports progress on stderr and a JSON summary on stdout", async () => {
    const out = path.join(outDir, "help.jsonl");
    const run = await exportCli(["--campaign", "cli-help", "--format", "trl", "--out", out, "--json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/Exported [\d,]+ \/ [\d,]+ comparisons \(100%\)/);
    const summary = JSON.parse(run.stdout);
    const lines = fs.readFileSync(out, "utf8").trimEnd().split("\n");
    expect(summary).toMatchObject({ format: "trl", output: "jsonl", rows: lines.length });
    expect(summary.files[0].name).toBe("help.jsonl");
    expect(JSON.parse(lines[0])).toHaveProperty("margin");
    expect(fs.readdirSync(outDir).filter((name) => name.includes(".partial"))).toEqual([]);
  });

  it("names the split files after the path, refuses to overwrite without --force", async () => {
    const out = path.join(outDir, "split.parquet");
    const args = ["--campaign", "cli-help", "--format", "kto", "--out", out, "--test-fraction", "0.2"];
    expect((await exportCli(args)).code).toBe(0);
    expect(fs.existsSync(path.join(outDir, "split-train.parquet"))).toBe(true);
    expect(fs.existsSync(path.join(outDir, "split-test.parquet"))).toBe(true);
    const refused = await exportCli(args);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("exists. Remove it or pass --force to replace it.");
    expect((await exportCli([...args, "--force"])).code).toBe(0);
  });

  it("says what is wrong with the options or the campaign", async () => {
    const badMargin = await exportCli([
      "--campaign",
      "cli-help",
      "--format",
      "trl",
      "--out",
      path.join(outDir, "x.jsonl"),
      "--margin",
      "custom",
    ]);
    expect(badMargin.code).toBe(1);
    expect(badMargin.stderr).toContain("A custom margin scheme needs four numbers");
    const missing = await exportCli([
      "--campaign",
      "nope",
      "--format",
      "trl",
      "--out",
      path.join(outDir, "y.jsonl"),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No campaign is named "nope"');
    expect(fs.existsSync(path.join(outDir, "y.jsonl"))).toBe(false);
  });

  it("stops on Ctrl-C and leaves neither the dataset nor its staging folder", async () => {
    const out = path.join(outDir, "interrupted");
    const run = await exportCli(
      ["--campaign", "cli-help", "--format", "raw", "--out", out],
      (stderr, child) => {
        if (stderr.includes("comparisons match") && !child.killed) child.kill("SIGINT");
      },
    );
    expect(run.code).toBe(130);
    expect(run.stderr).toContain("The export was cancelled; nothing was written.");
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readdirSync(outDir).filter((name) => name.startsWith(".interrupted"))).toEqual([]);
  });
});
