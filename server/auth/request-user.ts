// Who is making this request: the session JWT names a session row, and that row (joined with
// the user) decides. Works from any Headers object: route handlers, server components, tests.
import "server-only";
import { getToken } from "next-auth/jwt";
import type { Db } from "@/db/client";
import { findSessionUser } from "./sessions";
import { isHttpsRequest } from "./request-origin";
import { getAuthSecret } from "./secret";
import type { SessionUser } from "./session-user";

function parseCookies(header: string | null) {
  const cookies = new Map<string, string>();
  for (const part of header?.split(";") ?? []) {
    const separator = part.indexOf("=");
    if (separator <= 0) continue;
    const name = part.slice(0, separator).trim();
    try {
      cookies.set(name, decodeURIComponent(part.slice(separator + 1).trim()));
    } catch {
      // a cookie that is not valid percent-encoding is not ours
    }
  }
  return cookies;
}

export async function getUserFromHeaders(
  db: Db,
  headers: Headers,
  secret = getAuthSecret(),
): Promise<SessionUser | null> {
  const token = await getToken({
    req: { headers, cookies: parseCookies(headers.get("cookie")) } as unknown as Parameters<
      typeof getToken
    >[0]["req"],
    secret,
    secureCookie: isHttpsRequest(headers),
  });
  if (!token || typeof token.sid !== "string") return null;
  return findSessionUser(db, token.sid);
}
