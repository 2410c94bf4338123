// Exports as runs: filters, the test split, the Hugging Face folder and its card, byte-identical
// re-exports, the record in the exports table, keyset pages, cancellation.
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { describe, expect, it, onTestFinished } from "vitest";
import { comparisons, exportsTable } from "@/db/schema";
import { createAdmin } from "@/server/testing/fixtures";
import { NotFoundError } from "@/server/errors";
import { createTestCampaign, createTestDialogue } from "@/server/testing/annotation-history";
import { exportForTest } from "@/server/testing/export-readback";
import { buildWorld, type World } from "@/server/testing/export-world";
import { setUpTestDb } from "@/server/testing/test-db";

const world = setUpTestDb(buildWorld);

const BOTH = { campaigns: ["helpfulness-main", "safety-main"] };

function sha256(file: string) {
  return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

const rawIds = async (options: Record<string, unknown>) =>
  (await exportForTest(world.db, { format: "raw", ...BOTH, ...options }))
    .jsonl("export.jsonl")
    .map((row) => row.comparison_id);

describe("filters", () => {
  const ids = (predicate: (rating: World["ratings"][number]) => boolean) =>
    world.ratings.filter(predicate).map((rating) => rating.comparisonId);

  it("leaves out rejected ratings and reported turns by default, and keeps them on request", async () => {
    expect(await rawIds({})).toEqual(ids((rating) => rating.reviewStatus !== "rejected" && !rating.reported));
    expect(await rawIds({ excludeRejected: false, excludeReported: false })).toEqual(ids(() => true));
  });

  it("keeps accepted ratings only, drops negligible ones, selects batches, kinds and dates", async () => {
    expect(await rawIds({ acceptedOnly: true })).toEqual(ids((rating) => rating.reviewStatus === "accepted"));
    expect(await rawIds({ dropNegligible: true, excludeRejected: false, excludeReported: false })).toEqual(
      ids((rating) => rating.strength !== "negligibly_better"),
    );
    expect(await rawIds({ campaigns: ["safety-main"], batches: [2] })).toEqual(
      ids((rating) => rating.campaign === "safety-main" && rating.batch === 2),
    );
    expect(await rawIds({ campaigns: [], campaignKind: "safety" })).toEqual(
      ids((rating) => rating.campaign === "safety-main"),
    );
    const safetyRows = await world.db
      .select({ id: comparisons.id, createdAt: comparisons.createdAt })
      .from(comparisons)
      .where(eq(comparisons.campaignId, world.safety.campaign.id))
      .orderBy(comparisons.createdAt);
    const from = safetyRows[1].createdAt.toISOString();
    const to = safetyRows[3].createdAt.toISOString();
    expect(await rawIds({ campaigns: ["safety-main"], from, to })).toEqual([
      safetyRows[1].id,
      safetyRows[2].id,
    ]);
  });

  it("says which campaign does not exist", async () => {
    await expect(exportForTest(world.db, { format: "trl", campaigns: ["nope"] })).rejects.toThrow(
      NotFoundError,
    );
    await expect(exportForTest(world.db, { format: "trl", campaigns: ["nope"] })).rejects.toThrow(
      /No campaign is named "nope"/,
    );
  });
});

describe("split", () => {
  it("puts every turn of a dialogue in the same split, by a hash of the conversation id", async () => {
    const options = {
      format: "raw" as const,
      ...BOTH,
      split: { kind: "fraction" as const, value: 0.5, seed: "s1" },
    };
    const exported = await exportForTest(world.db, options);
    const train = exported.jsonl("export-train.jsonl");
    const test = exported.jsonl("export-test.jsonl");
    expect(train.length + test.length).toBe((await rawIds({})).length);
    const trainConversations = new Set(train.map((row) => row.conversation_id));
    for (const row of test) expect(trainConversations.has(row.conversation_id)).toBe(false);
    // The documented rule: the first 32 bits of sha256("<seed>:<id>") below fraction × 2^32.
    for (const row of [...train, ...test]) {
      const key = crypto.createHash("sha256").update(`s1:${row.conversation_id}`).digest("hex");
      expect(test.includes(row)).toBe(parseInt(key.slice(0, 8), 16) / 2 ** 32 < 0.5);
    }
    expect(exported.result.rowCounts).toEqual({ train: train.length, test: test.length });
  });

  it("takes a count of dialogues per batch for the test split", async () => {
    const exported = await exportForTest(world.db, {
      format: "raw",
      ...BOTH,
      split: { kind: "count-per-batch", value: 1, seed: "s2" },
    });
    const test = exported.jsonl("export-test.jsonl");
    const train = exported.jsonl("export-train.jsonl");
    // Helpfulness batch 1, safety batches 1 and 2: one dialogue each.
    const testDialogues = new Set(test.map((row) => row.conversation_id));
    expect(testDialogues.size).toBe(3);
    const byBatch = new Set(test.map((row) => `${row.campaign}/${row.batch}`));
    expect(byBatch).toEqual(new Set(["helpfulness-main/1", "safety-main/1", "safety-main/2"]));
    for (const row of train) expect(testDialogues.has(row.conversation_id)).toBe(false);
    // Within each batch, the chosen dialogue has the smallest key.
    const key = (id: unknown) => crypto.createHash("sha256").update(`s2:${id}`).digest("hex");
    for (const row of test) {
      for (const other of train.filter(
        (candidate) => candidate.campaign === row.campaign && candidate.batch === row.batch,
      )) {
        expect(key(row.conversation_id) < key(other.conversation_id)).toBe(true);
      }
    }
  });
});

describe("Hugging Face dataset folder", () => {
  it("writes train and test Parquet files and a card whose YAML declares configs, splits and features", async () => {
    const exported = await exportForTest(
      world.db,
      { format: "trl", ...BOTH, marginScheme: "large", split: { kind: "fraction", value: 0.3, seed: "hf" } },
      { output: "hf-dataset" },
    );
    const train = await exported.parquet("data/train-00000-of-00001.parquet");
    const test = await exported.parquet("data/test-00000-of-00001.parquet");
    const card = fs.readFileSync(exported.file("README.md"), "utf8");
    const header = card.split("\n---\n")[0];
    expect(header).toContain(
      [
        "configs:",
        "- config_name: default",
        "  data_files:",
        "  - split: train",
        "    path: data/train-*",
        "  - split: test",
        "    path: data/test-*",
      ].join("\n"),
    );
    expect(header).toContain(
      [
        "  - name: prompt",
        "    list:",
        "      - name: role",
        "        dtype: string",
        "      - name: content",
        "        dtype: string",
      ].join("\n"),
    );
    expect(header).toContain("  - name: margin\n    dtype: float64");
    expect(header).toContain(`  - name: train\n    num_examples: ${train.length}`);
    expect(header).toContain(`  - name: test\n    num_examples: ${test.length}`);
    expect(card).toContain("`large` (Llama 2, Table 27)");
    expect(card).toMatch(/\| variant-a \| model-small \| v1 \| \d+ \|/);
    expect(card).toContain("| helpfulness-main | helpfulness |");
    expect(train.length + test.length).toBe(
      (await exportForTest(world.db, { format: "trl", ...BOTH })).jsonl("export.jsonl").length,
    );
    expect(exported.result.files.map((file) => file.name)).toEqual([
      "data/train-00000-of-00001.parquet",
      "data/test-00000-of-00001.parquet",
      "README.md",
    ]);
  });
});

describe("reproducibility and the record", () => {
  it("gives byte-identical files for the same data and options, whatever the page size", async () => {
    for (const output of ["jsonl", "parquet", "hf-dataset"] as const) {
      const options = {
        format: "raw" as const,
        ...BOTH,
        split: { kind: "fraction" as const, value: 0.4, seed: "x" },
      };
      const first = await exportForTest(world.db, options, { output });
      const second = await exportForTest(world.db, options, { output, pageSize: 2 });
      expect(first.result.files.length).toBeGreaterThan(1);
      for (const file of first.result.files) {
        const again = second.result.files.find((other) => other.name === file.name)!;
        expect(sha256(second.file(file.name))).toBe(sha256(first.file(file.name)));
        expect(again.sha256).toBe(file.sha256);
      }
    }
  });

  it("records who exported what, with the row counts and each file's sha256", async () => {
    const admin = await createAdmin(world.db);
    const exported = await exportForTest(
      world.db,
      { format: "trl", ...BOTH, split: { kind: "fraction", value: 0.5, seed: "rec" } },
      { actor: admin.actor },
    );
    const [record] = await world.db
      .select()
      .from(exportsTable)
      .where(eq(exportsTable.id, exported.result.id));
    expect(record).toMatchObject({
      format: "trl",
      output: "jsonl",
      status: "completed",
      createdById: admin.user.id,
      via: "cli",
      rowCounts: exported.result.rowCounts,
      progressDone: record.progressTotal,
      error: null,
    });
    expect(record.options).toMatchObject({
      campaigns: ["helpfulness-main", "safety-main"],
      marginScheme: "small",
    });
    for (const file of record.files) {
      expect(file.sha256).toBe(sha256(exported.file(file.name)));
      expect(file.bytes).toBe(fs.statSync(exported.file(file.name)).size);
    }
    expect(record.files.reduce((sum, file) => sum + file.rows, 0)).toBe(
      Object.values(record.rowCounts).reduce((sum, count) => sum + count, 0),
    );
  });

  it("stops when cancelled, leaves no files and records the cancellation", async () => {
    const controller = new AbortController();
    let id = "";
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), "arbiter-export-cancel-"));
    onTestFinished(() => fs.rmSync(folder, { recursive: true, force: true }));
    const attempt = exportForTest(
      world.db,
      { format: "trl", ...BOTH, split: { kind: "fraction", value: 0.5, seed: "c" } },
      {
        folder,
        pageSize: 1,
        signal: controller.signal,
        onStart: (info) => (id = info.id),
        onProgress: (done) => {
          if (done === 2) controller.abort();
        },
      },
    );
    await expect(attempt).rejects.toThrow();
    const [record] = await world.db.select().from(exportsTable).where(eq(exportsTable.id, id));
    expect(record.status).toBe("cancelled");
    expect(record.progressDone).toBe(2);
    expect(record.files).toEqual([]);
    expect(fs.readdirSync(folder)).toEqual([]);
  });
});

describe("keyset pages", () => {
  it("reads every comparison once when many share the same timestamp", async () => {
    const setup = await createTestCampaign(world.db, { name: "same-second" });
    const annotator = world.annotators[0];
    for (let index = 0; index < 7; index++) {
      await createTestDialogue(world.db, setup, annotator.id, [
        {
          user: `question ${index}`,
          responses: [`a${index}`, `b${index}`],
          ranking: [0, 1],
          strength: "better",
        },
      ]);
    }
    await world.db
      .update(comparisons)
      .set({ createdAt: new Date("2025-06-01T00:00:00.123Z") })
      .where(eq(comparisons.campaignId, setup.campaign.id));
    const all = await exportForTest(world.db, { format: "raw", campaigns: ["same-second"] });
    const paged = await exportForTest(
      world.db,
      { format: "raw", campaigns: ["same-second"] },
      { pageSize: 2 },
    );
    const ids = paged.jsonl("export.jsonl").map((row) => row.comparison_id);
    expect(ids).toHaveLength(7);
    expect(new Set(ids).size).toBe(7);
    expect(ids).toEqual([...ids].sort());
    expect(sha256(paged.file("export.jsonl"))).toBe(sha256(all.file("export.jsonl")));
  });
});
