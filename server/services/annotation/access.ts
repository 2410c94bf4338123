// Who may annotate where: a campaign is open to an annotator when it is active or paused (not a
// draft, not archived) and its membership is "all" or lists them. A turn or conversation is
// reachable only by the annotator who wrote it. Anything else reads as "not found", so ids of
// other people's work reveal nothing. New work is saved only from annotators who confirmed the
// campaign's current guidelines: the workspace asks for it, and the server holds every other
// client (scripts, an old tab) to it too.
import { and, eq, type SQLWrapper } from "drizzle-orm";
import type { Db } from "@/db/client";
import {
  campaignMembers,
  campaigns,
  conversations,
  guidelineAcknowledgements,
  turns,
  type Campaign,
  type Conversation,
  type Turn,
} from "@/db/schema";
import type { SessionUser } from "@/server/auth/session-user";
import { ForbiddenError, NotFoundError, ValidationError } from "@/server/errors";

export type Actor = Pick<SessionUser, "id" | "role">;

const CAMPAIGN_NOT_FOUND =
  "This campaign does not exist or is not open to you. Pick one from your campaign list.";
const CONVERSATION_NOT_FOUND =
  "This conversation does not exist or is not yours. Reload the page to see your current work.";

async function isCampaignMember(db: Db, campaign: Campaign, actor: Actor): Promise<boolean> {
  if (campaign.membership === "all") return true;
  const [member] = await db
    .select({ userId: campaignMembers.userId })
    .from(campaignMembers)
    .where(and(eq(campaignMembers.campaignId, campaign.id), eq(campaignMembers.userId, actor.id)))
    .limit(1);
  return member !== undefined;
}

/** A campaign the actor may see (active or paused) — or NotFoundError. */
export async function findCampaignForAnnotator(db: Db, campaignId: string, actor: Actor): Promise<Campaign> {
  const [campaign] = await db.select().from(campaigns).where(eq(campaigns.id, campaignId)).limit(1);
  if (!campaign || !isOpenToAnnotators(campaign)) throw new NotFoundError(CAMPAIGN_NOT_FOUND);
  if (!(await isCampaignMember(db, campaign, actor))) throw new NotFoundError(CAMPAIGN_NOT_FOUND);
  return campaign;
}

export function requireActive(campaign: Campaign) {
  if (campaign.status === "paused") {
    throw new ValidationError(
      `The campaign "${campaign.name}" is paused, so no new work can be saved in it. Your admin will say when it resumes.`,
    );
  }
}

/** Refuses new work from an annotator who has not confirmed the campaign's current guidelines. */
export function requireGuidelinesAcknowledged(campaign: Campaign, hasAcknowledged: boolean) {
  if (hasAcknowledged) return;
  throw new ForbiddenError(
    `Read and confirm the guidelines of "${campaign.name}" (version ${campaign.guidelinesVersion}) before annotating: ` +
      'reload the campaign\'s page, read them and choose "I have read the guidelines".',
  );
}

/** Whether the actor confirmed the campaign's current guidelines version. */
export async function hasAcknowledgedGuidelines(db: Db, campaign: Campaign, actor: Actor): Promise<boolean> {
  const [row] = await db
    .select({ version: guidelineAcknowledgements.version })
    .from(guidelineAcknowledgements)
    .where(isCurrentAcknowledgement(campaign.id, campaign.guidelinesVersion, actor))
    .limit(1);
  return row !== undefined;
}

function isCurrentAcknowledgement(
  campaignId: SQLWrapper | string,
  version: SQLWrapper | number,
  actor: Actor,
) {
  return and(
    eq(guidelineAcknowledgements.campaignId, campaignId),
    eq(guidelineAcknowledgements.userId, actor.id),
    eq(guidelineAcknowledgements.version, version),
  );
}

export interface OwnTurn {
  turn: Turn;
  conversation: Conversation;
  campaign: Campaign;
  /** Whether the actor confirmed the campaign's current guidelines. */
  hasAcknowledgedGuidelines: boolean;
}

function isOpenToAnnotators(campaign: Campaign) {
  return campaign.status === "active" || campaign.status === "paused";
}

/** A turn of the actor's own conversation in a campaign still open to them (one query). */
export async function findOwnTurn(db: Db, turnId: string, actor: Actor): Promise<OwnTurn> {
  const [row] = await db
    .select({
      turn: turns,
      conversation: conversations,
      campaign: campaigns,
      acknowledgedVersion: guidelineAcknowledgements.version,
    })
    .from(turns)
    .innerJoin(conversations, eq(conversations.id, turns.conversationId))
    .innerJoin(campaigns, eq(campaigns.id, conversations.campaignId))
    .leftJoin(
      guidelineAcknowledgements,
      isCurrentAcknowledgement(campaigns.id, campaigns.guidelinesVersion, actor),
    )
    .where(eq(turns.id, turnId))
    .limit(1);
  if (!row || row.conversation.annotatorId !== actor.id) throw new NotFoundError(CONVERSATION_NOT_FOUND);
  if (!isOpenToAnnotators(row.campaign) || !(await isCampaignMember(db, row.campaign, actor))) {
    throw new NotFoundError(CAMPAIGN_NOT_FOUND);
  }
  const { acknowledgedVersion, ...own } = row;
  return { ...own, hasAcknowledgedGuidelines: acknowledgedVersion !== null };
}

export async function findOwnConversation(
  db: Db,
  conversationId: string,
  actor: Actor,
): Promise<{ conversation: Conversation; campaign: Campaign }> {
  const [conversation] = await db
    .select()
    .from(conversations)
    .where(eq(conversations.id, conversationId))
    .limit(1);
  if (!conversation || conversation.annotatorId !== actor.id) throw new NotFoundError(CONVERSATION_NOT_FOUND);
  const campaign = await findCampaignForAnnotator(db, conversation.campaignId, actor);
  return { conversation, campaign };
}

export function requireConversationActive(conversation: Conversation) {
  if (conversation.status !== "active") {
    throw new ValidationError("This conversation has ended. Start a new one to go on annotating.");
  }
}
