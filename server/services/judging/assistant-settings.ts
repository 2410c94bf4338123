// An admin names a campaign's judge and reward model: where each answers (the local engine or a
// URL, with the same fields and checks as a variant's endpoint: the ARBITER_KEY_ rule, the model
// folders; the URL is reached through the outbound policy when used), and for the judge its
// prompt template and verdict schema. Turning one off keeps its settings.
import { and, asc, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { campaignJudges, campaignRewardModels, modelVariants } from "@/db/schema";
import type { SessionUser } from "@/server/auth/session-user";
import { ValidationError } from "@/server/errors";
import { configuredModelDirs } from "@/server/generation/model-files";
import { recordAudit } from "../audit/record-audit";
import { findCampaign, requireNotArchived } from "../campaigns/campaign-access";
import { CampaignIdInput } from "../campaigns/campaign-schemas";
import { checkVariant, VariantFields } from "../campaigns/variant-schemas";
import { DEFAULT_JUDGE_PROMPT, DEFAULT_VERDICT_SCHEMA, JUDGE_PROMPT_PLACEHOLDERS } from "./judge-verdict";

const AssistantEndpoint = VariantFields.pick({
  endpointKind: true,
  baseUrl: true,
  model: true,
  modelPath: true,
  apiKeyEnv: true,
  isActive: true,
}).extend({ campaignId: CampaignIdInput.shape.campaignId });

const JUDGE_PROMPT_MAX_CHARS = 20_000;
const VERDICT_SCHEMA_MAX_CHARS = 20_000;

export const SaveJudgeInput = AssistantEndpoint.extend({
  promptTemplate: z
    .string()
    .max(
      JUDGE_PROMPT_MAX_CHARS,
      `The prompt template can be at most ${JUDGE_PROMPT_MAX_CHARS.toLocaleString("en-US")} characters long.`,
    )
    .refine(
      (template) => JUDGE_PROMPT_PLACEHOLDERS.every((placeholder) => template.includes(placeholder)),
      `The prompt template must contain ${JUDGE_PROMPT_PLACEHOLDERS.join(", ")}: they are replaced by the question and the two answers.`,
    ),
  /** The verdict schema as JSON text, as the admin typed it. */
  verdictSchema: z
    .string()
    .max(
      VERDICT_SCHEMA_MAX_CHARS,
      `The verdict schema can be at most ${VERDICT_SCHEMA_MAX_CHARS.toLocaleString("en-US")} characters long.`,
    ),
  maxTokens: z
    .number()
    .int()
    .min(16, "The judge's max tokens must be between 16 and 8,192.")
    .max(8192, "The judge's max tokens must be between 16 and 8,192.")
    .default(400),
});
export type SaveJudgeInput = z.input<typeof SaveJudgeInput>;

export const SaveRewardModelInput = AssistantEndpoint;
export type SaveRewardModelInput = z.input<typeof SaveRewardModelInput>;

const VerdictSchemaShape = z.object({
  type: z.literal("object"),
  properties: z.object({
    winner: z
      .object({ enum: z.array(z.string()) })
      .refine(
        (winner) =>
          ["A", "B", "tie"].every((value) => winner.enum.includes(value)) && winner.enum.length === 3,
        "winner",
      ),
    strength: z.object({ enum: z.array(z.string()) }),
    rationale: z.object({ type: z.literal("string") }),
  }),
  required: z
    .array(z.string())
    .refine((required) => ["winner", "strength", "rationale"].every((name) => required.includes(name))),
});

/** The schema text as an object, or a sentence saying what it lacks. */
function parseVerdictSchema(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ValidationError("The verdict schema is not valid JSON.", "verdictSchema");
  }
  if (!VerdictSchemaShape.safeParse(value).success) {
    throw new ValidationError(
      'The verdict schema must be an object schema whose required properties include "winner" (enum "A", "B", "tie"), "strength" (an enum of the four strength levels) and "rationale" (a string). Start from the default.',
      "verdictSchema",
    );
  }
  return value as Record<string, unknown>;
}

/** The campaign's judge and reward model as the admin's form shows them (defaults when unset). */
export async function getAssistantSettings(db: Db, rawInput: z.input<typeof CampaignIdInput>) {
  const { campaignId } = CampaignIdInput.parse(rawInput);
  await findCampaign(db, campaignId);
  const [[judge], [rewardModel], variants] = await Promise.all([
    db.select().from(campaignJudges).where(eq(campaignJudges.campaignId, campaignId)),
    db.select().from(campaignRewardModels).where(eq(campaignRewardModels.campaignId, campaignId)),
    // Best-of-N's choice of variant.
    db
      .select({ id: modelVariants.id, name: modelVariants.name, temperature: modelVariants.temperature })
      .from(modelVariants)
      .where(and(eq(modelVariants.campaignId, campaignId), eq(modelVariants.isActive, true)))
      .orderBy(asc(modelVariants.createdAt)),
  ]);
  return {
    judge: judge ? { ...judge, verdictSchema: JSON.stringify(judge.verdictSchema, null, 2) } : null,
    rewardModel: rewardModel ?? null,
    variants,
    defaults: {
      promptTemplate: DEFAULT_JUDGE_PROMPT,
      verdictSchema: JSON.stringify(DEFAULT_VERDICT_SCHEMA, null, 2),
    },
  };
}

export async function saveJudge(
  db: Db,
  rawInput: SaveJudgeInput,
  actor: Pick<SessionUser, "id">,
  modelDirs: readonly string[] = configuredModelDirs(),
) {
  const { campaignId, verdictSchema, ...fields } = SaveJudgeInput.parse(rawInput);
  const values = {
    ...checkVariant(fields, modelDirs),
    verdictSchema: parseVerdictSchema(verdictSchema),
    updatedById: actor.id,
    updatedAt: new Date(),
  };
  return db.transaction(async (tx) => {
    requireNotArchived(await findCampaign(tx, campaignId, { lock: true }));
    const [judge] = await tx
      .insert(campaignJudges)
      .values({ campaignId, ...values })
      .onConflictDoUpdate({ target: campaignJudges.campaignId, set: values })
      .returning();
    await recordAudit(tx, {
      actorId: actor.id,
      action: "campaign.judge_set",
      targetType: "campaign",
      targetId: campaignId,
      details: { endpointKind: judge.endpointKind, model: judge.model, isActive: judge.isActive },
    });
    return judge;
  });
}

export async function saveRewardModel(
  db: Db,
  rawInput: SaveRewardModelInput,
  actor: Pick<SessionUser, "id">,
  modelDirs: readonly string[] = configuredModelDirs(),
) {
  const { campaignId, ...fields } = SaveRewardModelInput.parse(rawInput);
  const values = { ...checkVariant(fields, modelDirs), updatedById: actor.id, updatedAt: new Date() };
  return db.transaction(async (tx) => {
    requireNotArchived(await findCampaign(tx, campaignId, { lock: true }));
    const [rewardModel] = await tx
      .insert(campaignRewardModels)
      .values({ campaignId, ...values })
      .onConflictDoUpdate({ target: campaignRewardModels.campaignId, set: values })
      .returning();
    await recordAudit(tx, {
      actorId: actor.id,
      action: "campaign.reward_model_set",
      targetType: "campaign",
      targetId: campaignId,
      details: {
        endpointKind: rewardModel.endpointKind,
        model: rewardModel.model,
        isActive: rewardModel.isActive,
      },
    });
    return rewardModel;
  });
}
