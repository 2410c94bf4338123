// Looks up an invitation link so the page can greet the invited person before they set a password.
import { and, eq, gt, isNull } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { userInvitations, users } from "@/db/schema";
import { NotFoundError } from "@/server/errors";
import { hashInvitationToken } from "./invitations";

export const InvitationTokenSchema = z
  .string()
  .min(1, "The invitation link is incomplete.")
  .max(200, "The invitation link is not valid.");

export const GetInvitationInput = z.object({ token: InvitationTokenSchema });
export type GetInvitationInput = z.infer<typeof GetInvitationInput>;

export const INVALID_INVITATION_MESSAGE =
  "This invitation link is not valid: it may have expired or been used already. Ask an admin for a new link.";
export const invalidInvitation = () =>
  new NotFoundError(INVALID_INVITATION_MESSAGE, { key: "invitationInvalid" });

export async function findUsableInvitation(db: Db, token: string, now = new Date()) {
  const [row] = await db
    .select({ invitation: userInvitations, user: users })
    .from(userInvitations)
    .innerJoin(users, eq(users.id, userInvitations.userId))
    .where(
      and(
        eq(userInvitations.tokenHash, hashInvitationToken(token)),
        isNull(userInvitations.usedAt),
        gt(userInvitations.expiresAt, now),
        eq(users.isActive, true),
        isNull(users.passwordHash),
      ),
    );
  return row ?? null;
}

export async function getInvitation(db: Db, input: GetInvitationInput) {
  const row = await findUsableInvitation(db, input.token);
  if (!row) throw invalidInvitation();
  return {
    email: row.user.email,
    name: row.user.name,
    role: row.user.role,
    expiresAt: row.invitation.expiresAt,
  };
}
