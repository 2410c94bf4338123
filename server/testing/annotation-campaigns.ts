// Test fixtures for the annotation workflow: campaigns with variants and an open batch, the
// guidelines confirmed as the workspace asks, and a shortcut to a turn whose responses are
// complete (for tests about judging, not generating).
import crypto from "node:crypto";
import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import {
  batches,
  campaignMembers,
  campaigns,
  modelVariants,
  responses,
  type Campaign,
  type ModelVariant,
} from "@/db/schema";
import type { CampaignKind } from "@/lib/constants";
import type { EndpointIdentity } from "@/server/generation/endpoints";
import { acknowledgeGuidelines } from "@/server/services/annotation/acknowledge-guidelines";
import type { Actor } from "@/server/services/annotation/access";
import { startTurn } from "@/server/services/annotation/start-turn";

export interface CreateCampaignOptions {
  kind?: CampaignKind;
  variants?: number;
  /** Per-variant overrides, by index. */
  variant?: (index: number) => Partial<typeof modelVariants.$inferInsert>;
  responsesPerTurn?: number;
  maxTurns?: number;
  membership?: "all" | "selected";
  members?: string[];
  dailyQuota?: number | null;
  /** Generation limits (turnsPerHour, concurrentGenerations, ...); the schema's defaults otherwise. */
  limits?: Partial<
    Pick<
      Campaign,
      "turnsPerHour" | "turnsPerDay" | "retriesPerTurn" | "retriesPerHour" | "concurrentGenerations"
    >
  >;
  systemPrompt?: string | null;
  safetyPreprompt?: string | null;
  status?: Campaign["status"];
}

export async function createCampaign(db: Db, options: CreateCampaignOptions = {}) {
  const [campaign] = await db
    .insert(campaigns)
    .values({
      name: `Test campaign ${crypto.randomBytes(5).toString("hex")}`,
      kind: options.kind ?? "helpfulness",
      status: options.status ?? "active",
      guidelines: "# Guidelines\n\nPick the better response.",
      responsesPerTurn: options.responsesPerTurn ?? 2,
      maxTurns: options.maxTurns ?? 6,
      membership: options.membership ?? "all",
      dailyQuota: options.dailyQuota ?? null,
      ...options.limits,
      systemPrompt: options.systemPrompt ?? null,
      safetyPreprompt: options.safetyPreprompt ?? null,
    })
    .returning();
  const variants: ModelVariant[] = await db
    .insert(modelVariants)
    .values(
      Array.from({ length: options.variants ?? 2 }, (_, index) => ({
        campaignId: campaign.id,
        name: `variant-${index}`,
        endpointKind: "openai" as const,
        baseUrl: "http://127.0.0.1:9/v1",
        model: `model-${index}`,
        temperature: 0.5 + index * 0.25,
        topP: 0.9,
        maxTokens: 32,
        versionLabel: `v${index + 1}`,
        ...options.variant?.(index),
      })),
    )
    .returning();
  await db.insert(batches).values({ campaignId: campaign.id, number: 1, label: "Batch 1" });
  for (const userId of options.members ?? []) {
    await db.insert(campaignMembers).values({ campaignId: campaign.id, userId });
  }
  return { campaign, variants };
}

/** Records what a response would record, without contacting anything (turn creation only). */
export function identifyForTest(variant: ModelVariant): EndpointIdentity {
  return {
    endpointKind: variant.endpointKind,
    endpoint: variant.baseUrl ?? "local:test",
    model: variant.model,
  };
}

/** The annotator confirms the campaign's current guidelines (the server refuses work before). */
export async function acknowledgeCurrentGuidelines(db: Db, campaignId: string, actor: Actor) {
  const [campaign] = await db
    .select({ version: campaigns.guidelinesVersion })
    .from(campaigns)
    .where(eq(campaigns.id, campaignId));
  // An unknown campaign is refused by the service, as it would be by startTurn.
  await acknowledgeGuidelines(db, { campaignId, version: campaign?.version ?? 1 }, actor);
}

/** Default prompts differ from one another, as real ones do: identical prompts are near-duplicates,
 * which the leaderboard leaves out from the fourth of a cluster on. */
let defaultPrompts = 0;

/** A started turn whose responses are complete, ready to be judged; a new conversation's
 * annotator confirms the guidelines first, as the workspace has them do. */
export async function createJudgeableTurn(
  db: Db,
  campaignId: string,
  actor: Actor,
  options: { conversationId?: string | null; message?: string; promptSlotId?: string } = {},
) {
  if (!options.conversationId) await acknowledgeCurrentGuidelines(db, campaignId, actor);
  const turn = await startTurn(
    db,
    {
      campaignId,
      conversationId: options.conversationId ?? null,
      message: options.message ?? `Hello? (prompt ${++defaultPrompts})`,
      promptSlotId: options.promptSlotId,
    },
    actor,
    { identify: identifyForTest },
  );
  for (const response of turn.responses) {
    await db
      .update(responses)
      .set({
        status: "completed",
        text: `Answer at position ${response.position}`,
        finishReason: "stop",
        completedAt: new Date(),
      })
      .where(eq(responses.id, response.id));
  }
  return turn;
}

export function newIdempotencyKey() {
  return crypto.randomUUID();
}
