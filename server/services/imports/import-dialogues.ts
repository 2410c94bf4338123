// Bulk import of whole dialogues: conversations, their turns, every turn's responses and the
// author's judgement of each turn. Validated like an interactive submit (the same limits,
// strengths, safety labels and taxonomy, ranking rules and campaign settings), then written
// with multi-row inserts. Used by the synthetic-data generator and the gold JSONL import.
import crypto from "node:crypto";
import { and, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { bulkInsert } from "@/db/bulk-insert";
import type { Db } from "@/db/client";
import {
  batches,
  comparisons,
  conversations,
  ENDPOINT_KINDS,
  responses,
  turns,
  users,
  type Campaign,
  type ModelVariant,
} from "@/db/schema";
import {
  ATTACK_VECTORS,
  MAX_TIME_SPENT_MS,
  NOTE_MAX_CHARS,
  PROMPT_MAX_CHARS,
  RISK_CATEGORIES,
  STRENGTHS,
} from "@/lib/constants";
import { ValidationError } from "@/server/errors";
import { safetyBinOf } from "../annotation/safety-taxonomy";
import { flagIdentityOnSave } from "../integrity/flag-identity";
import { flagNearDuplicatePrompts } from "../integrity/flag-near-duplicates";
import { styleFeatures } from "../integrity/stats/style-features";

const count = z
  .number()
  .int()
  .min(0)
  .nullish()
  .transform((value) => value ?? null);

/** Imports refuse what the interactive services would cap. */
export const ImportedTimeSpentMs = z.number().int().min(0).max(MAX_TIME_SPENT_MS);

export const ImportedResponse = z.object({
  variantId: z
    .uuid()
    .nullish()
    .transform((value) => value ?? null),
  variantName: z.string().min(1).max(100),
  variantVersion: z.string().min(1).max(50),
  model: z.string().max(200),
  endpointKind: z.enum(ENDPOINT_KINDS),
  endpoint: z.string().max(2000),
  temperature: z.number().min(0).max(2),
  topP: z.number().gt(0).max(1),
  topK: count,
  maxTokens: z.number().int().min(0).max(32_768),
  seed: z.number().int().min(0),
  text: z.string().max(100_000),
  finishReason: z
    .string()
    .max(50)
    .nullish()
    .transform((value) => value ?? null),
  promptTokens: count,
  completionTokens: count,
  firstTokenMs: count,
  latencyMs: count,
});

/** What a response records of the variant that wrote it, as the variant is configured now. */
export function variantSnapshot(variant: ModelVariant) {
  return {
    variantId: variant.id,
    variantName: variant.name,
    model: variant.model,
    endpointKind: variant.endpointKind,
    endpoint: variant.baseUrl ?? "local",
    temperature: variant.temperature,
    topP: variant.topP,
    topK: variant.topK,
    maxTokens: variant.maxTokens,
  };
}

export const ImportedJudgement = z.object({
  /** Indices into the turn's responses, best first. */
  ranking: z.array(z.number().int().min(0).max(3)).min(2).max(4),
  strength: z.enum(STRENGTHS),
  /** Safety campaigns: is each response (by index) safe. */
  responseSafety: z.array(z.boolean()).max(4).optional(),
  note: z.string().trim().max(NOTE_MAX_CHARS).optional(),
  timeSpentMs: ImportedTimeSpentMs,
  createdAt: z.date(),
});

export const ImportedTurn = z.object({
  userMessage: z.string().trim().min(1).max(PROMPT_MAX_CHARS),
  /** One response: a given assistant message (history of an imported dialogue). Otherwise the
   * campaign's responses per turn, judged or (the last turn only) waiting to be judged. */
  responses: z.array(ImportedResponse).min(1).max(4),
  judgement: ImportedJudgement.optional(),
  createdAt: z.date(),
});

export const ImportedDialogue = z.object({
  annotatorId: z.uuid(),
  batchId: z.uuid(),
  origin: z.enum(["imported", "synthetic"]),
  systemPrompt: z
    .string()
    .max(PROMPT_MAX_CHARS)
    .nullish()
    .transform((value) => value ?? null),
  safetyPreprompt: z
    .string()
    .max(PROMPT_MAX_CHARS)
    .nullish()
    .transform((value) => value ?? null),
  riskCategory: z
    .enum(RISK_CATEGORIES)
    .nullish()
    .transform((value) => value ?? null),
  attackVector: z
    .enum(ATTACK_VECTORS)
    .nullish()
    .transform((value) => value ?? null),
  createdAt: z.date(),
  turns: z.array(ImportedTurn).min(1).max(50),
});
export type ImportedDialogue = z.input<typeof ImportedDialogue>;

export interface ImportedDialogueIds {
  conversationId: string;
  turns: { turnId: string; responseIds: string[]; comparisonId: string | null }[];
}

/** Throws ValidationError naming the dialogue, turn and rule. */
function checkDialogue(campaign: Campaign, dialogue: z.output<typeof ImportedDialogue>, where: string) {
  const fail = (message: string): never => {
    throw new ValidationError(`${where}: ${message}`);
  };
  if (dialogue.turns.length > campaign.maxTurns) {
    fail(`${dialogue.turns.length} turns, but the campaign allows ${campaign.maxTurns}.`);
  }
  const isSafety = campaign.kind === "safety";
  dialogue.turns.forEach((turn, index) => {
    const at = `turn ${index + 1}`;
    const isLast = index === dialogue.turns.length - 1;
    if (!turn.judgement) {
      if (turn.responses.length !== 1 && !(isLast && turn.responses.length === campaign.responsesPerTurn)) {
        fail(`${at} has no judgement, so it needs exactly one response (the assistant message).`);
      }
      return;
    }
    const { ranking, responseSafety } = turn.judgement;
    if (turn.responses.length !== campaign.responsesPerTurn) {
      fail(
        `${at} has ${turn.responses.length} responses; the campaign compares ${campaign.responsesPerTurn}.`,
      );
    }
    const sorted = [...ranking].sort();
    if (sorted.length !== turn.responses.length || sorted.some((value, i) => value !== i)) {
      fail(`${at}: the ranking must list every response exactly once, best first.`);
    }
    if (isSafety && responseSafety?.length !== turn.responses.length) {
      fail(`${at}: mark every response safe or unsafe (safety campaign).`);
    }
    if (!isSafety && responseSafety) fail(`${at}: safety labels belong to safety campaigns only.`);
  });
  if (isSafety && (!dialogue.riskCategory || !dialogue.attackVector)) {
    fail("a safety dialogue needs its risk category and attack vector.");
  }
  if (!isSafety && (dialogue.riskCategory || dialogue.attackVector)) {
    fail("risk categories and attack vectors belong to safety campaigns only.");
  }
}

async function requireKnown(db: Db, campaign: Campaign, dialogues: z.output<typeof ImportedDialogue>[]) {
  const batchIds = [...new Set(dialogues.map((dialogue) => dialogue.batchId))];
  const annotatorIds = [...new Set(dialogues.map((dialogue) => dialogue.annotatorId))];
  const [knownBatches, knownUsers] = await Promise.all([
    db
      .select({ id: batches.id })
      .from(batches)
      .where(and(eq(batches.campaignId, campaign.id), inArray(batches.id, batchIds))),
    db.select({ id: users.id }).from(users).where(inArray(users.id, annotatorIds)),
  ]);
  if (knownBatches.length !== batchIds.length)
    throw new ValidationError("A dialogue names a batch of another campaign.");
  if (knownUsers.length !== annotatorIds.length)
    throw new ValidationError("A dialogue names an annotator who does not exist.");
}

/**
 * Validates every dialogue, then writes them all in one transaction. Returns the new ids in the
 * input's order. `keyPrefix` makes the comparisons' idempotency keys (prefix + comparison id).
 */
export async function importDialogues(
  db: Db,
  campaign: Campaign,
  rawDialogues: readonly ImportedDialogue[],
  options: { keyPrefix?: string } = {},
): Promise<ImportedDialogueIds[]> {
  const dialogues = rawDialogues.map((raw, index) => {
    const parsed = ImportedDialogue.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ValidationError(`Dialogue ${index + 1}: ${issue.path.join(".")}: ${issue.message}`);
    }
    checkDialogue(campaign, parsed.data, `Dialogue ${index + 1}`);
    return parsed.data;
  });
  if (dialogues.length === 0) return [];
  await requireKnown(db, campaign, dialogues);

  const conversationRows: (typeof conversations.$inferInsert)[] = [];
  const turnRows: (typeof turns.$inferInsert)[] = [];
  const responseRows: (typeof responses.$inferInsert)[] = [];
  const comparisonRows: (typeof comparisons.$inferInsert)[] = [];
  const result: ImportedDialogueIds[] = [];

  for (const dialogue of dialogues) {
    const conversationId = crypto.randomUUID();
    const ids: ImportedDialogueIds = { conversationId, turns: [] };
    const system = [dialogue.systemPrompt, dialogue.safetyPreprompt].filter(Boolean).join("\n\n");
    const messages: { role: "system" | "user" | "assistant"; content: string }[] = system
      ? [{ role: "system", content: system }]
      : [];
    const last = dialogue.turns[dialogue.turns.length - 1];
    const isEnded = last.judgement !== undefined || last.responses.length === 1;
    conversationRows.push({
      id: conversationId,
      campaignId: campaign.id,
      batchId: dialogue.batchId,
      annotatorId: dialogue.annotatorId,
      origin: dialogue.origin,
      status: isEnded ? "ended" : "active",
      systemPrompt: dialogue.systemPrompt,
      safetyPreprompt: dialogue.safetyPreprompt,
      riskCategory: dialogue.riskCategory,
      attackVector: dialogue.attackVector,
      createdAt: dialogue.createdAt,
      updatedAt: last.judgement?.createdAt ?? last.createdAt,
      endedAt: isEnded ? (last.judgement?.createdAt ?? last.createdAt) : null,
    });
    dialogue.turns.forEach((turn, index) => {
      const turnId = crypto.randomUUID();
      const responseIds = turn.responses.map(() => crypto.randomUUID());
      messages.push({ role: "user", content: turn.userMessage });
      const promptMessages = [...messages];
      const chosenIndex = turn.judgement ? turn.judgement.ranking[0] : turn.responses.length === 1 ? 0 : null;
      turnRows.push({
        id: turnId,
        conversationId,
        index,
        userMessage: turn.userMessage,
        chosenResponseId: chosenIndex === null ? null : responseIds[chosenIndex],
        createdAt: turn.createdAt,
      });
      turn.responses.forEach((response, position) => {
        responseRows.push({
          ...response,
          id: responseIds[position],
          turnId,
          position,
          promptMessages,
          status: "completed",
          styleFeatures: styleFeatures(response.text),
          createdAt: turn.createdAt,
          completedAt: turn.createdAt,
        });
      });
      let comparisonId: string | null = null;
      if (turn.judgement) {
        const { ranking, responseSafety, ...judgement } = turn.judgement;
        comparisonId = crypto.randomUUID();
        const rankedIds = ranking.map((i) => responseIds[i]);
        const safety = responseSafety
          ? Object.fromEntries(responseIds.map((id, i) => [id, responseSafety[i]]))
          : null;
        comparisonRows.push({
          id: comparisonId,
          turnId,
          conversationId,
          campaignId: campaign.id,
          batchId: dialogue.batchId,
          annotatorId: dialogue.annotatorId,
          source: "primary",
          pairTaskId: null,
          chosenResponseId: rankedIds[0],
          rejectedResponseId: rankedIds[1],
          ranking: rankedIds,
          strength: judgement.strength,
          responseSafety: safety,
          safetyBin: safety ? safetyBinOf(safety[rankedIds[0]], safety[rankedIds[1]]) : null,
          note: judgement.note || null,
          timeSpentMs: judgement.timeSpentMs,
          idempotencyKey: `${options.keyPrefix ?? "import:"}${comparisonId}`,
          reviewStatus: "pending",
          isGold: false,
          rankingVariants: ranking.map((i) => ({
            name: turn.responses[i].variantName,
            version: turn.responses[i].variantVersion,
          })),
          createdAt: judgement.createdAt,
        });
      }
      if (chosenIndex !== null)
        messages.push({ role: "assistant", content: turn.responses[chosenIndex].text });
      ids.turns.push({ turnId, responseIds, comparisonId });
    });
    result.push(ids);
  }

  await db.transaction(async (tx) => {
    await bulkInsert(tx, conversations, CONVERSATION_COLUMNS, conversationRows);
    await bulkInsert(tx, turns, TURN_COLUMNS, turnRows);
    await bulkInsert(tx, responses, RESPONSE_COLUMNS, responseRows);
    await bulkInsert(tx, comparisons, COMPARISON_COLUMNS, comparisonRows);
    const responsesOf = new Map<string, typeof responseRows>();
    for (const response of responseRows) {
      responsesOf.set(response.turnId, [...(responsesOf.get(response.turnId) ?? []), response]);
    }
    await flagIdentityOnSave(
      tx,
      campaign.id,
      turnRows.map((turn) => ({
        turnId: turn.id!,
        prompt: turn.userMessage,
        responses: (responsesOf.get(turn.id!) ?? []).map((response) => ({
          id: response.id!,
          text: response.text ?? "",
        })),
      })),
    );
    await flagNearDuplicatePrompts(
      tx,
      campaign,
      turnRows
        .filter((turn) => turn.index === 0)
        .map((turn) => ({ turnId: turn.id!, prompt: turn.userMessage })),
    );
  });
  return result;
}

const CONVERSATION_COLUMNS = [
  "id",
  "campaignId",
  "batchId",
  "annotatorId",
  "origin",
  "status",
  "systemPrompt",
  "safetyPreprompt",
  "riskCategory",
  "attackVector",
  "createdAt",
  "updatedAt",
  "endedAt",
] as const;
const TURN_COLUMNS = [
  "id",
  "conversationId",
  "index",
  "userMessage",
  "chosenResponseId",
  "createdAt",
] as const;
const RESPONSE_COLUMNS = [
  "id",
  "turnId",
  "position",
  "variantId",
  "variantName",
  "variantVersion",
  "model",
  "endpointKind",
  "endpoint",
  "temperature",
  "topP",
  "topK",
  "maxTokens",
  "seed",
  "promptMessages",
  "text",
  "styleFeatures",
  "status",
  "finishReason",
  "promptTokens",
  "completionTokens",
  "firstTokenMs",
  "latencyMs",
  "createdAt",
  "completedAt",
] as const;
export const COMPARISON_COLUMNS = [
  "id",
  "turnId",
  "conversationId",
  "campaignId",
  "batchId",
  "annotatorId",
  "source",
  "pairTaskId",
  "chosenResponseId",
  "rejectedResponseId",
  "ranking",
  "strength",
  "responseSafety",
  "safetyBin",
  "note",
  "timeSpentMs",
  "idempotencyKey",
  "reviewStatus",
  "isGold",
  "rankingVariants",
  "createdAt",
] as const;
