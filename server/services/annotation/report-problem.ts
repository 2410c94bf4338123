// "Report a problem": a turn whose responses are empty, broken or failed is reported instead of
// judged. It produces no training data; the report is kept for admins, and the conversation
// ends (its last turn has no chosen response to continue from). The workspace offers the same
// prompt again in a new conversation.
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { conversations, problemReports } from "@/db/schema";
import { PROBLEM_KINDS } from "@/lib/constants";
import { ValidationError } from "@/server/errors";
import { conversationEnded, findOwnTurn, type Actor } from "./access";
import type { EndConversationDeps } from "./end-conversation";
import { AnnotatorNote } from "./note-schema";

export const ReportProblemInput = z.object({
  turnId: z.uuid(),
  kind: z.enum(PROBLEM_KINDS, "Say what is wrong: empty, broken, failed or other."),
  note: AnnotatorNote,
});
export type ReportProblemInput = z.input<typeof ReportProblemInput>;

const REPORTED_WHILE_GENERATING = "Generation stopped: a problem was reported for this turn.";

export async function reportProblem(
  db: Db,
  rawInput: ReportProblemInput,
  actor: Actor,
  deps: EndConversationDeps = {},
): Promise<{ reportId: string; conversationId: string }> {
  const input = ReportProblemInput.parse(rawInput);
  const { turn, conversation } = await findOwnTurn(db, input.turnId, actor);
  const [existing] = await db
    .select()
    .from(problemReports)
    .where(and(eq(problemReports.turnId, turn.id), eq(problemReports.annotatorId, actor.id)))
    .limit(1);
  // A repeated report (double click, retry) answers with the first one.
  if (existing) return { reportId: existing.id, conversationId: conversation.id };
  if (turn.chosenResponseId) {
    throw new ValidationError(
      "This turn is already submitted. Continue or end the conversation instead.",
      undefined,
      { key: "turnAlreadySubmitted" },
    );
  }
  if (conversation.status !== "active") {
    throw conversationEnded();
  }
  const report = await db.transaction(async (tx) => {
    const [created] = await tx
      .insert(problemReports)
      .values({
        turnId: turn.id,
        conversationId: conversation.id,
        campaignId: conversation.campaignId,
        annotatorId: actor.id,
        kind: input.kind,
        note: input.note ? input.note : null,
      })
      .returning();
    await tx
      .update(conversations)
      .set({ status: "ended", endedAt: new Date(), updatedAt: new Date() })
      .where(eq(conversations.id, conversation.id));
    return created;
  });
  await deps.cancel?.(turn.id, REPORTED_WHILE_GENERATING);
  return { reportId: report.id, conversationId: conversation.id };
}
