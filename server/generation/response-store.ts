// Generation's reads and writes of the responses table, in one place: claiming a turn's pending
// responses, saving their text as it streams, saving how they end, failing unfinished or stale
// ones and resetting failed ones for a retry. Each write names the status it expects, so a
// cancel racing a finish, or two instances racing for a turn, never overwrite each other.
import { and, asc, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { modelVariants, responses, type Response } from "@/db/schema";
import { flagSavedResponse } from "@/server/services/integrity/flag-identity";
import type { ChatResult, PartialChatResult } from "./chat-stream";

/** A response this process claimed, with the variable naming its variant's API key (if any). */
export interface ClaimedResponse {
  row: Response;
  apiKeyEnv: string | null;
}

/**
 * How a generation ended. `model`: the model its endpoint resolved to, recorded with the
 * response; null when it failed before an endpoint was found.
 */
export type GenerationOutcome =
  | { status: "completed"; model: string | null; result: ChatResult }
  | { status: "failed"; model: string | null; error: string; partial: PartialChatResult };

export function readTurnResponses(db: Db, turnId: string): Promise<Response[]> {
  return db.select().from(responses).where(eq(responses.turnId, turnId)).orderBy(asc(responses.position));
}

/** Marks the turn's pending responses streaming; the ones returned are this caller's to generate. */
export async function claimPendingResponses(db: Db, turnId: string): Promise<ClaimedResponse[]> {
  const claimed = await db
    .update(responses)
    .set({ status: "streaming", progressAt: new Date(), text: "", error: null, finishReason: null })
    .where(and(eq(responses.turnId, turnId), eq(responses.status, "pending")))
    .returning();
  const variantIds = [...new Set(claimed.map((row) => row.variantId).filter((id): id is string => !!id))];
  const keyVariables = new Map(
    variantIds.length === 0
      ? []
      : (
          await db
            .select({ id: modelVariants.id, apiKeyEnv: modelVariants.apiKeyEnv })
            .from(modelVariants)
            .where(inArray(modelVariants.id, variantIds))
        ).map((row) => [row.id, row.apiKeyEnv]),
  );
  return claimed.map((row) => ({
    row,
    apiKeyEnv: row.variantId ? (keyVariables.get(row.variantId) ?? null) : null,
  }));
}

/**
 * Records that a streaming response is still being generated, with its text so far when that
 * changed (`text` undefined: only the time).
 */
export async function saveResponseProgress(db: Db, responseId: string, at: Date, text?: string) {
  await db
    .update(responses)
    .set(text === undefined ? { progressAt: at } : { text, progressAt: at })
    .where(and(eq(responses.id, responseId), eq(responses.status, "streaming")));
}

export async function saveResponseOutcome(db: Db, responseId: string, outcome: GenerationOutcome) {
  const now = new Date();
  const identity = outcome.model === null ? {} : { model: outcome.model };
  await db
    .update(responses)
    .set(
      outcome.status === "completed"
        ? {
            ...identity,
            status: "completed",
            text: outcome.result.text,
            finishReason: outcome.result.finishReason,
            promptTokens: outcome.result.promptTokens,
            completionTokens: outcome.result.completionTokens,
            firstTokenMs: outcome.result.firstTokenMs,
            latencyMs: outcome.result.latencyMs,
            error: null,
            progressAt: now,
            completedAt: now,
          }
        : {
            ...identity,
            status: "failed",
            text: outcome.partial.text,
            error: outcome.error,
            firstTokenMs: outcome.partial.firstTokenMs,
            latencyMs: outcome.partial.latencyMs,
            progressAt: now,
            completedAt: now,
          },
    )
    // A cancelled response was already marked failed with its reason.
    .where(and(eq(responses.id, responseId), eq(responses.status, "streaming")));
  if (outcome.status === "completed") await flagSavedResponse(db, responseId);
}

/** Fails the turn's pending and streaming responses with `error` (the conversation ended). */
export async function failUnfinishedResponses(db: Db, turnId: string, error: string) {
  await db
    .update(responses)
    .set({ status: "failed", error, completedAt: new Date() })
    .where(and(eq(responses.turnId, turnId), inArray(responses.status, ["pending", "streaming"])));
}

/** Fails the turn's streaming responses whose progress was last saved before `cutoff`. */
export async function failStaleResponses(db: Db, turnId: string, cutoff: Date, error: string) {
  await db
    .update(responses)
    .set({ status: "failed", error, completedAt: new Date() })
    .where(
      and(
        eq(responses.turnId, turnId),
        eq(responses.status, "streaming"),
        or(
          lt(responses.progressAt, cutoff),
          and(isNull(responses.progressAt), lt(responses.createdAt, cutoff)),
        ),
      ),
    );
}

/** Sets failed responses of a turn back to pending with a new seed; returns how many. */
export async function resetFailedResponses(db: Db, turnId: string, newSeed: () => number) {
  const failed = await db
    .select({ id: responses.id })
    .from(responses)
    .where(and(eq(responses.turnId, turnId), eq(responses.status, "failed")));
  for (const { id } of failed) {
    await db
      .update(responses)
      .set({
        status: "pending",
        seed: newSeed(),
        attempt: sql`${responses.attempt} + 1`,
        text: "",
        error: null,
        finishReason: null,
        promptTokens: null,
        completionTokens: null,
        firstTokenMs: null,
        latencyMs: null,
        // In flight from now on, for the limit on turns generating at once (generation-limits.ts).
        progressAt: new Date(),
        completedAt: null,
      })
      .where(and(eq(responses.id, id), eq(responses.status, "failed")));
  }
  return failed.length;
}
