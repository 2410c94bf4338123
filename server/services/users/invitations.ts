// One-time invitation tokens: random, stored only as a sha256, valid for a week.
import crypto from "node:crypto";
import type { Db } from "@/db/client";
import { userInvitations } from "@/db/schema";

const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export function hashInvitationToken(token: string) {
  return crypto.createHash("sha256").update(token).digest("hex");
}

function invitationPath(token: string) {
  return `/invite/${token}`;
}

/** `campaignIds`: campaigns the person joins on accepting. */
export async function issueInvitation(
  db: Db,
  userId: string,
  createdById: string,
  { campaignIds = [], now = new Date() }: { campaignIds?: string[]; now?: Date } = {},
) {
  const token = crypto.randomBytes(32).toString("base64url");
  const expiresAt = new Date(now.getTime() + INVITATION_TTL_MS);
  await db.insert(userInvitations).values({
    userId,
    tokenHash: hashInvitationToken(token),
    createdById,
    createdAt: now,
    expiresAt,
    campaignIds,
  });
  return { token, invitePath: invitationPath(token), expiresAt };
}
