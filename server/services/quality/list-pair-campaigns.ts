// The campaigns where the annotator can rate pairs, with their pending task and how many pairs
// they could be served (counted up to 1,000). Overlap and gold pairs are counted together, as
// they are served alike: a count of overlap pairs alone would show when a task is gold.
import { and, count, desc, inArray, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { campaigns, goldItems, overlapCandidates, pairTasks } from "@/db/schema";
import { isCampaignMemberSql, type Actor } from "../annotation/access";
import { offsetOf, PageInput, toPage } from "../pagination";
import { pendingTaskOf, servableGold, servableOverlap } from "./claim-pair-task";

const COUNT_UP_TO = 1000;

export const ListPairCampaignsInput = PageInput;

export async function listPairCampaigns(db: Db, rawInput: PageInput | undefined, actor: Actor) {
  const input = ListPairCampaignsInput.parse(rawInput ?? {});
  const where = and(inArray(campaigns.status, ["active", "paused"]), isCampaignMemberSql(actor.id));
  const rows = await db
    .select({
      id: campaigns.id,
      name: campaigns.name,
      kind: campaigns.kind,
      status: campaigns.status,
      goldFraction: campaigns.goldFraction,
    })
    .from(campaigns)
    .where(where)
    .orderBy(desc(campaigns.createdAt))
    .limit(input.pageSize)
    .offset(offsetOf(input));
  const [{ total }] = await db.select({ total: count() }).from(campaigns).where(where);
  const items = await Promise.all(
    rows.map(async ({ goldFraction, ...campaign }) => {
      const [[pending], [overlap], [gold]] = await Promise.all([
        db.select({ id: pairTasks.id }).from(pairTasks).where(pendingTaskOf(actor.id, campaign.id)).limit(1),
        db.select({ waiting: sql<number>`count(*)::int` }).from(
          db
            .select({ one: sql`1`.as("one") })
            .from(overlapCandidates)
            .where(servableOverlap(db, campaign.id, actor.id))
            .limit(COUNT_UP_TO)
            .as("overlap"),
        ),
        // Gold is served only when the campaign has a gold fraction.
        goldFraction === 0
          ? [{ waiting: 0 }]
          : db.select({ waiting: sql<number>`count(*)::int` }).from(
              db
                .select({ one: sql`1`.as("one") })
                .from(goldItems)
                .where(servableGold(db, campaign.id, actor.id))
                .limit(COUNT_UP_TO)
                .as("gold"),
            ),
      ]);
      const waiting = Number(overlap?.waiting ?? 0) + Number(gold?.waiting ?? 0);
      return {
        ...campaign,
        pendingTaskId: pending?.id ?? null,
        waitingPairs: Math.min(waiting, COUNT_UP_TO),
      };
    }),
  );
  return toPage(items, total, input);
}
