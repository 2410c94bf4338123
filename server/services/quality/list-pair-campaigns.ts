// The campaigns where the annotator can rate pairs, with their pending task and how many
// pairs wait for a second rating (counted up to 1,000).
import { and, count, desc, eq, inArray, isNull, ne, or, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { campaignMembers, campaigns, overlapCandidates, pairTasks } from "@/db/schema";
import type { Actor } from "../annotation/access";
import { offsetOf, PageInput, toPage } from "../pagination";

export const ListPairCampaignsInput = PageInput;

export async function listPairCampaigns(db: Db, rawInput: PageInput | undefined, actor: Actor) {
  const input = ListPairCampaignsInput.parse(rawInput ?? {});
  const where = and(
    inArray(campaigns.status, ["active", "paused"]),
    or(
      eq(campaigns.membership, "all"),
      sql`exists (select 1 from ${campaignMembers} where ${campaignMembers.campaignId} = ${campaigns.id} and ${campaignMembers.userId} = ${actor.id})`,
    ),
  );
  const rows = await db
    .select({ id: campaigns.id, name: campaigns.name, kind: campaigns.kind, status: campaigns.status })
    .from(campaigns)
    .where(where)
    .orderBy(desc(campaigns.createdAt))
    .limit(input.pageSize)
    .offset(offsetOf(input));
  const [{ total }] = await db.select({ total: count() }).from(campaigns).where(where);
  const items = await Promise.all(
    rows.map(async (campaign) => {
      const [[pending], [waiting]] = await Promise.all([
        db
          .select({ id: pairTasks.id })
          .from(pairTasks)
          .where(
            and(
              eq(pairTasks.annotatorId, actor.id),
              eq(pairTasks.campaignId, campaign.id),
              eq(pairTasks.status, "pending"),
            ),
          )
          .limit(1),
        db.select({ waiting: sql<number>`count(*)::int` }).from(
          db
            .select({ one: sql`1`.as("one") })
            .from(overlapCandidates)
            .where(
              and(
                eq(overlapCandidates.campaignId, campaign.id),
                isNull(overlapCandidates.pairTaskId),
                ne(overlapCandidates.authorId, actor.id),
              ),
            )
            .limit(1000)
            .as("waiting"),
        ),
      ]);
      return { ...campaign, pendingTaskId: pending?.id ?? null, waitingPairs: Number(waiting?.waiting ?? 0) };
    }),
  );
  return toPage(items, total, input);
}
