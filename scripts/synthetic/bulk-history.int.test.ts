// The benchmarks' bulk path writes the history it promises and leaves a finished one alone.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { queryRows } from "@/db/query-rows";
import { createTestDb } from "@/db/testing";
import { writeBulkHistory } from "./bulk-history";

let database: Database;

beforeAll(async () => {
  database = await createTestDb();
});
afterAll(async () => {
  await database?.close();
});

describe("writeBulkHistory", () => {
  it("writes 4-turn dialogues with one comparison per turn, then reuses them", async () => {
    const written = await writeBulkHistory(database.db, 40, () => {});
    expect(written).toMatchObject({ comparisons: 40, seeded: true });

    const [counts] = await queryRows<Record<string, number>>(
      database.db,
      sql`select count(distinct c.conversation_id)::int as dialogues,
                 count(distinct c.annotator_id)::int as annotators,
                 count(*) filter (where jsonb_array_length(c.ranking) = 4)::int as rankings,
                 count(*) filter (where c.chosen_response_id = t.chosen_response_id)::int as consistent,
                 count(s.comparison_id)::int as sides
          from comparisons c join turns t on t.id = c.turn_id
          left join comparison_sides s on s.comparison_id = c.id
          where c.campaign_id = ${written.campaignId}`,
    );
    // Each comparison's sides too (copied by a trigger), for the integrity report.
    expect(counts).toEqual({ dialogues: 10, annotators: 10, rankings: 4, consistent: 40, sides: 40 });

    expect(await writeBulkHistory(database.db, 40, () => {})).toMatchObject({
      campaignId: written.campaignId,
      comparisons: 40,
      seeded: false,
    });
  });
});
