// Opening a study link: the platform's participant is signed in without a password. The link's
// secret decides the campaign; the platform's id decides who: one account per campaign, platform
// and participant id, created on the first visit and found on the next. That account has no
// password and no email anyone can receive, so the link never signs in to anybody else's account.
import crypto from "node:crypto";
import { and, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { campaigns, crowdLinks, crowdParticipants, users, type CrowdLink } from "@/db/schema";
import { createSession } from "@/server/auth/sessions";
import type { SessionUser } from "@/server/auth/session-user";
import { NotFoundError, UnauthorizedError } from "@/server/errors";
import { mturkSubmitHost, PLATFORM_NAMES } from "@/lib/crowd-platforms";
import { recordAudit } from "../audit/record-audit";
import { hashTokenSecret } from "../api-tokens/token-secret";
import { CrowdLinkTokenSchema } from "./crowd-links";

export const INVALID_LINK_MESSAGE =
  "This study link is not valid any more. Go back to the platform you came from and contact the researcher.";

/** Platform ids: Prolific's are 24 hex digits, MTurk's upper-case letters and digits; both fit this. */
const PlatformId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, "The link is missing the platform's participant id, or it is malformed.");

export const AdmitParticipantInput = z.object({
  token: CrowdLinkTokenSchema,
  participantId: PlatformId,
  studyId: PlatformId.optional(),
  sessionId: PlatformId.optional(),
  submitTo: z.string().max(200).optional(),
});
export type AdmitParticipantInput = z.input<typeof AdmitParticipantInput>;

/** The link behind a secret, while it is not revoked and its campaign takes work. */
export async function findUsableLink(db: Db, token: string) {
  const [found] = await db
    .select({ link: crowdLinks, campaign: campaigns })
    .from(crowdLinks)
    .innerJoin(campaigns, eq(campaigns.id, crowdLinks.campaignId))
    .where(and(eq(crowdLinks.tokenHash, hashTokenSecret(token)), isNull(crowdLinks.revokedAt)))
    .limit(1);
  if (!found || found.campaign.status === "archived" || found.campaign.status === "draft") return null;
  return found;
}

export const DescribeCrowdLinkInput = z.object({ token: CrowdLinkTokenSchema });

/** What a visitor with the link sees before signing in (and MTurk's preview): no answers, no ids. */
export async function describeCrowdLink(db: Db, rawInput: z.input<typeof DescribeCrowdLinkInput>) {
  const input = DescribeCrowdLinkInput.parse(rawInput);
  const found = await findUsableLink(db, input.token);
  if (!found) throw new NotFoundError(INVALID_LINK_MESSAGE);
  const { link, campaign } = found;
  return {
    platform: link.platform,
    name: link.name,
    description: link.description,
    campaignName: campaign.name,
    requiredComparisons: link.requiredComparisons,
    comprehensionQuestions: link.comprehensionQuestions.length,
  };
}

export async function admitParticipant(
  db: Db,
  rawInput: AdmitParticipantInput,
  origin: { ipAddress: string | null; userAgent: string | null },
): Promise<SessionUser> {
  const input = AdmitParticipantInput.parse(rawInput);
  const found = await findUsableLink(db, input.token);
  if (!found) throw new NotFoundError(INVALID_LINK_MESSAGE);
  const { link } = found;
  const visit = {
    studyId: input.studyId ?? null,
    sessionId: input.sessionId ?? null,
    submitTo: link.platform === "mturk" ? mturkSubmitHost(input.submitTo) : null,
    lastSeenAt: new Date(),
  };
  return db.transaction(async (tx) => {
    let [participant] = await tx
      .update(crowdParticipants)
      .set(visit)
      .where(isParticipant(link, input.participantId))
      .returning();
    if (!participant) participant = await createParticipant(tx, link, input.participantId, visit);
    const [user] = await tx.select().from(users).where(eq(users.id, participant.userId));
    if (!user.isActive) {
      throw new UnauthorizedError(
        "Your participation in this study has been ended by the researcher. Return to the platform.",
      );
    }
    const now = new Date();
    await tx.update(users).set({ lastSignInAt: now }).where(eq(users.id, user.id));
    const session = await createSession(tx, { userId: user.id, ...origin }, now);
    return { id: user.id, email: user.email, name: user.name, role: user.role, sessionId: session.id };
  });
}

/** The participant identity: campaign, platform, and the platform's id. */
function isParticipant(link: CrowdLink, participantId: string) {
  return and(
    eq(crowdParticipants.campaignId, link.campaignId),
    eq(crowdParticipants.platform, link.platform),
    eq(crowdParticipants.participantId, participantId),
  );
}

async function createParticipant(
  tx: Db,
  link: CrowdLink,
  participantId: string,
  visit: { studyId: string | null; sessionId: string | null; submitTo: string | null },
) {
  // Not a mailbox (.invalid never resolves), unique per identity, and no password: nothing but
  // this link signs in to the account.
  const digest = crypto
    .createHash("sha256")
    .update(`${link.campaignId}:${link.platform}:${participantId}`)
    .digest("hex");
  const [user] = await tx
    .insert(users)
    .values({
      email: `${link.platform}-${digest.slice(0, 24)}@participants.arbiter.invalid`,
      name: `${PLATFORM_NAMES[link.platform]} ${participantId}`,
      role: "annotator",
    })
    .onConflictDoNothing()
    .returning();
  // A parallel first visit of the same participant created both rows first: use those.
  if (!user) {
    const [existing] = await tx.select().from(crowdParticipants).where(isParticipant(link, participantId));
    if (existing) return existing;
    throw new Error("A participant account exists without its participant row.");
  }
  const [participant] = await tx
    .insert(crowdParticipants)
    .values({
      campaignId: link.campaignId,
      platform: link.platform,
      participantId,
      linkId: link.id,
      userId: user.id,
      ...visit,
      // Nothing to check: the link goes straight to work.
      passedAt: link.comprehensionQuestions.length === 0 ? new Date() : null,
    })
    .returning();
  await recordAudit(tx, {
    actorId: user.id,
    action: "crowd_participant.created",
    targetType: "user",
    targetId: user.id,
    details: { campaignId: link.campaignId, linkId: link.id, platform: link.platform, participantId },
  });
  return participant;
}
