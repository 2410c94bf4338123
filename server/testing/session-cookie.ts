// Request headers carrying a real next-auth session cookie for a user, as a browser would send.
import crypto from "node:crypto";
import { encode } from "next-auth/jwt";
import type { SessionUser } from "@/server/auth/session-user";

/** A per-run secret so tests never read or create the data directory's secret file. */
export const TEST_AUTH_SECRET = crypto.randomBytes(32).toString("hex");

/** The Cookie header of a user's session; `maxAge` below zero gives one whose JWT has expired. */
export async function sessionCookie(
  user: SessionUser,
  options: { secret?: string; maxAge?: number } = {},
): Promise<string> {
  const token = await encode({
    token: { sub: user.id, sid: user.sessionId, role: user.role, email: user.email, name: user.name },
    secret: options.secret ?? TEST_AUTH_SECRET,
    maxAge: options.maxAge,
  });
  return `next-auth.session-token=${token}`;
}

export async function sessionHeaders(user: SessionUser | null, init: Record<string, string> = {}) {
  const headers = new Headers(init);
  if (user) headers.set("cookie", await sessionCookie(user));
  return headers;
}
