// The annotator ends their conversation (the dialogue is complete, or they want a fresh one).
// A turn still generating is stopped; a turn without a submitted comparison produces no data.
import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { conversations } from "@/db/schema";
import { findOwnConversation, type Actor } from "./access";

export const EndConversationInput = z.object({ conversationId: z.uuid() });
export type EndConversationInput = z.input<typeof EndConversationInput>;

export interface EndConversationDeps {
  /** Stops generation of a turn still running. */
  cancel?: (turnId: string, message: string) => Promise<void>;
}

const ENDED_WHILE_GENERATING = "Generation stopped: the conversation was ended.";

export async function endConversation(
  db: Db,
  rawInput: EndConversationInput,
  actor: Actor,
  deps: EndConversationDeps = {},
): Promise<{ conversationId: string; ended: true }> {
  const input = EndConversationInput.parse(rawInput);
  const { conversation } = await findOwnConversation(db, input.conversationId, actor);
  if (conversation.status === "active") {
    // Its turns without a comparison come back from the same statement.
    const [ended] = await db
      .update(conversations)
      .set({ status: "ended", endedAt: new Date(), updatedAt: new Date() })
      .where(eq(conversations.id, conversation.id))
      .returning({
        unjudgedTurnIds: sql<string[]>`(select coalesce(json_agg(t.id), '[]'::json) from turns t
          where t.conversation_id = "conversations"."id" and t.chosen_response_id is null)`,
      });
    for (const turnId of ended?.unjudgedTurnIds ?? []) await deps.cancel?.(turnId, ENDED_WHILE_GENERATING);
  }
  return { conversationId: conversation.id, ended: true };
}
