// The annotator's own comparisons, newest first: what they judged, where, how long it took and
// what review decided. A pair task's rating says "pair", never whether it was gold or overlap.
import { and, count, desc, eq, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { campaigns, comparisons, turns } from "@/db/schema";
import type { SessionUser } from "@/server/auth/session-user";
import { offsetOf, PageInput, toPage } from "../pagination";

export const ListWorkHistoryInput = PageInput.extend({
  campaignId: z.uuid("That is not a valid campaign id.").optional(),
});
export type ListWorkHistoryInput = z.input<typeof ListWorkHistoryInput>;

export async function listWorkHistory(
  db: Db,
  rawInput: ListWorkHistoryInput | undefined,
  actor: Pick<SessionUser, "id">,
) {
  const input = ListWorkHistoryInput.parse(rawInput ?? {});
  const mine: SQL[] = [
    eq(comparisons.annotatorId, actor.id),
    ...(input.campaignId ? [eq(comparisons.campaignId, input.campaignId)] : []),
  ];
  const rows = await db
    .select({
      id: comparisons.id,
      createdAt: comparisons.createdAt,
      campaignId: comparisons.campaignId,
      campaignName: campaigns.name,
      task: sql<
        "dialogue" | "pair"
      >`case when ${comparisons.source} = 'primary' then 'dialogue' else 'pair' end`,
      userMessage: sql<string>`left(${turns.userMessage}, 200)`,
      strength: comparisons.strength,
      reviewStatus: comparisons.reviewStatus,
      timeSpentMs: comparisons.timeSpentMs,
    })
    .from(comparisons)
    .innerJoin(campaigns, eq(campaigns.id, comparisons.campaignId))
    .innerJoin(turns, eq(turns.id, comparisons.turnId))
    .where(and(...mine))
    .orderBy(desc(comparisons.createdAt), desc(comparisons.id))
    .limit(input.pageSize)
    .offset(offsetOf(input));
  const [{ total }] = await db
    .select({ total: count() })
    .from(comparisons)
    .where(and(...mine));
  return toPage(rows, total, input);
}
