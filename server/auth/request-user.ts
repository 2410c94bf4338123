// Who is making this request: the session JWT names a session row, and that row (joined with
// the user) decides. Works from any Headers object: route handlers, server components, tests.
import { getToken } from "next-auth/jwt";
import type { Db } from "@/db/client";
import { findSessionUser } from "@/server/services/auth/sessions";
import { getAuthSecret, usesSecureCookies } from "./secret";
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
    secureCookie: usesSecureCookies(),
  });
  if (!token || typeof token.sid !== "string") return null;
  return findSessionUser(db, token.sid);
}

/** The client's address: the first X-Forwarded-For hop (set by Next.js or a proxy). */
export function clientAddress(headers: Headers | Record<string, string | string[] | undefined>) {
  const read = (name: string) => {
    const value = headers instanceof Headers ? headers.get(name) : headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const forwarded = read("x-forwarded-for")?.split(",")[0]?.trim();
  return forwarded || read("x-real-ip")?.trim() || null;
}
