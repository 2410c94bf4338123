// Who may annotate where: a campaign is open to an annotator when it is active or paused (not a
// draft, not archived) and its membership is "all" or lists them (a crowd participant: its own
// campaign, after the comprehension check). A turn or conversation is
// reachable only by the annotator who wrote it. Anything else reads as "not found", so ids of
// other people's work reveal nothing. New work is saved only from annotators who confirmed the
// campaign's current guidelines: the workspace asks for it, and the server holds every other
// client (scripts, an old tab) to it too.
import { and, eq, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import type { Db } from "@/db/client";
import {
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
/** Work sent to a conversation the annotator ended (or the campaign's turn limit did). */
export const conversationEnded = () =>
  new ValidationError("This conversation has ended. Start a new one to go on annotating.", undefined, {
    key: "conversationEnded",
  });
const campaignNotFound = () => new NotFoundError(CAMPAIGN_NOT_FOUND, { key: "campaignNotFound" });
const conversationNotFound = () => new NotFoundError(CONVERSATION_NOT_FOUND, { key: "conversationNotFound" });

/** Whether the campaign (a row of the query's `campaigns`) is open to the actor by membership. A
 * crowd participant's account (server/services/crowd) reaches only its own campaign, and only
 * after passing the comprehension check, whatever the campaigns' membership settings. */
export function isCampaignMemberSql(actorId: string) {
  // Written out with table names: drizzle leaves columns unqualified in a one-table query, and
  // inside these subqueries a bare "id" would be the inner table's.
  const campaignId = sql`"campaigns"."id"`;
  const participant = sql`select 1 from crowd_participants p where p.user_id = ${actorId}`;
  return sql`case when exists (${participant}) then exists (${participant} and p.campaign_id = ${campaignId} and p.passed_at is not null)
    else ("campaigns"."membership" = 'all' or exists (select 1 from campaign_members m where m.campaign_id = ${campaignId} and m.user_id = ${actorId})) end`;
}

/** A campaign the actor may see (active or paused) — or NotFoundError. One query: this is on
 * every turn's path. */
export async function findCampaignForAnnotator(db: Db, campaignId: string, actor: Actor): Promise<Campaign> {
  const [row] = await db
    .select({ campaign: campaigns, isMember: isCampaignMemberSql(actor.id).mapWith(Boolean) })
    .from(campaigns)
    .where(eq(campaigns.id, campaignId))
    .limit(1);
  if (!row || !isOpenToAnnotators(row.campaign) || !row.isMember) throw campaignNotFound();
  return row.campaign;
}

export function requireActive(campaign: Campaign) {
  if (campaign.status === "paused") {
    throw new ValidationError(
      `The campaign "${campaign.name}" is paused, so no new work can be saved in it. Your admin will say when it resumes.`,
      undefined,
      { key: "campaignPaused", values: { campaign: campaign.name } },
    );
  }
}

/** Refuses new work from an annotator who has not confirmed the campaign's current guidelines. */
export function requireGuidelinesAcknowledged(campaign: Campaign, hasAcknowledged: boolean) {
  if (hasAcknowledged) return;
  throw new ForbiddenError(
    `Read and confirm the guidelines of "${campaign.name}" (version ${campaign.guidelinesVersion}) before annotating: ` +
      'reload the campaign\'s page, read them and choose "I have read the guidelines".',
    {
      key: "guidelinesNotConfirmed",
      values: { campaign: campaign.name, version: campaign.guidelinesVersion },
    },
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

/**
 * A turn with its conversation and campaign, and `extra` (a scalar expression over the turn, or
 * null) in the same statement.
 */
function selectOwnTurn(db: Db, turnId: string, actor: Actor, extra: SQL<unknown>) {
  return db
    .select({
      turn: turns,
      conversation: conversations,
      campaign: campaigns,
      acknowledgedVersion: guidelineAcknowledgements.version,
      isMember: isCampaignMemberSql(actor.id).mapWith(Boolean),
      extra,
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
}

/** A row of selectOwnTurn as the actor's own turn in a campaign still open to them, or the error. */
function toOwnTurn(
  row: Awaited<ReturnType<typeof selectOwnTurn>>[number] | undefined,
  actor: Actor,
): OwnTurn {
  if (!row || row.conversation.annotatorId !== actor.id) throw conversationNotFound();
  if (!isOpenToAnnotators(row.campaign) || !row.isMember) throw campaignNotFound();
  const { turn, conversation, campaign, acknowledgedVersion } = row;
  return { turn, conversation, campaign, hasAcknowledgedGuidelines: acknowledgedVersion !== null };
}

/** A turn of the actor's own conversation in a campaign still open to them (one query). */
export async function findOwnTurn(db: Db, turnId: string, actor: Actor): Promise<OwnTurn> {
  const [row] = await selectOwnTurn(db, turnId, actor, sql`null`);
  return toOwnTurn(row, actor);
}

/**
 * findOwnTurn and `extra`, an expression over the turn (e.g. a subquery of its responses), read
 * in the same statement. When the turn is not the actor's own, the error of findOwnTurn comes
 * with `extra` still readable (`own`: the error), for answers that do not depend on the turn.
 */
export async function findOwnTurnWith<X>(
  db: Db,
  turnId: string,
  actor: Actor,
  extra: SQL<X>,
): Promise<{ own: OwnTurn | Error; extra: X | null }> {
  const [row] = await selectOwnTurn(db, turnId, actor, extra);
  try {
    return { own: toOwnTurn(row, actor), extra: row.extra as X };
  } catch (error) {
    return { own: error as Error, extra: (row?.extra as X | undefined) ?? null };
  }
}

/** The actor's own conversation and its campaign, open to them (one query). */
export async function findOwnConversation(
  db: Db,
  conversationId: string,
  actor: Actor,
): Promise<{ conversation: Conversation; campaign: Campaign }> {
  const [row] = await db
    .select({
      conversation: conversations,
      campaign: campaigns,
      isMember: isCampaignMemberSql(actor.id).mapWith(Boolean),
    })
    .from(conversations)
    .innerJoin(campaigns, eq(campaigns.id, conversations.campaignId))
    .where(eq(conversations.id, conversationId))
    .limit(1);
  if (!row || row.conversation.annotatorId !== actor.id) throw conversationNotFound();
  if (!isOpenToAnnotators(row.campaign) || !row.isMember) throw campaignNotFound();
  return { conversation: row.conversation, campaign: row.campaign };
}

export interface CampaignForTurn {
  campaign: Campaign;
  /** The actor's own conversation in the campaign that the turn continues; null for a new one. */
  conversation: Conversation | null;
  /** Whether the actor confirmed the campaign's current guidelines. */
  hasAcknowledgedGuidelines: boolean;
  /** Whether the campaign's active reward model draws best-of-N samples for each turn. */
  hasBestOfN: boolean;
}

/**
 * What a new turn needs to know before its transaction, in one query (this is on every turn's
 * path): the campaign open to the actor, their own conversation in it when one is named, whether
 * they confirmed the current guidelines, and whether best-of-N is on.
 */
export async function findCampaignForTurn(
  db: Db,
  campaignId: string,
  conversationId: string | null,
  actor: Actor,
): Promise<CampaignForTurn> {
  const [row] = await db
    .select({
      campaign: campaigns,
      conversation: conversations,
      acknowledgedVersion: guidelineAcknowledgements.version,
      isMember: isCampaignMemberSql(actor.id).mapWith(Boolean),
      hasBestOfN: sql`exists (select 1 from campaign_reward_models r
        where r.campaign_id = "campaigns"."id" and r.is_active and r.best_of_n is not null)`.mapWith(Boolean),
    })
    .from(campaigns)
    .leftJoin(conversations, conversationId ? eq(conversations.id, conversationId) : sql`false`)
    .leftJoin(
      guidelineAcknowledgements,
      isCurrentAcknowledgement(campaigns.id, campaigns.guidelinesVersion, actor),
    )
    .where(eq(campaigns.id, campaignId))
    .limit(1);
  if (!row || !isOpenToAnnotators(row.campaign) || !row.isMember) throw campaignNotFound();
  const { campaign, conversation } = row;
  if (conversationId) {
    if (!conversation || conversation.annotatorId !== actor.id) throw conversationNotFound();
    if (conversation.campaignId !== campaign.id) {
      throw new ValidationError("This conversation belongs to another campaign. Reload the page.");
    }
  }
  return {
    campaign,
    conversation,
    hasAcknowledgedGuidelines: row.acknowledgedVersion !== null,
    hasBestOfN: row.hasBestOfN,
  };
}

export function requireConversationActive(conversation: Conversation) {
  if (conversation.status !== "active") {
    throw conversationEnded();
  }
}
