// Admins read conversations exactly as stored: every turn, every response with its variant,
// model, endpoint, sampling parameters, seed, the messages as sent (safety preprompt included),
// token counts and timings, and the comparisons and problem reports of each turn.
import { and, asc, count, desc, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import {
  comparisons,
  conversations,
  problemReports,
  responses,
  turns,
  users,
  type Comparison,
  type Conversation,
  type ProblemReport,
  type Response,
  type Turn,
} from "@/db/schema";
import { offsetOf, PageInput, toPage, type Page } from "../pagination";

export const InspectConversationsInput = PageInput.extend({
  campaignId: z.uuid(),
  annotatorEmail: z.string().trim().toLowerCase().max(254).optional(),
  conversationId: z.uuid().optional(),
});
export type InspectConversationsInput = z.input<typeof InspectConversationsInput>;

export interface InspectedConversation extends Conversation {
  annotatorEmail: string;
  turns: (Turn & { responses: Response[]; comparisons: Comparison[]; problemReports: ProblemReport[] })[];
}

export async function inspectConversations(
  db: Db,
  rawInput: InspectConversationsInput,
): Promise<Page<InspectedConversation>> {
  const input = InspectConversationsInput.parse(rawInput);
  const where = and(
    eq(conversations.campaignId, input.campaignId),
    input.annotatorEmail ? eq(users.email, input.annotatorEmail) : undefined,
    input.conversationId ? eq(conversations.id, input.conversationId) : undefined,
  );
  const rows = await db
    .select({ conversation: conversations, annotatorEmail: users.email })
    .from(conversations)
    .innerJoin(users, eq(users.id, conversations.annotatorId))
    .where(where)
    .orderBy(desc(conversations.createdAt), desc(conversations.id))
    .limit(input.pageSize)
    .offset(offsetOf(input));
  const [{ total }] = await db
    .select({ total: count() })
    .from(conversations)
    .innerJoin(users, eq(users.id, conversations.annotatorId))
    .where(where);
  const conversationIds = rows.map((row) => row.conversation.id);
  const turnRows = conversationIds.length
    ? await db
        .select()
        .from(turns)
        .where(inArray(turns.conversationId, conversationIds))
        .orderBy(asc(turns.index))
    : [];
  const turnIds = turnRows.map((turn) => turn.id);
  const [responseRows, comparisonRows, reportRows] = turnIds.length
    ? await Promise.all([
        db
          .select()
          .from(responses)
          .where(inArray(responses.turnId, turnIds))
          .orderBy(asc(responses.position)),
        db
          .select()
          .from(comparisons)
          .where(inArray(comparisons.turnId, turnIds))
          .orderBy(asc(comparisons.createdAt)),
        db.select().from(problemReports).where(inArray(problemReports.turnId, turnIds)),
      ])
    : [[], [], []];
  return toPage(
    rows.map(({ conversation, annotatorEmail }) => ({
      ...conversation,
      annotatorEmail,
      turns: turnRows
        .filter((turn) => turn.conversationId === conversation.id)
        .map((turn) => ({
          ...turn,
          responses: responseRows.filter((row) => row.turnId === turn.id),
          comparisons: comparisonRows.filter((row) => row.turnId === turn.id),
          problemReports: reportRows.filter((row) => row.turnId === turn.id),
        })),
    })),
    total,
    input,
  );
}
