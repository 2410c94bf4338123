// A turn as a rater sees it: the dialogue before it (each earlier user message and the response
// its author chose), the turn's user message and its responses.
import { and, asc, eq, lt } from "drizzle-orm";
import type { Db } from "@/db/client";
import { conversations, responses, turns, type Conversation, type Response, type Turn } from "@/db/schema";
import { NotFoundError } from "@/server/errors";

export interface TurnContext {
  conversation: Conversation;
  turn: Turn;
  history: { userMessage: string; assistantMessage: string | null }[];
  responses: Response[];
}

export async function loadTurnContext(db: Db, turnId: string): Promise<TurnContext> {
  const [row] = await db
    .select({ turn: turns, conversation: conversations })
    .from(turns)
    .innerJoin(conversations, eq(conversations.id, turns.conversationId))
    .where(eq(turns.id, turnId))
    .limit(1);
  if (!row) throw new NotFoundError("That turn no longer exists.");
  const [earlier, turnResponses] = await Promise.all([
    db
      .select({ userMessage: turns.userMessage, assistantMessage: responses.text })
      .from(turns)
      .leftJoin(responses, eq(responses.id, turns.chosenResponseId))
      .where(and(eq(turns.conversationId, row.conversation.id), lt(turns.index, row.turn.index)))
      .orderBy(asc(turns.index)),
    db.select().from(responses).where(eq(responses.turnId, turnId)).orderBy(asc(responses.position)),
  ]);
  return { ...row, history: earlier, responses: turnResponses };
}

/** The two responses a rating compares, in the turn's position order. */
export function pairInPositionOrder(
  turnResponses: Response[],
  ids: readonly [string, string],
): [string, string] {
  const position = new Map(turnResponses.map((response) => [response.id, response.position]));
  const [a, b] = ids;
  return (position.get(a) ?? 0) <= (position.get(b) ?? 0) ? [a, b] : [b, a];
}
