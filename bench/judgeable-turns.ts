// Turns ready to be judged, written straight into the database for benchmarks that submit
// comparisons: a conversation of the annotator's with `turns` turns, each with two completed
// responses (as if the engine had answered), the campaign's guidelines confirmed as the app asks.
import { conversations, responses, turns } from "@/db/schema";
import type { Db } from "@/db/client";
import { acknowledgeCurrentGuidelines } from "@/server/testing/annotation-campaigns";

export interface JudgeableTurn {
  id: string;
  /** The turn's two response ids, by position. */
  responseIds: [string, string];
}

export async function insertJudgeableTurns(
  db: Db,
  where: { campaignId: string; batchId: string; annotatorId: string },
  turnCount: number,
): Promise<JudgeableTurn[]> {
  await acknowledgeCurrentGuidelines(db, where.campaignId, { id: where.annotatorId, role: "annotator" });
  const [conversation] = await db.insert(conversations).values(where).returning();
  const turnRows = await db
    .insert(turns)
    .values(
      Array.from({ length: turnCount }, (_, index) => ({
        conversationId: conversation.id,
        index,
        userMessage: `Bench prompt ${index}`,
      })),
    )
    .returning();
  const responseRows = await db
    .insert(responses)
    .values(
      turnRows.flatMap((turn) =>
        [0, 1].map((position) => ({
          turnId: turn.id,
          position,
          variantName: `local @ ${position ? "1.0" : "0.7"}`,
          variantVersion: "v1",
          model: "bench",
          endpointKind: "local" as const,
          endpoint: "local:bench",
          temperature: position ? 1 : 0.7,
          topP: 0.95,
          maxTokens: 32,
          seed: position,
          promptMessages: [{ role: "user" as const, content: turn.userMessage }],
          text: `Response ${position} to ${turn.userMessage}`,
          status: "completed" as const,
          finishReason: "stop",
        })),
      ),
    )
    .returning({ id: responses.id, turnId: responses.turnId, position: responses.position });
  return turnRows.map((turn) => {
    const [first, second] = responseRows
      .filter((row) => row.turnId === turn.id)
      .sort((a, b) => a.position - b.position);
    return { id: turn.id, responseIds: [first.id, second.id] };
  });
}
