// What the export form offers: every campaign with its kind, batches and comparison count.
import { asc, count } from "drizzle-orm";
import type { Db } from "@/db/client";
import { batches, campaigns, comparisons } from "@/db/schema";

export async function listExportSources(db: Db) {
  const campaignRows = await db
    .select({ id: campaigns.id, name: campaigns.name, kind: campaigns.kind, status: campaigns.status })
    .from(campaigns)
    .orderBy(asc(campaigns.createdAt), asc(campaigns.id));
  const batchRows = await db
    .select({ campaignId: batches.campaignId, number: batches.number, label: batches.label })
    .from(batches)
    .orderBy(asc(batches.number));
  const counts = await db
    .select({ campaignId: comparisons.campaignId, comparisons: count() })
    .from(comparisons)
    .groupBy(comparisons.campaignId);
  return campaignRows.map((campaign) => ({
    ...campaign,
    batches: batchRows
      .filter((batch) => batch.campaignId === campaign.id)
      .map(({ number, label }) => ({ number, label })),
    comparisons: counts.find((row) => row.campaignId === campaign.id)?.comparisons ?? 0,
  }));
}
