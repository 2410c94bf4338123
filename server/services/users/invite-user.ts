// An admin invites someone with a role; they get a one-time link to set their password.
import { z } from "zod";
import type { Db } from "@/db/client";
import { ROLES, users } from "@/db/schema";
import type { SessionUser } from "@/server/auth/session-user";
import { ConflictError } from "@/server/errors";
import { recordAudit } from "../audit/record-audit";
import { issueInvitation } from "./invitations";
import { EmailSchema, isUniqueViolation, NameSchema, toUserView } from "./user-schemas";

export const InviteUserInput = z.object({
  email: EmailSchema,
  name: NameSchema.default(""),
  role: z.enum(ROLES, { message: "Choose a role: annotator, reviewer or admin." }),
});
export type InviteUserInput = z.input<typeof InviteUserInput>;

export async function inviteUser(db: Db, rawInput: InviteUserInput, actor: SessionUser) {
  const input = InviteUserInput.parse(rawInput);
  try {
    return await db.transaction(async (tx) => {
      const [user] = await tx
        .insert(users)
        .values({ email: input.email, name: input.name, role: input.role })
        .returning();
      const invitation = await issueInvitation(tx, user.id, actor.id);
      await recordAudit(tx, {
        actorId: actor.id,
        action: "user.invited",
        targetType: "user",
        targetId: user.id,
        details: { email: user.email, role: user.role },
      });
      return { user: toUserView(user), ...invitation };
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new ConflictError(
        `A user with the email ${input.email} already exists. Find them in the list instead of inviting again.`,
      );
    }
    throw error;
  }
}
