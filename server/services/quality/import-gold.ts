// Gold pairs from JSONL, one per line, in the preference format TRL reads:
//   {"prompt": "..." | [{"role": "user", "content": "..."}, ...], "chosen": "..." | [{"role":
//    "assistant", "content": "..."}], "rejected": ..., "strength"?: "better", "explanation"?: "...",
//    "risk_category"?: "...", "attack_vector"?: "..."}
// A conversational prompt may start with a system message and alternate user / assistant,
// ending with the user. Every line is checked before anything is written; errors name the line.
import crypto from "node:crypto";
import { and, desc, eq } from "drizzle-orm";
import { z } from "zod";
import { bulkInsert } from "@/db/bulk-insert";
import type { Db } from "@/db/client";
import { batches, goldItems } from "@/db/schema";
import { ATTACK_VECTORS, RISK_CATEGORIES, STRENGTHS } from "@/lib/constants";
import type { SessionUser } from "@/server/auth/session-user";
import { ValidationError } from "@/server/errors";
import { recordAudit } from "../audit/record-audit";
import { findCampaign, requireNotArchived } from "../campaigns/campaign-access";
import { importDialogues, type ImportedDialogue } from "../imports/import-dialogues";

const GOLD_JSONL_MAX_BYTES = 10 * 1024 * 1024;
const GOLD_JSONL_MAX_LINES = 10_000;

export const ImportGoldInput = z.object({
  campaignId: z.uuid("That is not a valid campaign id."),
  jsonl: z
    .string()
    .min(1, "The file is empty.")
    .max(GOLD_JSONL_MAX_BYTES, "The file is larger than 10 MB; split it into smaller files."),
});
export type ImportGoldInput = z.infer<typeof ImportGoldInput>;

const Message = z.object({ role: z.enum(["system", "user", "assistant"]), content: z.string() });
const Completion = z.union([
  z.string().min(1, "is empty"),
  z
    .array(Message)
    .length(1, "must be one assistant message")
    .refine((messages) => messages[0].role === "assistant", "must be an assistant message"),
]);

export const GoldLine = z.object({
  prompt: z.union([z.string().min(1, "is empty"), z.array(Message).min(1, "has no messages")]),
  chosen: Completion,
  rejected: Completion,
  strength: z.enum(STRENGTHS).optional(),
  explanation: z.string().max(2000).optional(),
  risk_category: z.enum(RISK_CATEGORIES).optional(),
  attack_vector: z.enum(ATTACK_VECTORS).optional(),
});

const textOf = (completion: z.infer<typeof Completion>) =>
  typeof completion === "string" ? completion : completion[0].content;

/** The prompt as (system, earlier turns, final user message). */
function dialogueOf(prompt: z.infer<typeof GoldLine>["prompt"]) {
  if (typeof prompt === "string") return { system: null, history: [], userMessage: prompt };
  const messages = [...prompt];
  const system = messages[0].role === "system" ? messages.shift()!.content : null;
  if (
    messages.length % 2 === 0 ||
    messages.some((message, i) => message.role !== (i % 2 === 0 ? "user" : "assistant"))
  ) {
    throw new Error(
      "prompt: after an optional system message, messages must alternate user, assistant, ... and end with user",
    );
  }
  const history: { user: string; assistant: string }[] = [];
  for (let i = 0; i + 1 < messages.length; i += 2) {
    history.push({ user: messages[i].content, assistant: messages[i + 1].content });
  }
  return { system, history, userMessage: messages[messages.length - 1].content };
}

const IMPORTED_RESPONSE = {
  variantName: "imported",
  variantVersion: "gold",
  model: "imported",
  endpointKind: "openai" as const,
  endpoint: "import:gold-jsonl",
  temperature: 0,
  topP: 1,
  maxTokens: 0,
  seed: 0,
};

export async function importGold(db: Db, input: ImportGoldInput, actor: Pick<SessionUser, "id">) {
  const campaign = await findCampaign(db, input.campaignId);
  requireNotArchived(campaign);
  if (campaign.responsesPerTurn !== 2) {
    throw new ValidationError(
      "Gold pairs can be imported into campaigns that compare two responses per turn.",
    );
  }
  const [batch] = await db
    .select({ id: batches.id })
    .from(batches)
    .where(and(eq(batches.campaignId, campaign.id)))
    .orderBy(desc(batches.number))
    .limit(1);
  if (!batch) throw new ValidationError("Open the campaign's first batch before importing gold pairs.");

  const lines = input.jsonl.split(/\r?\n/).map((line, index) => ({ line: line.trim(), number: index + 1 }));
  const filled = lines.filter(({ line }) => line !== "");
  if (filled.length > GOLD_JSONL_MAX_LINES) {
    throw new ValidationError(
      `The file has ${filled.length} lines; import at most ${GOLD_JSONL_MAX_LINES} at a time.`,
    );
  }
  const errors: string[] = [];
  const parsed: { dialogue: ImportedDialogue; chosenPosition: number; line: z.infer<typeof GoldLine> }[] = [];
  const now = new Date();
  for (const { line, number } of filled) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      errors.push(`line ${number}: not valid JSON (${(error as Error).message})`);
      continue;
    }
    const result = GoldLine.safeParse(value);
    if (!result.success) {
      const issue = result.error.issues[0];
      errors.push(`line ${number}: ${issue.path.join(".") || "the line"} ${issue.message}`);
      continue;
    }
    const gold = result.data;
    if (campaign.kind === "safety" && (!gold.risk_category || !gold.attack_vector)) {
      errors.push(`line ${number}: a safety campaign's gold pair needs "risk_category" and "attack_vector"`);
      continue;
    }
    let structure;
    try {
      structure = dialogueOf(gold.prompt);
    } catch (error) {
      errors.push(`line ${number}: ${(error as Error).message}`);
      continue;
    }
    const chosenPosition = crypto.randomInt(2);
    const pair = chosenPosition === 0 ? [gold.chosen, gold.rejected] : [gold.rejected, gold.chosen];
    parsed.push({
      line: gold,
      chosenPosition,
      dialogue: {
        annotatorId: actor.id,
        batchId: batch.id,
        origin: "imported",
        systemPrompt: structure.system,
        riskCategory: campaign.kind === "safety" ? gold.risk_category : null,
        attackVector: campaign.kind === "safety" ? gold.attack_vector : null,
        createdAt: now,
        turns: [
          ...structure.history.map((turn) => ({
            userMessage: turn.user,
            responses: [{ ...IMPORTED_RESPONSE, text: turn.assistant }],
            createdAt: now,
          })),
          {
            userMessage: structure.userMessage,
            responses: pair.map((completion) => ({ ...IMPORTED_RESPONSE, text: textOf(completion) })),
            createdAt: now,
          },
        ],
      },
    });
  }
  if (errors.length > 0) {
    throw new ValidationError(
      `Nothing was imported: ${errors.length} line${errors.length === 1 ? " has" : "s have"} problems. ` +
        errors.slice(0, 10).join("; ") +
        (errors.length > 10 ? `; and ${errors.length - 10} more.` : "."),
    );
  }
  if (parsed.length === 0) throw new ValidationError("The file has no gold pairs.");
  return db.transaction(async (tx) => {
    let ids;
    try {
      ids = await importDialogues(
        tx,
        campaign,
        parsed.map((item) => item.dialogue),
      );
    } catch (error) {
      if (error instanceof ValidationError)
        throw new ValidationError(`Nothing was imported: ${error.message}`);
      throw error;
    }
    const items = parsed.map((item, index) => {
      const lastTurn = ids[index].turns[ids[index].turns.length - 1];
      return {
        id: crypto.randomUUID(),
        campaignId: campaign.id,
        turnId: lastTurn.turnId,
        sourceComparisonId: null,
        expectedChosenResponseId: lastTurn.responseIds[item.chosenPosition],
        expectedStrength: item.line.strength ?? null,
        explanation: item.line.explanation ?? null,
        createdById: actor.id,
      };
    });
    await bulkInsert(
      tx,
      goldItems,
      [
        "id",
        "campaignId",
        "turnId",
        "sourceComparisonId",
        "expectedChosenResponseId",
        "expectedStrength",
        "explanation",
        "createdById",
      ],
      items,
    );
    await recordAudit(tx, {
      actorId: actor.id,
      action: "gold.imported",
      targetType: "campaign",
      targetId: campaign.id,
      details: { items: items.length },
    });
    return { imported: items.length };
  });
}
