// Downloads: the streamed bytes are the export's bytes (same sha256 as recorded), a folder comes
// as a tar archive, bad input fails before the first byte, and closing the download cancels.
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import type { Database } from "@/db/client";
import { createTestDb } from "@/db/testing";
import { exportsTable } from "@/db/schema";
import { NotFoundError } from "@/server/errors";
import { createAdmin, type TestUser } from "@/server/testing/fixtures";
import { startExportDownload } from "./download-export";
import { exportForTest, TEST_EXPORT_KEY } from "@/server/testing/export-readback";
import { buildWorld } from "@/server/testing/export-world";

let database: Database;
let admin: TestUser;

beforeAll(async () => {
  database = await createTestDb();
  await buildWorld(database.db);
  admin = await createAdmin(database.db);
});

afterAll(async () => {
  await database?.close();
});

const BOTH = { campaigns: ["helpfulness-main", "safety-main"] };

async function readAll(stream: ReadableStream<Uint8Array>) {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

const sha256 = (bytes: Buffer) => crypto.createHash("sha256").update(bytes).digest("hex");

async function recordOf(id: string) {
  const [record] = await database.db.select().from(exportsTable).where(eq(exportsTable.id, id));
  return record;
}

describe("startExportDownload", () => {
  it("streams a single file whose bytes are the recorded ones and the CLI's", async () => {
    const id = crypto.randomUUID();
    const download = await startExportDownload(
      database.db,
      { id, output: "jsonl", options: { format: "trl", ...BOTH } },
      admin.actor,
      TEST_EXPORT_KEY,
      new AbortController().signal,
    );
    expect(download.filename).toBe("arbiter-helpfulness-main+safety-main-trl.jsonl");
    const bytes = await readAll(download.body);
    const record = await recordOf(id);
    expect(record).toMatchObject({ status: "completed", via: "web", createdById: admin.user.id });
    expect(record.files[0].sha256).toBe(sha256(bytes));
    const cli = await exportForTest(database.db, { format: "trl", ...BOTH });
    expect(sha256(fs.readFileSync(cli.file("export.jsonl")))).toBe(sha256(bytes));
  });

  it("sends a Hugging Face folder as a tar archive of the recorded files", async () => {
    const id = crypto.randomUUID();
    const download = await startExportDownload(
      database.db,
      {
        id,
        output: "hf-dataset",
        options: { format: "trl", ...BOTH, split: { kind: "fraction", value: 0.5 } },
      },
      admin.actor,
      TEST_EXPORT_KEY,
      new AbortController().signal,
    );
    expect(download.contentType).toBe("application/x-tar");
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), "arbiter-download-test-"));
    onTestFinished(() => fs.rmSync(folder, { recursive: true, force: true }));
    fs.writeFileSync(path.join(folder, "export.tar"), await readAll(download.body));
    execFileSync("tar", ["-xf", "export.tar"], { cwd: folder });
    const record = await recordOf(id);
    expect(record.files.map((file) => file.name).sort()).toEqual([
      "README.md",
      "data/test-00000-of-00001.parquet",
      "data/train-00000-of-00001.parquet",
    ]);
    for (const file of record.files) {
      expect(sha256(fs.readFileSync(path.join(folder, file.name)))).toBe(file.sha256);
    }
  });

  it("fails before the first byte on a campaign that does not exist, and records nothing", async () => {
    const id = crypto.randomUUID();
    await expect(
      startExportDownload(
        database.db,
        { id, output: "jsonl", options: { format: "trl", campaigns: ["missing"] } },
        admin.actor,
        TEST_EXPORT_KEY,
        new AbortController().signal,
      ),
    ).rejects.toThrow(NotFoundError);
    expect(await recordOf(id)).toBeUndefined();
  });

  it("cancels the export when the download is closed", async () => {
    const id = crypto.randomUUID();
    const request = new AbortController();
    const download = await startExportDownload(
      database.db,
      { id, output: "jsonl", options: { format: "raw", ...BOTH } },
      admin.actor,
      TEST_EXPORT_KEY,
      request.signal,
    );
    request.abort();
    await download.body.cancel().catch(() => {});
    await expect.poll(async () => (await recordOf(id)).status, { timeout: 10_000 }).toBe("cancelled");
  });
});
