// Annotation data for export tests, written straight into the tables the annotation work fills:
// campaigns with batches and variants, dialogues whose turns carry 2-4 responses and the author's
// ranking, overlap and gold ratings, reviews and problem reports. Times advance one second per
// record, so the export order is known.
import crypto from "node:crypto";
import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import {
  batches,
  campaigns,
  comparisons,
  conversations,
  goldItems,
  modelVariants,
  problemReports,
  responses,
  turns,
  type Batch,
  type Campaign,
  type Comparison,
  type ComparisonSource,
  type ModelVariant,
  type Response,
  type ReviewStatus,
  type Turn,
} from "@/db/schema";
import type { CampaignKind, SafetyBin, Strength } from "@/lib/constants";
import { variantSnapshot } from "@/server/services/imports/import-dialogues";
import { styleFeatures } from "@/server/services/integrity/stats/style-features";

let clock = Date.parse("2025-01-01T00:00:00.000Z");
/** A later time on every call. */
export function nextTime() {
  clock += 1000;
  return new Date(clock);
}

export interface TestCampaign {
  campaign: Campaign;
  batch: Batch;
  variants: ModelVariant[];
}

export async function createTestCampaign(
  db: Db,
  options: {
    name?: string;
    kind?: CampaignKind;
    systemPrompt?: string | null;
    safetyPreprompt?: string | null;
    variants?: number;
  } = {},
): Promise<TestCampaign> {
  const [campaign] = await db
    .insert(campaigns)
    .values({
      name: options.name ?? `campaign-${crypto.randomBytes(4).toString("hex")}`,
      kind: options.kind ?? "helpfulness",
      systemPrompt: options.systemPrompt ?? null,
      safetyPreprompt: options.safetyPreprompt ?? null,
      responsesPerTurn: 2,
      createdAt: nextTime(),
    })
    .returning();
  const variants: ModelVariant[] = [];
  for (let index = 0; index < (options.variants ?? 4); index++) {
    const [variant] = await db
      .insert(modelVariants)
      .values({
        campaignId: campaign.id,
        name: `variant-${String.fromCharCode(97 + index)}`,
        endpointKind: "openai",
        baseUrl: "http://127.0.0.1:9/v1",
        model: `model-${index % 2 === 0 ? "small" : "large"}`,
        temperature: 0.5 + index * 0.25,
        versionLabel: "v1",
      })
      .returning();
    variants.push(variant);
  }
  const batch = await createTestBatch(db, campaign, 1);
  return { campaign, batch, variants };
}

export async function createTestBatch(db: Db, campaign: Campaign, number: number): Promise<Batch> {
  await db.update(batches).set({ status: "closed" }).where(eq(batches.campaignId, campaign.id));
  const [batch] = await db
    .insert(batches)
    .values({ campaignId: campaign.id, number, label: `Batch ${number}`, status: "open" })
    .returning();
  return batch;
}

export interface TurnSpec {
  user: string;
  /** Response texts by display position (2-4). */
  responses: string[];
  /** Positions, best first. */
  ranking: number[];
  strength: Strength;
  /** Safety campaigns: per position, is the response safe. */
  safety?: boolean[];
  safetyBin?: SafetyBin;
  reviewStatus?: ReviewStatus;
  reported?: boolean;
  batch?: Batch;
}

export interface TestTurn {
  turn: Turn;
  responses: Response[];
  comparison: Comparison;
}

export interface TestDialogue {
  conversation: typeof conversations.$inferSelect;
  turns: TestTurn[];
}

/** A dialogue written by `annotatorId`: each turn's chosen response continues the conversation. */
export async function createTestDialogue(
  db: Db,
  setup: TestCampaign,
  annotatorId: string,
  specs: TurnSpec[],
  options: { riskCategory?: string; attackVector?: string; batch?: Batch } = {},
): Promise<TestDialogue> {
  const { campaign } = setup;
  const batch = options.batch ?? setup.batch;
  const [conversation] = await db
    .insert(conversations)
    .values({
      campaignId: campaign.id,
      batchId: batch.id,
      annotatorId,
      status: "ended",
      systemPrompt: campaign.systemPrompt,
      safetyPreprompt: campaign.safetyPreprompt,
      riskCategory: options.riskCategory ?? null,
      attackVector: options.attackVector ?? null,
      createdAt: nextTime(),
    })
    .returning();

  // What generation sends (server/services/annotation/start-turn.ts): one system message, the
  // safety preprompt first, then the system prompt.
  const sent: { role: "system" | "user" | "assistant"; content: string }[] = [];
  const system = [campaign.safetyPreprompt, campaign.systemPrompt].filter(Boolean).join("\n\n");
  if (system) sent.push({ role: "system", content: system });

  const written: TestTurn[] = [];
  for (const [index, spec] of specs.entries()) {
    const [turn] = await db
      .insert(turns)
      .values({ conversationId: conversation.id, index, userMessage: spec.user, createdAt: nextTime() })
      .returning();
    sent.push({ role: "user", content: spec.user });
    const turnResponses: Response[] = [];
    for (const [position, text] of spec.responses.entries()) {
      const variant = setup.variants[position % setup.variants.length];
      const [response] = await db
        .insert(responses)
        .values({
          turnId: turn.id,
          position,
          ...variantSnapshot(variant),
          variantVersion: variant.versionLabel,
          seed: 1000 + position,
          promptMessages: [...sent],
          text,
          styleFeatures: styleFeatures(text),
          status: "completed",
          finishReason: "stop",
          promptTokens: 10 * (index + 1),
          completionTokens: text.length,
          firstTokenMs: 20,
          latencyMs: 200,
          createdAt: nextTime(),
          completedAt: nextTime(),
        })
        .returning();
      turnResponses.push(response);
    }
    const comparison = await createTestRating(db, setup, { turn, responses: turnResponses }, annotatorId, {
      ...spec,
      source: "primary",
      batch: spec.batch ?? batch,
    });
    const chosen = turnResponses[spec.ranking[0]];
    const [updated] = await db
      .update(turns)
      .set({ chosenResponseId: chosen.id })
      .where(eq(turns.id, turn.id))
      .returning();
    sent.push({ role: "assistant", content: chosen.text });
    if (spec.reported) {
      await db.insert(problemReports).values({
        turnId: turn.id,
        conversationId: conversation.id,
        campaignId: campaign.id,
        annotatorId,
        kind: "broken",
        createdAt: nextTime(),
      });
    }
    written.push({ turn: updated, responses: turnResponses, comparison });
  }
  return { conversation, turns: written };
}

export interface RatingSpec {
  ranking: number[];
  strength: Strength;
  safety?: boolean[];
  safetyBin?: SafetyBin;
  reviewStatus?: ReviewStatus;
  source?: ComparisonSource;
  batch?: Batch;
  isGold?: boolean;
}

/** A rating of a turn: the author's (source primary) or another annotator's overlap/gold one. */
export async function createTestRating(
  db: Db,
  setup: TestCampaign,
  target: { turn: Turn; responses: Response[] },
  annotatorId: string,
  spec: RatingSpec,
): Promise<Comparison> {
  const ranking = spec.ranking.map((position) => target.responses[position].id);
  const responseSafety = spec.safety
    ? Object.fromEntries(spec.safety.map((safe, position) => [target.responses[position].id, safe]))
    : null;
  const [comparison] = await db
    .insert(comparisons)
    .values({
      turnId: target.turn.id,
      conversationId: target.turn.conversationId,
      campaignId: setup.campaign.id,
      batchId: (spec.batch ?? setup.batch).id,
      annotatorId,
      source: spec.source ?? "overlap",
      chosenResponseId: ranking[0],
      rejectedResponseId: ranking[1],
      ranking,
      strength: spec.strength,
      responseSafety,
      safetyBin: spec.safetyBin ?? null,
      timeSpentMs: 12_000,
      idempotencyKey: crypto.randomUUID(),
      reviewStatus: spec.reviewStatus ?? "pending",
      isGold: spec.isGold ?? false,
      createdAt: nextTime(),
    })
    .returning();
  return comparison;
}

export async function markGold(db: Db, setup: TestCampaign, target: TestTurn) {
  const [gold] = await db
    .insert(goldItems)
    .values({
      campaignId: setup.campaign.id,
      turnId: target.turn.id,
      sourceComparisonId: target.comparison.id,
      expectedChosenResponseId: target.comparison.chosenResponseId,
      expectedStrength: target.comparison.strength,
    })
    .returning();
  return gold;
}
