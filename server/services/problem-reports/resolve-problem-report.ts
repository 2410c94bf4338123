// An admin closes a reported turn, optionally with a reply the annotator reads among their
// feedback (what was wrong, whether to try the prompt again).
import { and, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { problemReports } from "@/db/schema";
import { NOTE_MAX_CHARS } from "@/lib/constants";
import type { SessionUser } from "@/server/auth/session-user";
import { NotFoundError } from "@/server/errors";
import { recordAudit } from "../audit/record-audit";

export const ResolveProblemReportInput = z.object({
  reportId: z.uuid("That is not a valid report id."),
  reply: z
    .string()
    .trim()
    .max(NOTE_MAX_CHARS, `A reply can be at most ${NOTE_MAX_CHARS.toLocaleString("en-US")} characters long.`)
    .nullish()
    .transform((value) => value || null),
});
export type ResolveProblemReportInput = z.input<typeof ResolveProblemReportInput>;

export async function resolveProblemReport(
  db: Db,
  rawInput: ResolveProblemReportInput,
  actor: Pick<SessionUser, "id">,
) {
  const input = ResolveProblemReportInput.parse(rawInput);
  return db.transaction(async (tx) => {
    const [resolved] = await tx
      .update(problemReports)
      .set({ resolvedAt: new Date(), resolvedById: actor.id, reply: input.reply })
      .where(and(eq(problemReports.id, input.reportId), isNull(problemReports.resolvedAt)))
      .returning();
    if (!resolved) {
      const [existing] = await tx
        .select()
        .from(problemReports)
        .where(eq(problemReports.id, input.reportId))
        .limit(1);
      // Resolving twice (another admin, a double click) answers with the first resolution.
      if (existing) return existing;
      throw new NotFoundError("That report does not exist. Reload the list of reported turns.");
    }
    await recordAudit(tx, {
      actorId: actor.id,
      action: "problem_report.resolved",
      targetType: "problem_report",
      targetId: resolved.id,
      details: { campaignId: resolved.campaignId, kind: resolved.kind, hasReply: input.reply !== null },
    });
    return resolved;
  });
}
