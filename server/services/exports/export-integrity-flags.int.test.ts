// Turns flagged for identity leaks when saved: marked in raw exports, kept in training formats
// unless `excludeFlagged` (`npm run export -- --exclude-flagged`) leaves them out.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { queryRows } from "@/db/query-rows";
import { createTestDb } from "@/db/testing";
import { generateSyntheticData } from "@/scripts/synthetic/generate-synthetic";
import { exportForTest } from "@/server/testing/export-readback";

let database: Database;
let flaggedComparisons: Set<string>;
let allComparisons: number;

beforeAll(async () => {
  database = await createTestDb();
  const { campaignId } = await generateSyntheticData(database.db, {
    comparisons: 300,
    campaignName: "leaky",
    seed: 21,
    identityLeaks: 4,
  });
  const rows = await queryRows<{ id: string; flagged: boolean }>(
    database.db,
    sql`select c.id, exists (select 1 from turn_flags f where f.turn_id = c.turn_id) as flagged
        from comparisons c where c.campaign_id = ${campaignId}`,
  );
  flaggedComparisons = new Set(rows.filter((row) => row.flagged).map((row) => row.id));
  allComparisons = rows.length;
}, 300_000);

afterAll(async () => {
  await database?.close();
});

describe("exports of identity-flagged turns", () => {
  it(
    "marks them in raw and leaves them out of training formats when asked",
    { timeout: 120_000 },
    async () => {
      expect(flaggedComparisons.size).toBeGreaterThanOrEqual(4);
      const options = { campaigns: ["leaky"], excludeRejected: false, excludeReported: false };
      const raw = (await exportForTest(database.db, { format: "raw", ...options })).jsonl("export.jsonl");
      expect(raw).toHaveLength(allComparisons);
      for (const row of raw) {
        const flags = row.integrity_flags as string[];
        expect(flags.includes("identity-leak"), String(row.comparison_id)).toBe(
          flaggedComparisons.has(row.comparison_id as string),
        );
      }
      // Raw keeps them even when asked to exclude: it is where they are marked.
      const rawExcluding = (
        await exportForTest(database.db, { format: "raw", ...options, excludeFlagged: true })
      ).jsonl("export.jsonl");
      expect(rawExcluding).toHaveLength(allComparisons);

      const kept = (await exportForTest(database.db, { format: "kto", ...options })).jsonl("export.jsonl");
      const excluded = (
        await exportForTest(database.db, { format: "kto", ...options, excludeFlagged: true })
      ).jsonl("export.jsonl");
      // KTO writes two rows per kept pair.
      expect(kept.length - excluded.length).toBeGreaterThanOrEqual(2 * 4);
    },
  );
});
