// The annotator's campaign list: the campaigns open to them (active or paused, membership "all"
// or naming them; a crowd participant's own campaign only), with their own progress in each.
import { and, count, desc, eq, gte, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { campaigns, comparisons, conversations, guidelineAcknowledgements } from "@/db/schema";
import type { CampaignKind } from "@/lib/constants";
import { isCampaignMemberSql, type Actor } from "./access";
import { startOfUtcDay } from "./start-turn";
import { offsetOf, PageInput, toPage, type Page } from "../pagination";

export const GetAnnotatorCampaignsInput = PageInput;
export type GetAnnotatorCampaignsInput = z.input<typeof PageInput>;

export interface AnnotatorCampaign {
  id: string;
  name: string;
  description: string;
  kind: CampaignKind;
  status: "active" | "paused";
  dailyQuota: number | null;
  comparisonsTotal: number;
  comparisonsToday: number;
  hasConversationInProgress: boolean;
  hasAcknowledgedGuidelines: boolean;
}

export async function getAnnotatorCampaigns(
  db: Db,
  rawInput: GetAnnotatorCampaignsInput,
  actor: Actor,
): Promise<Page<AnnotatorCampaign>> {
  const input = GetAnnotatorCampaignsInput.parse(rawInput);
  const where = and(inArray(campaigns.status, ["active", "paused"]), isCampaignMemberSql(actor.id));
  const rows = await db
    .select()
    .from(campaigns)
    .where(where)
    .orderBy(desc(campaigns.status), desc(campaigns.createdAt), desc(campaigns.id))
    .limit(input.pageSize)
    .offset(offsetOf(input));
  const [{ total }] = await db.select({ total: count() }).from(campaigns).where(where);
  const ids = rows.map((row) => row.id);
  if (ids.length === 0) return toPage([], total, input);

  const counts = await db
    .select({
      campaignId: comparisons.campaignId,
      total: count(),
      today: sql<number>`count(*) filter (where ${gte(comparisons.createdAt, startOfUtcDay())})`.mapWith(
        Number,
      ),
    })
    .from(comparisons)
    .where(and(eq(comparisons.annotatorId, actor.id), inArray(comparisons.campaignId, ids)))
    .groupBy(comparisons.campaignId);
  const active = await db
    .select({ campaignId: conversations.campaignId })
    .from(conversations)
    .where(
      and(
        eq(conversations.annotatorId, actor.id),
        eq(conversations.status, "active"),
        inArray(conversations.campaignId, ids),
      ),
    );
  const acknowledged = await db
    .select({ campaignId: guidelineAcknowledgements.campaignId, version: guidelineAcknowledgements.version })
    .from(guidelineAcknowledgements)
    .where(
      and(eq(guidelineAcknowledgements.userId, actor.id), inArray(guidelineAcknowledgements.campaignId, ids)),
    );

  return toPage(
    rows.map((campaign) => {
      const mine = counts.find((row) => row.campaignId === campaign.id);
      return {
        id: campaign.id,
        name: campaign.name,
        description: campaign.description,
        kind: campaign.kind,
        status: campaign.status as "active" | "paused",
        dailyQuota: campaign.dailyQuota,
        comparisonsTotal: mine?.total ?? 0,
        comparisonsToday: mine?.today ?? 0,
        hasConversationInProgress: active.some((row) => row.campaignId === campaign.id),
        hasAcknowledgedGuidelines: acknowledged.some(
          (row) => row.campaignId === campaign.id && row.version === campaign.guidelinesVersion,
        ),
      };
    }),
    total,
    input,
  );
}
