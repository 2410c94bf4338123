// The invited person sets a password through their one-time link, and joins the campaigns the
// invitation names.
import { and, eq, inArray, isNull, ne } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { campaignMembers, campaigns, userInvitations, users } from "@/db/schema";
import { hashPassword, PasswordSchema } from "@/server/auth/password";
import { recordAudit } from "../audit/record-audit";
import { findUsableInvitation, invalidInvitation, InvitationTokenSchema } from "./get-invitation";
import { NameSchema } from "./user-schemas";

export const AcceptInvitationInput = z.object({
  token: InvitationTokenSchema,
  password: PasswordSchema,
  name: NameSchema.optional(),
});
export type AcceptInvitationInput = z.infer<typeof AcceptInvitationInput>;

export async function acceptInvitation(db: Db, input: AcceptInvitationInput) {
  // The token first: hashing costs real CPU time, and anyone can send a made-up token.
  const found = await findUsableInvitation(db, input.token);
  if (!found) throw invalidInvitation();
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    // Claiming the invitation with a conditional update makes a double submit use it once.
    const claimed = await tx
      .update(userInvitations)
      .set({ usedAt: new Date() })
      .where(and(eq(userInvitations.id, found.invitation.id), isNull(userInvitations.usedAt)))
      .returning({ id: userInvitations.id, campaignIds: userInvitations.campaignIds });
    if (claimed.length === 0) throw invalidInvitation();
    const joined = await joinCampaigns(tx, found.user.id, claimed[0].campaignIds);
    await tx
      .update(users)
      .set({
        passwordHash,
        name: input.name && input.name.length > 0 ? input.name : found.user.name,
        updatedAt: new Date(),
      })
      .where(eq(users.id, found.user.id));
    await recordAudit(tx, {
      actorId: found.user.id,
      action: "user.invitation_accepted",
      targetType: "user",
      targetId: found.user.id,
      details: { email: found.user.email, joinedCampaigns: joined },
    });
    return { email: found.user.email };
  });
}

/** Members of the invitation's campaigns that still exist and are not archived; returns how many. */
export async function joinCampaigns(db: Db, userId: string, campaignIds: string[]) {
  if (campaignIds.length === 0) return 0;
  const joinable = await db
    .select({ id: campaigns.id })
    .from(campaigns)
    .where(and(inArray(campaigns.id, campaignIds), ne(campaigns.status, "archived")));
  if (joinable.length === 0) return 0;
  await db
    .insert(campaignMembers)
    .values(joinable.map((campaign) => ({ campaignId: campaign.id, userId })))
    .onConflictDoNothing();
  return joinable.length;
}
