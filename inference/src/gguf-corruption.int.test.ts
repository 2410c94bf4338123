// Hundreds of corrupted GGUF files (testing/corrupt-gguf.ts) loaded by the engine in a child
// process: each one is rejected with an error that has a code and a message, or (where the
// corruption may leave a valid file) loads and runs; none crashes the process.

import { spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { type CorruptCase, corruptCases } from "./testing/corrupt-gguf";
import { createSmallModel, createTempDir, type TempDir } from "./testing/fixtures";
import { readGguf } from "./testing/gguf-reader";

// Codes a bad file may produce (DESIGN.md); INTERNAL would mean the engine did not see it coming.
const FILE_ERROR_CODES = ["INVALID_MODEL", "UNSUPPORTED", "IO", "OUT_OF_MEMORY", "INVALID_ARGUMENT"];

interface Outcome {
  name: string;
  loaded: boolean;
  code?: string | null;
  message?: string;
  useError?: { code: string | null; message: string } | null;
}

function runChild(
  manifest: string,
): Promise<{ code: number | null; signal: string | null; lines: Record<string, unknown>[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      join("node_modules", ".bin", "tsx"),
      [join("inference", "src", "testing", "load-files-child.ts"), manifest],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const lines = stdout
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      resolve({ code, signal, lines, stderr });
    });
  });
}

describe("loading corrupted GGUF files", () => {
  let dir: TempDir;
  let cases: CorruptCase[];
  let outcomes: Map<string, Outcome>;

  beforeAll(async () => {
    dir = await createTempDir();
    const base = await createSmallModel(dir, "base.gguf", { type: "q8_0" });
    cases = corruptCases(readGguf(new Uint8Array(await readFile(base))));
    const manifest = await Promise.all(
      cases.map(async (c, i) => {
        const path = dir.file(`case-${i}.gguf`);
        await writeFile(path, c.bytes);
        return { name: c.name, path };
      }),
    );
    manifest.push(
      { name: "a file that does not exist", path: dir.file("missing.gguf") },
      { name: "a directory", path: dir.path },
    );
    await writeFile(dir.file("manifest.json"), JSON.stringify(manifest));
    const run = await runChild(dir.file("manifest.json"));
    const started = run.lines.filter((l) => "start" in l).map((l) => l.start as string);
    // A crash ends the child early: name the file it was loading.
    expect(
      run.signal,
      `the engine crashed (signal) while loading "${started.at(-1)}"\n${run.stderr}`,
    ).toBeNull();
    expect(run.code, `the loader process failed while loading "${started.at(-1)}"\n${run.stderr}`).toBe(0);
    expect(run.lines.at(-1)).toEqual({ done: true });
    outcomes = new Map(
      run.lines.filter((l) => "loaded" in l).map((l) => [l.name as string, l as unknown as Outcome]),
    );
  }, 600_000);

  afterAll(async () => {
    await dir?.remove();
  });

  it("covers hundreds of corruptions", () => {
    expect(cases.length).toBeGreaterThan(400);
    expect(outcomes.size).toBe(cases.length + 2);
  });

  it("rejects every file that must be rejected, with a code and a message", () => {
    const wronglyLoaded: string[] = [];
    for (const c of cases.filter((c) => c.expect === "reject")) {
      const outcome = outcomes.get(c.name)!;
      if (outcome.loaded) {
        wronglyLoaded.push(c.name);
        continue;
      }
      expect(FILE_ERROR_CODES, `${c.name}: ${outcome.code} ${outcome.message}`).toContain(outcome.code);
      expect(outcome.message!.length, c.name).toBeGreaterThan(10);
    }
    expect(wronglyLoaded).toEqual([]);
  });

  it("loads the files that are valid (unchanged, tied output, other alignment, mixed types)", () => {
    for (const c of cases.filter((c) => c.expect === "load")) {
      const outcome = outcomes.get(c.name)!;
      expect(outcome.loaded, `${c.name}: ${outcome.code} ${outcome.message}`).toBe(true);
      expect(outcome.useError, c.name).toBeNull();
    }
  });

  it("answers every other corruption with a coded error or a model that runs", () => {
    for (const c of cases.filter((c) => c.expect === "either")) {
      const outcome = outcomes.get(c.name)!;
      if (!outcome.loaded) {
        expect(FILE_ERROR_CODES, `${c.name}: ${outcome.code} ${outcome.message}`).toContain(outcome.code);
        expect(outcome.message!.length, c.name).toBeGreaterThan(10);
      } else if (outcome.useError) {
        // A model that loads may still refuse an input, but as a coded error.
        expect(outcome.useError.code, `${c.name}: ${outcome.useError.message}`).toMatch(/^[A-Z_]+$/);
      }
    }
  });

  it("reports a missing file and a directory as IO errors", () => {
    for (const name of ["a file that does not exist", "a directory"]) {
      const outcome = outcomes.get(name)!;
      expect(outcome.loaded).toBe(false);
      expect(outcome.code, `${name}: ${outcome.message}`).toBe("IO");
    }
  });
});
