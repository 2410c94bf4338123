// The Integrity tab's drill-down: one annotator's comparisons in a campaign, newest first, with
// what the checks look at (which side won, how it was shown, the time, the strength).
import { and, count, desc, eq } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { z } from "zod";
import type { Db } from "@/db/client";
import { comparisons, responses, turns } from "@/db/schema";
import { findCampaign } from "../campaigns/campaign-access";
import { PageInput, toPage } from "../pagination";

export const ListAnnotatorComparisonsInput = PageInput.extend({
  campaignId: z.uuid("That is not a valid campaign id."),
  annotatorId: z.uuid("That is not a valid user id."),
});
export type ListAnnotatorComparisonsInput = z.input<typeof ListAnnotatorComparisonsInput>;

const PROMPT_EXCERPT = 160;

export async function listAnnotatorComparisons(db: Db, rawInput: ListAnnotatorComparisonsInput) {
  const input = ListAnnotatorComparisonsInput.parse(rawInput);
  const campaign = await findCampaign(db, input.campaignId);
  const chosen = alias(responses, "chosen");
  const rejected = alias(responses, "rejected");
  const where = and(eq(comparisons.campaignId, campaign.id), eq(comparisons.annotatorId, input.annotatorId));
  const [rows, [{ total }]] = await Promise.all([
    db
      .select({
        id: comparisons.id,
        createdAt: comparisons.createdAt,
        source: comparisons.source,
        prompt: turns.userMessage,
        chosenVariant: chosen.variantName,
        chosenPosition: chosen.position,
        rejectedVariant: rejected.variantName,
        strength: comparisons.strength,
        timeSpentMs: comparisons.timeSpentMs,
        reviewStatus: comparisons.reviewStatus,
      })
      .from(comparisons)
      .innerJoin(turns, eq(turns.id, comparisons.turnId))
      .innerJoin(chosen, eq(chosen.id, comparisons.chosenResponseId))
      .innerJoin(rejected, eq(rejected.id, comparisons.rejectedResponseId))
      .where(where)
      .orderBy(desc(comparisons.createdAt), desc(comparisons.id))
      .limit(input.pageSize)
      .offset((input.page - 1) * input.pageSize),
    db.select({ total: count() }).from(comparisons).where(where),
  ]);
  return toPage(
    rows.map(({ prompt, chosenPosition, ...row }) => ({
      ...row,
      prompt: prompt.length > PROMPT_EXCERPT ? `${prompt.slice(0, PROMPT_EXCERPT)}…` : prompt,
      // Primary comparisons: the author's display slot; pair tasks re-randomize the order.
      chosenSlot: row.source === "primary" ? String.fromCharCode(65 + chosenPosition) : null,
    })),
    Number(total),
    input,
  );
}
