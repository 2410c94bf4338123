// The admin's list of reported turns: each report with the campaign, who reported it, the
// prompt and every response (variant, status, error), so the admin can decide what to do —
// test the variant again, leave it out of new batches, or reply to the annotator.
import { and, asc, count, desc, eq, inArray, isNotNull, isNull, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { z } from "zod";
import type { Db } from "@/db/client";
import { campaigns, problemReports, responses, turns, users } from "@/db/schema";
import { offsetOf, PageInput, toPage } from "../pagination";

export const ListProblemReportsInput = PageInput.extend({
  state: z.enum(["open", "resolved"], "Choose open or resolved reports.").default("open"),
  campaignId: z.uuid("That is not a valid campaign id.").optional(),
});
export type ListProblemReportsInput = z.input<typeof ListProblemReportsInput>;

export async function listProblemReports(db: Db, rawInput: ListProblemReportsInput) {
  const input = ListProblemReportsInput.parse(rawInput);
  const where: SQL[] = [
    input.state === "open" ? isNull(problemReports.resolvedAt) : isNotNull(problemReports.resolvedAt),
  ];
  if (input.campaignId) where.push(eq(problemReports.campaignId, input.campaignId));
  const resolver = alias(users, "resolver");
  const rows = await db
    .select({
      id: problemReports.id,
      kind: problemReports.kind,
      note: problemReports.note,
      createdAt: problemReports.createdAt,
      resolvedAt: problemReports.resolvedAt,
      resolvedByEmail: resolver.email,
      reply: problemReports.reply,
      campaignId: problemReports.campaignId,
      campaignName: campaigns.name,
      annotatorEmail: users.email,
      turnId: problemReports.turnId,
      userMessage: turns.userMessage,
    })
    .from(problemReports)
    .innerJoin(campaigns, eq(campaigns.id, problemReports.campaignId))
    .innerJoin(users, eq(users.id, problemReports.annotatorId))
    .innerJoin(turns, eq(turns.id, problemReports.turnId))
    .leftJoin(resolver, eq(resolver.id, problemReports.resolvedById))
    .where(and(...where))
    .orderBy(input.state === "open" ? asc(problemReports.createdAt) : desc(problemReports.resolvedAt))
    .limit(input.pageSize)
    .offset(offsetOf(input));
  const [{ total }] = await db
    .select({ total: count() })
    .from(problemReports)
    .where(and(...where));
  const turnIds = rows.map((row) => row.turnId);
  const responseRows =
    turnIds.length === 0
      ? []
      : await db
          .select({
            turnId: responses.turnId,
            position: responses.position,
            variantId: responses.variantId,
            variantName: responses.variantName,
            variantVersion: responses.variantVersion,
            status: responses.status,
            error: responses.error,
            text: responses.text,
            finishReason: responses.finishReason,
          })
          .from(responses)
          .where(inArray(responses.turnId, turnIds))
          .orderBy(asc(responses.position));
  return toPage(
    rows.map((row) => ({
      ...row,
      responses: responseRows.filter((response) => response.turnId === row.turnId),
    })),
    total,
    input,
  );
}
