// The admin's campaign list: newest first, filtered by status or name, with each campaign's
// comparison count (from the rollups) and open batch.
import { and, count, desc, eq, ilike, inArray, ne, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { annotatorRollups, batches, campaigns } from "@/db/schema";
import { CAMPAIGN_STATUSES } from "@/lib/constants";
import { containsPattern, offsetOf, PageInput, toPage } from "../pagination";

export const ListCampaignsInput = PageInput.extend({
  /** Default: everything but archived campaigns. */
  status: z.enum([...CAMPAIGN_STATUSES, "all"]).optional(),
  search: z.string().trim().max(100).optional(),
});
export type ListCampaignsInput = z.input<typeof ListCampaignsInput>;

export async function listCampaigns(db: Db, rawInput: ListCampaignsInput) {
  const input = ListCampaignsInput.parse(rawInput);
  const conditions: SQL[] = [];
  if (!input.status) conditions.push(ne(campaigns.status, "archived"));
  else if (input.status !== "all") conditions.push(eq(campaigns.status, input.status));
  if (input.search) conditions.push(ilike(campaigns.name, containsPattern(input.search)));
  const where = conditions.length > 0 ? and(...conditions) : undefined;
  const rows = await db
    .select()
    .from(campaigns)
    .where(where)
    .orderBy(desc(campaigns.createdAt), desc(campaigns.id))
    .limit(input.pageSize)
    .offset(offsetOf(input));
  const [{ total }] = await db.select({ total: count() }).from(campaigns).where(where);
  const ids = rows.map((row) => row.id);
  const [counts, openBatches] =
    ids.length === 0
      ? [[], []]
      : await Promise.all([
          db
            .select({
              campaignId: annotatorRollups.campaignId,
              comparisons: sql<number>`sum(${annotatorRollups.comparisons})::int`,
            })
            .from(annotatorRollups)
            .where(and(inArray(annotatorRollups.campaignId, ids), eq(annotatorRollups.source, "primary")))
            .groupBy(annotatorRollups.campaignId),
          db
            .select({ campaignId: batches.campaignId, number: batches.number, label: batches.label })
            .from(batches)
            .where(and(inArray(batches.campaignId, ids), eq(batches.status, "open"))),
        ]);
  const countOf = new Map(counts.map((row) => [row.campaignId, Number(row.comparisons)]));
  const batchOf = new Map(openBatches.map((row) => [row.campaignId, row]));
  return toPage(
    rows.map((campaign) => ({
      id: campaign.id,
      name: campaign.name,
      kind: campaign.kind,
      status: campaign.status,
      createdAt: campaign.createdAt,
      comparisons: countOf.get(campaign.id) ?? 0,
      openBatch: batchOf.get(campaign.id) ?? null,
    })),
    total,
    input,
  );
}
