// Request headers carrying a real next-auth session cookie for a user, as a browser would send.
import crypto from "node:crypto";
import { encode } from "next-auth/jwt";
import type { SessionUser } from "@/server/auth/session-user";

/** A per-run secret so tests never read or create the data directory's secret file. */
export const TEST_AUTH_SECRET = crypto.randomBytes(32).toString("hex");

export async function sessionHeaders(user: SessionUser | null, init: Record<string, string> = {}) {
  const headers = new Headers(init);
  if (user) {
    const token = await encode({
      token: { sub: user.id, sid: user.sessionId, role: user.role, email: user.email, name: user.name },
      secret: TEST_AUTH_SECRET,
    });
    headers.set("cookie", `next-auth.session-token=${token}`);
  }
  return headers;
}
