// Sessions referenced from the JWT. The JWT alone cannot be revoked; this row can, and it is
// checked on every request together with the user's active flag and current role.
import "server-only";
import { and, eq, gt, isNull } from "drizzle-orm";
import type { Db } from "@/db/client";
import { sessions, users } from "@/db/schema";
import type { SessionUser } from "./session-user";

export const SESSION_MAX_AGE_SECONDS = 7 * 24 * 60 * 60;

export async function createSession(
  db: Db,
  input: { userId: string; ipAddress: string | null; userAgent: string | null },
  now = new Date(),
) {
  const [session] = await db
    .insert(sessions)
    .values({
      userId: input.userId,
      ipAddress: input.ipAddress,
      userAgent: input.userAgent?.slice(0, 500) ?? null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + SESSION_MAX_AGE_SECONDS * 1000),
    })
    .returning();
  return session;
}

export async function revokeSession(db: Db, sessionId: string) {
  await db
    .update(sessions)
    .set({ revokedAt: new Date() })
    .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)));
}

/** The user behind a live session, or null if the session ended or the user was deactivated. */
export async function findSessionUser(
  db: Db,
  sessionId: string,
  now = new Date(),
): Promise<SessionUser | null> {
  const [row] = await db
    .select({ id: users.id, email: users.email, name: users.name, role: users.role })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(
      and(
        eq(sessions.id, sessionId),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, now),
        eq(users.isActive, true),
      ),
    );
  return row ? { ...row, sessionId } : null;
}
