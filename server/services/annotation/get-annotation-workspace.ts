// What an annotator's workspace shows for a campaign: its guidelines (whether they confirmed
// this version, and what changed since the version they confirmed last), their progress and quota, and their conversation in progress with every turn,
// response (text and status only: no variant, model or endpoint) and their own judgements.
import { and, asc, count, desc, eq, inArray, lt, max } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import {
  campaignGuidelineVersions,
  comparisons,
  conversations,
  guidelineAcknowledgements,
  modelVariants,
  responses,
  turns,
  type Conversation,
} from "@/db/schema";
import type { CampaignKind, SafetyBin, Strength } from "@/lib/constants";
import { toResponseView, type ResponseView } from "@/server/generation/turn-generation";
import { findCampaignForAnnotator, hasAcknowledgedGuidelines, type Actor } from "./access";
import { LOCALES, type Locale } from "@/lib/locales";
import { guidelinesFor } from "../campaigns/guideline-translations";
import { lineDiff, type DiffLine } from "./guideline-diff";
import { countComparisonsToday } from "./start-turn";

export const GetAnnotationWorkspaceInput = z.object({
  campaignId: z.uuid(),
  /** The reader's interface language: the guidelines come translated into it where they can. */
  locale: z.enum(LOCALES).optional(),
});
export type GetAnnotationWorkspaceInput = z.input<typeof GetAnnotationWorkspaceInput>;

export interface WorkspaceTurn {
  id: string;
  index: number;
  userMessage: string;
  chosenResponseId: string | null;
  responses: ResponseView[];
  comparison: {
    id: string;
    ranking: string[];
    strength: Strength;
    responseSafety: Record<string, boolean> | null;
    safetyBin: SafetyBin | null;
    note: string | null;
  } | null;
}

export interface ModelStatus {
  /** The campaign generates with the demo model (random weights). */
  usesDemoModel: boolean;
  /** A local inference server of this campaign is failing: why. */
  problem: string | null;
}

export interface AnnotationWorkspace {
  campaign: {
    id: string;
    name: string;
    description: string;
    kind: CampaignKind;
    status: "active" | "paused";
    guidelines: string;
    /** The language `guidelines` are in: English when they have no current translation. */
    guidelinesLocale: Locale;
    guidelinesVersion: number;
    responsesPerTurn: number;
    maxTurns: number;
    dailyQuota: number | null;
  };
  hasAcknowledgedGuidelines: boolean;
  /** Before they confirm a new version: what changed since the one they confirmed last. */
  guidelinesChange: { fromVersion: number; lines: DiffLine[] } | null;
  progress: { comparisonsToday: number; comparisonsTotal: number; conversationsEnded: number };
  conversation: {
    id: string;
    status: "active" | "ended";
    systemPrompt: string | null;
    riskCategory: string | null;
    attackVector: string | null;
    turns: WorkspaceTurn[];
  } | null;
  model: ModelStatus;
}

export interface WorkspaceDeps {
  /** How the generation side sees this campaign's variants (demo model, failing servers). */
  modelStatus?: (
    variants: { endpointKind: string; baseUrl: string | null; modelPath: string | null }[],
  ) => ModelStatus;
}

export async function getAnnotationWorkspace(
  db: Db,
  rawInput: GetAnnotationWorkspaceInput,
  actor: Actor,
  deps: WorkspaceDeps = {},
): Promise<AnnotationWorkspace> {
  const input = GetAnnotationWorkspaceInput.parse(rawInput);
  const campaign = await findCampaignForAnnotator(db, input.campaignId, actor);

  const acknowledged = await hasAcknowledgedGuidelines(db, campaign, actor);
  const guidelinesChange = acknowledged ? null : await changeSinceAcknowledged(db, campaign, actor.id);
  const [{ total }] = await db
    .select({ total: count() })
    .from(comparisons)
    .where(and(eq(comparisons.campaignId, campaign.id), eq(comparisons.annotatorId, actor.id)));

  /** The annotator's own conversations in this campaign with the given status. */
  const ownConversations = (status: Conversation["status"]) =>
    and(
      eq(conversations.campaignId, campaign.id),
      eq(conversations.annotatorId, actor.id),
      eq(conversations.status, status),
    );
  const [{ ended }] = await db
    .select({ ended: count() })
    .from(conversations)
    .where(ownConversations("ended"));

  const [conversation] = await db
    .select()
    .from(conversations)
    .where(and(ownConversations("active"), eq(conversations.origin, "annotator")))
    .orderBy(desc(conversations.createdAt))
    .limit(1);

  let workspaceConversation: AnnotationWorkspace["conversation"] = null;
  if (conversation) {
    const turnRows = await db
      .select()
      .from(turns)
      .where(eq(turns.conversationId, conversation.id))
      .orderBy(asc(turns.index));
    const turnIds = turnRows.map((turn) => turn.id);
    const responseRows = turnIds.length
      ? await db
          .select()
          .from(responses)
          .where(inArray(responses.turnId, turnIds))
          .orderBy(asc(responses.position))
      : [];
    const comparisonRows = turnIds.length
      ? await db
          .select()
          .from(comparisons)
          .where(and(inArray(comparisons.turnId, turnIds), eq(comparisons.annotatorId, actor.id)))
      : [];
    workspaceConversation = {
      id: conversation.id,
      status: conversation.status,
      systemPrompt: conversation.systemPrompt,
      riskCategory: conversation.riskCategory,
      attackVector: conversation.attackVector,
      turns: turnRows.map((turn) => {
        const comparison = comparisonRows.find((row) => row.turnId === turn.id);
        return {
          id: turn.id,
          index: turn.index,
          userMessage: turn.userMessage,
          chosenResponseId: turn.chosenResponseId,
          responses: responseRows.filter((row) => row.turnId === turn.id).map(toResponseView),
          comparison: comparison
            ? {
                id: comparison.id,
                ranking: comparison.ranking,
                strength: comparison.strength,
                responseSafety: comparison.responseSafety,
                safetyBin: comparison.safetyBin,
                note: comparison.note,
              }
            : null,
        };
      }),
    };
  }

  const variants = await db
    .select({
      endpointKind: modelVariants.endpointKind,
      baseUrl: modelVariants.baseUrl,
      modelPath: modelVariants.modelPath,
    })
    .from(modelVariants)
    .where(and(eq(modelVariants.campaignId, campaign.id), eq(modelVariants.isActive, true)));

  const guidelines = await guidelinesFor(db, campaign, input.locale);
  return {
    campaign: {
      id: campaign.id,
      name: campaign.name,
      description: campaign.description,
      kind: campaign.kind,
      status: campaign.status as "active" | "paused",
      guidelines: guidelines.text,
      guidelinesLocale: guidelines.locale,
      guidelinesVersion: campaign.guidelinesVersion,
      responsesPerTurn: campaign.responsesPerTurn,
      maxTurns: campaign.maxTurns,
      dailyQuota: campaign.dailyQuota,
    },
    hasAcknowledgedGuidelines: acknowledged,
    guidelinesChange,
    progress: {
      comparisonsToday: await countComparisonsToday(db, campaign.id, actor.id),
      comparisonsTotal: total,
      conversationsEnded: ended,
    },
    conversation: workspaceConversation,
    model: deps.modelStatus?.(variants) ?? { usesDemoModel: false, problem: null },
  };
}

/** The diff from the newest earlier version the annotator confirmed to the current one. */
async function changeSinceAcknowledged(
  db: Db,
  campaign: { id: string; guidelines: string; guidelinesVersion: number },
  userId: string,
) {
  const [{ version }] = await db
    .select({ version: max(guidelineAcknowledgements.version) })
    .from(guidelineAcknowledgements)
    .where(
      and(
        eq(guidelineAcknowledgements.campaignId, campaign.id),
        eq(guidelineAcknowledgements.userId, userId),
        lt(guidelineAcknowledgements.version, campaign.guidelinesVersion),
      ),
    );
  if (version === null) return null;
  const [earlier] = await db
    .select({ guidelines: campaignGuidelineVersions.guidelines })
    .from(campaignGuidelineVersions)
    .where(
      and(
        eq(campaignGuidelineVersions.campaignId, campaign.id),
        eq(campaignGuidelineVersions.version, version),
      ),
    )
    .limit(1);
  if (!earlier) return null;
  return { fromVersion: version, lines: lineDiff(earlier.guidelines, campaign.guidelines) };
}
