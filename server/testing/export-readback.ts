// Runs an export into a fresh temporary folder and reads its files back with independent
// readers: JSON.parse per line, and hyparquet (not the writer's code) for Parquet.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { onTestFinished } from "vitest";
import type { Db } from "@/db/client";
import type { SessionUser } from "@/server/auth/session-user";
import { ExportOptions, type ExportOptionsInput, type ExportOutput } from "@/server/services/exports/options";
import { runExport, type ExportRunContext } from "@/server/services/exports/run-export";
import { folderTarget } from "@/server/services/exports/sinks";

export const TEST_EXPORT_KEY = Buffer.from("export test key, 32 characters or more", "utf8");

export interface TestExport {
  folder: string;
  result: Awaited<ReturnType<typeof runExport>>;
  file(name: string): string;
  jsonl(name: string): Record<string, unknown>[];
  parquet(name: string): Promise<Record<string, unknown>[]>;
}

export async function exportForTest(
  db: Db,
  input: ExportOptionsInput,
  {
    output = "jsonl",
    baseName = "export",
    actor = null,
    folder = fs.mkdtempSync(path.join(os.tmpdir(), "arbiter-export-test-")),
    ...run
  }: {
    output?: ExportOutput;
    baseName?: string;
    actor?: SessionUser | null;
    folder?: string;
  } & Partial<ExportRunContext> = {},
): Promise<TestExport> {
  onTestFinished(() => fs.rmSync(folder, { recursive: true, force: true }));
  const result = await runExport(
    db,
    { options: ExportOptions.parse(input), output, baseName },
    folderTarget(folder),
    { actor, via: "cli", key: TEST_EXPORT_KEY, ...run },
  );
  const file = (name: string) => path.join(folder, name);
  return {
    folder,
    result,
    file,
    jsonl: (name) =>
      fs
        .readFileSync(file(name), "utf8")
        .split("\n")
        .filter((line, index, lines) => line !== "" || index < lines.length - 1)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    parquet: async (name) => {
      const bytes = fs.readFileSync(file(name));
      const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      parquetMetadata(buffer); // throws on a malformed footer
      return (await parquetReadObjects({ file: buffer })) as Record<string, unknown>[];
    },
  };
}
