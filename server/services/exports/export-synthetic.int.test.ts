// Exports of the administration work's synthetic history (multi-turn dialogues, overlap and gold
// ratings, reviews, problem reports, weekly batches), checked against the comparisons table.
import crypto from "node:crypto";
import fs from "node:fs";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { Database } from "@/db/client";
import { queryRows } from "@/db/query-rows";
import { createTestDb } from "@/db/testing";
import { generateSyntheticData } from "@/scripts/synthetic/generate-synthetic";
import { exportForTest } from "@/server/testing/export-readback";

let database: Database;

interface StoredComparison {
  id: string;
  conversationId: string;
  source: string;
  reviewStatus: string;
  ranking: string[];
  responseSafety: Record<string, boolean> | null;
  isReported: boolean;
  batchNumber: number;
  campaign: string;
}

let stored: StoredComparison[];

beforeAll(async () => {
  database = await createTestDb();
  await generateSyntheticData(database.db, {
    comparisons: 300,
    campaignName: "synthetic-help",
    kind: "helpfulness",
    seed: 11,
  });
  await generateSyntheticData(database.db, {
    comparisons: 300,
    campaignName: "synthetic-safety",
    kind: "safety",
    seed: 12,
  });
  stored = await queryRows<StoredComparison>(
    database.db,
    sql`
    select c.id, c.conversation_id as "conversationId", c.source, c.review_status as "reviewStatus", c.ranking,
      c.response_safety as "responseSafety", b.number as "batchNumber", k.name as campaign,
      exists (select 1 from problem_reports p where p.turn_id = c.turn_id) as "isReported"
    from comparisons c join conversations v on v.id = c.conversation_id join batches b on b.id = v.batch_id
      join campaigns k on k.id = c.campaign_id
    where k.name like 'synthetic-%'`,
  );
}, 300_000);

afterAll(async () => {
  await database?.close();
});

const BOTH = { campaigns: ["synthetic-help", "synthetic-safety"] };

/** Pairs a comparison gives to training formats: every ordered pair but unsafe-over-safe ones. */
function keptPairs(comparison: StoredComparison) {
  let count = 0;
  const { ranking, responseSafety: safety } = comparison;
  for (let i = 0; i < ranking.length; i++) {
    for (let j = i + 1; j < ranking.length; j++) {
      if (!(safety && safety[ranking[i]] === false && safety[ranking[j]] === true)) count++;
    }
  }
  return count;
}

describe("exports of synthetic data", () => {
  it("has the comparisons the generator wrote, overlap ratings among them", () => {
    expect(stored).toHaveLength(600);
    expect(stored.some((comparison) => comparison.source === "overlap")).toBe(true);
  });

  it("gives one raw row per comparison and the expected number of trl pairs", async () => {
    const raw = (
      await exportForTest(database.db, {
        format: "raw",
        ...BOTH,
        excludeRejected: false,
        excludeReported: false,
      })
    ).jsonl("export.jsonl");
    expect(raw.map((row) => row.comparison_id).sort()).toEqual(
      stored.map((comparison) => comparison.id).sort(),
    );

    const trl = (await exportForTest(database.db, { format: "trl", ...BOTH })).jsonl("export.jsonl");
    const Message = z.object({ role: z.enum(["system", "user", "assistant"]), content: z.string() }).strict();
    const Row = z
      .object({
        prompt: z.array(Message).min(1),
        chosen: z.tuple([Message]),
        rejected: z.tuple([Message]),
        margin: z.number(),
      })
      .strict();
    for (const row of trl) expect(Row.parse(row).prompt.at(-1)!.role).toBe("user");
    const included = stored.filter(
      (comparison) =>
        comparison.source !== "gold" && comparison.reviewStatus !== "rejected" && !comparison.isReported,
    );
    expect(trl).toHaveLength(included.reduce((sum, comparison) => sum + keptPairs(comparison), 0));
  });

  it("splits by dialogue, a count per batch, and re-exports byte for byte", async () => {
    const options = {
      format: "raw" as const,
      ...BOTH,
      split: { kind: "count-per-batch" as const, value: 2, seed: "syn" },
    };
    const first = await exportForTest(database.db, options, { output: "hf-dataset" });
    const train = await first.parquet("data/train-00000-of-00001.parquet");
    const test = await first.parquet("data/test-00000-of-00001.parquet");
    const testDialogues = new Set(test.map((row) => row.conversation_id));
    for (const row of train) expect(testDialogues.has(row.conversation_id)).toBe(false);
    // Two dialogues per batch (the batch a dialogue started in) of each campaign, among the
    // dialogues the filters leave a comparison of (rejected and reported ones are left out).
    const batchOf = (comparison: StoredComparison) => `${comparison.campaign}/${comparison.batchNumber}`;
    const eligible = new Map<string, Set<string>>();
    for (const comparison of stored.filter((item) => item.reviewStatus !== "rejected" && !item.isReported)) {
      eligible.set(
        batchOf(comparison),
        (eligible.get(batchOf(comparison)) ?? new Set()).add(comparison.conversationId),
      );
    }
    const dialogueBatch = new Map(
      stored.map((comparison) => [comparison.conversationId, batchOf(comparison)]),
    );
    const perBatch = new Map<string, number>();
    for (const id of testDialogues) {
      const batch = dialogueBatch.get(id as string)!;
      perBatch.set(batch, (perBatch.get(batch) ?? 0) + 1);
    }
    expect(Object.fromEntries(perBatch)).toEqual(
      Object.fromEntries([...eligible].map(([batch, dialogues]) => [batch, Math.min(2, dialogues.size)])),
    );

    const second = await exportForTest(database.db, options, { output: "hf-dataset", pageSize: 7 });
    for (const file of first.result.files) {
      const hash = (folder: typeof first) =>
        crypto
          .createHash("sha256")
          .update(fs.readFileSync(folder.file(file.name)))
          .digest("hex");
      expect(hash(second)).toBe(hash(first));
    }
  });

  it("aggregates overlap ratings into one judgement per turn", async () => {
    const perAnnotator = (await exportForTest(database.db, { format: "kto", ...BOTH })).jsonl("export.jsonl");
    const aggregated = (
      await exportForTest(database.db, { format: "kto", ...BOTH, overlap: "aggregate" })
    ).jsonl("export.jsonl");
    const overlap = stored.filter((comparison) => comparison.source === "overlap").length;
    expect(overlap).toBeGreaterThan(0);
    expect(aggregated.length).toBeLessThan(perAnnotator.length);
    expect(aggregated.filter((row) => row.label === true).length).toBeLessThanOrEqual(
      perAnnotator.filter((row) => row.label === true).length - 1,
    );
  });
});
