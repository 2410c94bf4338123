// Turns flagged for identity leaks when saved: marked in raw exports, kept in training formats
// unless `excludeFlagged` (`npm run export -- --exclude-flagged`) leaves them out. Dialogues that
// open with a near-duplicate prompt: marked in raw exports with their cluster.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { queryRows } from "@/db/query-rows";
import { createTestDb } from "@/db/testing";
import { generateSyntheticData } from "@/scripts/synthetic/generate-synthetic";
import { exportForTest } from "@/server/testing/export-readback";

let database: Database;
let campaignId: string;
let flaggedComparisons: Set<string>;
let allComparisons: number;

beforeAll(async () => {
  database = await createTestDb();
  ({ campaignId } = await generateSyntheticData(database.db, {
    comparisons: 300,
    campaignName: "leaky",
    seed: 21,
    identityLeaks: 4,
    duplicatePrompts: 3,
  }));
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

  it(
    "marks every turn of a dialogue that opens with a near-duplicate, with its cluster",
    { timeout: 120_000 },
    async () => {
      // The saved clusters, read independently: each dialogue's opening prompt, its cluster's first
      // dialogue and its place in the cluster.
      const clusters = await queryRows<{
        conversationId: string;
        clusterConversationId: string;
        position: number;
      }>(
        database.db,
        sql`select o.conversation_id as "conversationId", f.conversation_id as "clusterConversationId",
            p.cluster_position as position
          from prompt_signatures p join turns o on o.id = p.turn_id join turns f on f.id = p.cluster_turn_id
          where p.campaign_id = ${campaignId}`,
      );
      const clusterOf = new Map(clusters.map((row) => [row.conversationId, row]));
      const raw = (
        await exportForTest(database.db, {
          format: "raw",
          campaigns: ["leaky"],
          excludeRejected: false,
          excludeReported: false,
        })
      ).jsonl("export.jsonl");
      const duplicateDialogues = new Set<unknown>();
      for (const row of raw) {
        const cluster = clusterOf.get(row.conversation_id as string)!;
        expect(row.prompt_cluster).toBe(cluster.clusterConversationId);
        const isDuplicate = (row.integrity_flags as string[]).includes("near-duplicate");
        expect(isDuplicate, String(row.comparison_id)).toBe(cluster.position > 0);
        if (isDuplicate) {
          duplicateDialogues.add(row.conversation_id);
          expect(row.prompt_cluster).not.toBe(row.conversation_id);
        }
      }
      // The three planted duplicates, each judged at least once.
      expect(duplicateDialogues.size).toBe(3);
    },
  );
});
