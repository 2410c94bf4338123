// An admin gives someone another role. Admins cannot change their own role, so an instance
// always keeps at least one admin.
import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { ROLES, users } from "@/db/schema";
import type { SessionUser } from "@/server/auth/session-user";
import { ConflictError, NotFoundError } from "@/server/errors";
import { recordAudit } from "../audit/record-audit";
import { toUserView } from "./user-schemas";

export const ChangeUserRoleInput = z.object({
  userId: z.uuid("That is not a valid user id."),
  role: z.enum(ROLES, { message: "Choose a role: annotator, reviewer or admin." }),
});
export type ChangeUserRoleInput = z.infer<typeof ChangeUserRoleInput>;

export async function changeUserRole(db: Db, input: ChangeUserRoleInput, actor: SessionUser) {
  if (input.userId === actor.id) {
    throw new ConflictError("You cannot change your own role. Ask another admin to do it.");
  }
  return db.transaction(async (tx) => {
    const [user] = await tx.select().from(users).where(eq(users.id, input.userId)).for("update");
    if (!user)
      throw new NotFoundError("That user does not exist. Reload the list and try again.", {
        key: "userNotFound",
      });
    if (user.role === input.role) return toUserView(user);
    const [updated] = await tx
      .update(users)
      .set({ role: input.role, updatedAt: new Date() })
      .where(eq(users.id, user.id))
      .returning();
    await recordAudit(tx, {
      actorId: actor.id,
      action: "user.role_changed",
      targetType: "user",
      targetId: user.id,
      details: { email: user.email, from: user.role, to: input.role },
    });
    return toUserView(updated);
  });
}
