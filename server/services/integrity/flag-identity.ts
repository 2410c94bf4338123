// Flags identity leaks when turns are saved: a response that names a model, family or vendor
// (the built-in list plus the campaign's variants' own names) and a prompt that asks the model
// who it is. The turn is kept; the flag leaves it out of the integrity leaderboard by default
// and marks it in exports.
import { eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { conversations, modelVariants, responses, turnFlags, turns } from "@/db/schema";
import { IDENTITY_TERMS, identityMatcher, identityQuestion, variantNames } from "./identity-leaks";

export interface SavedTurn {
  turnId: string;
  prompt: string;
  responses: { id: string; text: string }[];
}

const INSERT_CHUNK = 1000;

type VariantNames = Parameters<typeof variantNames>[0];

/** Flags the turns' leaks and identity questions (a flag that exists already stays as it is).
 * `variants`: the campaign's variants' names and models, when the caller read them already. */
export async function flagIdentityOnSave(
  db: Db,
  campaignId: string,
  saved: readonly SavedTurn[],
  variants?: VariantNames,
) {
  if (saved.length === 0) return 0;
  variants ??= await db
    .select({ name: modelVariants.name, model: modelVariants.model })
    .from(modelVariants)
    .where(eq(modelVariants.campaignId, campaignId));
  const leak = identityMatcher([...IDENTITY_TERMS, ...variantNames(variants)]);
  const rows: (typeof turnFlags.$inferInsert)[] = [];
  for (const turn of saved) {
    for (const response of turn.responses) {
      const matched = leak(response.text);
      if (matched) {
        rows.push({
          campaignId,
          turnId: turn.turnId,
          kind: "identity-leak",
          responseId: response.id,
          matched,
        });
        break;
      }
    }
    const question = identityQuestion(turn.prompt);
    if (question)
      rows.push({ campaignId, turnId: turn.turnId, kind: "identity-question", matched: question });
  }
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    await db
      .insert(turnFlags)
      .values(rows.slice(i, i + INSERT_CHUNK))
      .onConflictDoNothing();
  }
  return rows.length;
}

/** After a generated response is saved: checks it and its turn's prompt. */
export async function flagSavedResponse(db: Db, responseId: string) {
  const [row] = await db
    .select({
      turnId: turns.id,
      prompt: turns.userMessage,
      text: responses.text,
      campaignId: conversations.campaignId,
      // In the same statement: this runs for every generated response.
      variants: sql<VariantNames>`(select coalesce(json_agg(json_build_object('name', v.name, 'model', v.model)), '[]'::json)
        from model_variants v where v.campaign_id = "conversations"."campaign_id")`,
    })
    .from(responses)
    .innerJoin(turns, eq(turns.id, responses.turnId))
    .innerJoin(conversations, eq(conversations.id, turns.conversationId))
    .where(eq(responses.id, responseId))
    .limit(1);
  if (!row) return 0;
  return flagIdentityOnSave(
    db,
    row.campaignId,
    [{ turnId: row.turnId, prompt: row.prompt, responses: [{ id: responseId, text: row.text }] }],
    row.variants,
  );
}
