// "Send to review" puts a flagged annotator's accepted comparisons back into the review queue,
// leaves rejected ones and other annotators' alone, and the queue filtered to the annotator
// then lists all of theirs that wait.
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { queryRows } from "@/db/query-rows";
import { auditLog, comparisons } from "@/db/schema";
import { createTestDb } from "@/db/testing";
import { generateSyntheticData } from "@/scripts/synthetic/generate-synthetic";
import { createAdmin } from "@/server/testing/fixtures";
import { listReviewQueue } from "../quality/reviews";
import { sendAnnotatorToReview } from "./send-annotator-to-review";

let database: Database;
let campaignId: string;

beforeAll(async () => {
  database = await createTestDb();
  ({ campaignId } = await generateSyntheticData(database.db, {
    comparisons: 120,
    campaignName: "Send to review",
    annotators: 3,
    seed: 11,
  }));
}, 120_000);
afterAll(async () => {
  await database?.close();
});

const statusesOf = (annotatorId: string) =>
  queryRows<{ status: string; n: number }>(
    database.db,
    sql`select review_status as status, count(*)::int as n from comparisons
        where campaign_id = ${campaignId} and annotator_id = ${annotatorId} group by 1 order by 1`,
  );

describe("sendAnnotatorToReview", () => {
  it("reopens the annotator's accepted comparisons and leaves everything else as it was", async () => {
    const { actor: admin } = await createAdmin(database.db);
    const [flagged, other] = await queryRows<{ id: string }>(
      database.db,
      sql`select annotator_id as id from comparisons where campaign_id = ${campaignId}
          group by 1 order by count(*) desc limit 2`,
    );
    // Reviewers had accepted everything of both, and rejected one comparison of the flagged one.
    for (const annotatorId of [flagged.id, other.id]) {
      await database.db
        .update(comparisons)
        .set({ reviewStatus: "accepted" })
        .where(and(eq(comparisons.campaignId, campaignId), eq(comparisons.annotatorId, annotatorId)));
    }
    await database.db.execute(sql`
      update comparisons set review_status = 'rejected' where id = (
        select id from comparisons where campaign_id = ${campaignId} and annotator_id = ${flagged.id} limit 1)`);
    const [{ total }] = await queryRows<{ total: number }>(
      database.db,
      sql`select count(*)::int as total from comparisons
          where campaign_id = ${campaignId} and annotator_id = ${flagged.id}`,
    );
    const otherBefore = await statusesOf(other.id);

    const result = await sendAnnotatorToReview(database.db, { campaignId, annotatorId: flagged.id }, admin);
    expect(result).toEqual({ reopened: total - 1, pending: total - 1 });
    expect(await statusesOf(flagged.id)).toEqual([
      { status: "pending", n: total - 1 },
      { status: "rejected", n: 1 },
    ]);
    expect(await statusesOf(other.id)).toEqual(otherBefore);

    const queue = await listReviewQueue(database.db, {
      campaignId,
      annotatorId: flagged.id,
      source: "primary",
      pageSize: 100,
    });
    const [{ primaryPending }] = await queryRows<{ primaryPending: number }>(
      database.db,
      sql`select count(*)::int as "primaryPending" from comparisons where campaign_id = ${campaignId}
          and annotator_id = ${flagged.id} and source = 'primary' and review_status = 'pending'`,
    );
    expect(queue.total).toBe(primaryPending);
    expect(queue.items).toHaveLength(Math.min(100, primaryPending));

    const [entry] = await database.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, "comparison.sent_to_review"));
    expect(entry).toMatchObject({ actorId: admin.id, targetId: flagged.id });
  });
});
