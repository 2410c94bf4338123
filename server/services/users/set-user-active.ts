// An admin deactivates or reactivates an account. Deactivation revokes every session, so the
// person is refused on their next request, not at their next sign-in.
import { and, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { sessions, users } from "@/db/schema";
import type { SessionUser } from "@/server/auth/session-user";
import { ConflictError, NotFoundError } from "@/server/errors";
import { recordAudit } from "../audit/record-audit";
import { toUserView } from "./user-schemas";

export const SetUserActiveInput = z.object({
  userId: z.uuid("That is not a valid user id."),
  isActive: z.boolean(),
});
export type SetUserActiveInput = z.infer<typeof SetUserActiveInput>;

export async function setUserActive(db: Db, input: SetUserActiveInput, actor: SessionUser) {
  if (input.userId === actor.id) {
    throw new ConflictError("You cannot deactivate your own account. Ask another admin to do it.");
  }
  return db.transaction(async (tx) => {
    const [user] = await tx.select().from(users).where(eq(users.id, input.userId)).for("update");
    if (!user)
      throw new NotFoundError("That user does not exist. Reload the list and try again.", {
        key: "userNotFound",
      });
    if (user.isActive === input.isActive) return toUserView(user);
    const now = new Date();
    const [updated] = await tx
      .update(users)
      .set({ isActive: input.isActive, deactivatedAt: input.isActive ? null : now, updatedAt: now })
      .where(eq(users.id, user.id))
      .returning();
    if (!input.isActive) {
      await tx
        .update(sessions)
        .set({ revokedAt: now })
        .where(and(eq(sessions.userId, user.id), isNull(sessions.revokedAt)));
    }
    await recordAudit(tx, {
      actorId: actor.id,
      action: input.isActive ? "user.reactivated" : "user.deactivated",
      targetType: "user",
      targetId: user.id,
      details: { email: user.email },
    });
    return toUserView(updated);
  });
}
