// The annotator retries a turn whose generation failed (a dead inference server, a timeout):
// the failed responses are generated again with the same variant and prompt and a new seed,
// which is recorded, as is the attempt number. Completed responses are kept. Retries count
// against the campaign's limits (per turn, per hour, and turns generating at once).
import { z } from "zod";
import type { Db } from "@/db/client";
import { generationRetries } from "@/db/schema";
import { ValidationError } from "@/server/errors";
import { randomSeed } from "@/server/generation/pairing";
import { resetFailedResponses } from "@/server/generation/response-store";
import { findOwnTurn, requireActive, requireConversationActive, type Actor } from "./access";
import {
  enforceConcurrentGenerations,
  enforceRetryLimits,
  lockAnnotatorGenerations,
} from "./generation-limits";

export const RetryGenerationInput = z.object({ turnId: z.uuid() });
export type RetryGenerationInput = z.input<typeof RetryGenerationInput>;

export async function retryGeneration(
  db: Db,
  rawInput: RetryGenerationInput,
  actor: Actor,
  deps: { schedule?: (turnId: string) => void } = {},
): Promise<{ retried: number }> {
  const input = RetryGenerationInput.parse(rawInput);
  const { turn, conversation, campaign } = await findOwnTurn(db, input.turnId, actor);
  requireActive(campaign);
  requireConversationActive(conversation);
  if (turn.chosenResponseId) {
    throw new ValidationError(
      "This turn is already submitted; its responses cannot be generated again.",
      undefined,
      { key: "turnAlreadySubmitted" },
    );
  }
  const retried = await db.transaction(async (tx) => {
    await lockAnnotatorGenerations(tx, actor);
    await enforceRetryLimits(tx, campaign, actor, turn.id);
    await enforceConcurrentGenerations(tx, campaign, actor, { exceptTurnId: turn.id });
    const reset = await resetFailedResponses(tx, turn.id, () => randomSeed());
    if (reset > 0) {
      await tx
        .insert(generationRetries)
        .values({ turnId: turn.id, campaignId: campaign.id, annotatorId: actor.id, responses: reset });
    }
    return reset;
  });
  if (retried > 0) deps.schedule?.(turn.id);
  return { retried };
}
