// Generation's reads and writes of the responses table, in one place: claiming a turn's pending
// responses, saving their text as it streams, saving how they end, failing unfinished or stale
// ones and resetting failed ones for a retry. Each write names the status it expects, so a
// cancel racing a finish, or two instances racing for a turn, never overwrite each other.
import { and, asc, eq, getTableColumns, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { responses, type Response } from "@/db/schema";
import { flagSavedResponse } from "@/server/services/integrity/flag-identity";
import { styleFeatures } from "@/server/services/integrity/stats/style-features";
import type { ChatResult, PartialChatResult } from "./chat-stream";

/** A response this process claimed, with the variable naming its variant's API key (if any). */
export interface ClaimedResponse {
  row: Response;
  apiKeyEnv: string | null;
  /** Whether its turn shows best-of-N samples (it has a plan in best_of_n_turns). */
  isBestOfN: boolean;
  /** How many responses its turn has, claimed here or not. */
  responsesOfTurn: number;
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

/** Marks the turn's pending responses streaming; the ones returned are this caller's to generate
 * (one statement: each row comes with its variant's key variable, whether the turn is best-of-N
 * and how many responses the turn has). */
export async function claimPendingResponses(db: Db, turnId: string): Promise<ClaimedResponse[]> {
  const claimed = await db
    .update(responses)
    .set({
      status: "streaming",
      progressAt: new Date(),
      text: "",
      styleFeatures: null,
      error: null,
      finishReason: null,
    })
    .where(and(eq(responses.turnId, turnId), eq(responses.status, "pending")))
    .returning({
      ...getTableColumns(responses),
      apiKeyEnv: sql<
        string | null
      >`(select v.api_key_env from model_variants v where v.id = "responses"."variant_id")`,
      isBestOfN:
        sql`exists (select 1 from best_of_n_turns b where b.turn_id = "responses"."turn_id")`.mapWith(
          Boolean,
        ),
      responsesOfTurn:
        sql`(select count(*) from responses r where r.turn_id = "responses"."turn_id")`.mapWith(Number),
    });
  return claimed.map(({ apiKeyEnv, isBestOfN, responsesOfTurn, ...row }) => ({
    row,
    apiKeyEnv,
    isBestOfN,
    responsesOfTurn,
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
            // The text is final: the integrity report reads its style from here.
            styleFeatures: styleFeatures(outcome.result.text),
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
        styleFeatures: null,
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
