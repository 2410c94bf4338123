// A new invitation link for someone who has not set a password yet (lost or expired link).
import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { userInvitations, users } from "@/db/schema";
import type { SessionUser } from "@/server/auth/session-user";
import { ConflictError, NotFoundError } from "@/server/errors";
import { recordAudit } from "../audit/record-audit";
import { issueInvitation } from "./invitations";

export const ReissueInvitationInput = z.object({ userId: z.uuid("That is not a valid user id.") });
export type ReissueInvitationInput = z.infer<typeof ReissueInvitationInput>;

export async function reissueInvitation(db: Db, input: ReissueInvitationInput, actor: SessionUser) {
  return db.transaction(async (tx) => {
    const [user] = await tx.select().from(users).where(eq(users.id, input.userId)).for("update");
    if (!user)
      throw new NotFoundError("That user does not exist. Reload the list and try again.", {
        key: "userNotFound",
      });
    if (user.passwordHash) {
      throw new ConflictError(`${user.email} has already set a password and can sign in.`);
    }
    if (!user.isActive) {
      throw new ConflictError(`${user.email} is deactivated. Reactivate the account first.`);
    }
    // Only the newest link works: earlier ones are retired, their campaigns carried over.
    const retired = await tx
      .delete(userInvitations)
      .where(eq(userInvitations.userId, user.id))
      .returning({ campaignIds: userInvitations.campaignIds });
    const campaignIds = [...new Set(retired.flatMap((invitation) => invitation.campaignIds))];
    const invitation = await issueInvitation(tx, user.id, actor.id, { campaignIds });
    await recordAudit(tx, {
      actorId: actor.id,
      action: "user.invitation_reissued",
      targetType: "user",
      targetId: user.id,
      details: { email: user.email },
    });
    return invitation;
  });
}
