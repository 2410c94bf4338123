// Who is making this request: the session JWT names a session row, and that row (joined with
// the user) decides. Works from any Headers object: route handlers, server components, tests.
import "server-only";
import { decode, getToken, type JWT, type JWTDecodeParams } from "next-auth/jwt";
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

/** Session JWTs already decrypted, by their exact text (bounded; the oldest go first). */
const decodedTokens = new Map<string, { secret: string; payload: JWT }>();
const DECODED_TOKENS_KEPT = 2000;

/**
 * next-auth's decode (an HKDF key derivation and an AES-GCM decryption per call), remembered per
 * token text: a browser sends the same JWT with every request (a CPU profile of the soak showed
 * the key derivation and decryption at 2-4% of an instance's time). Only the verification is
 * remembered, keyed by the whole token and the secret; its expiry is checked on every use (from
 * the expiry on, where decode allows 15 s of clock skew). Whether its session is still live is
 * read from the database on every request all the same, so revocation is not delayed.
 */
async function decodeRemembered(params: JWTDecodeParams): Promise<JWT | null> {
  const { token, secret } = params;
  if (!token || typeof secret !== "string") return decode(params);
  const known = decodedTokens.get(token);
  const nowSeconds = Date.now() / 1000;
  if (known && known.secret === secret) {
    return typeof known.payload.exp === "number" && known.payload.exp > nowSeconds ? known.payload : null;
  }
  const payload = await decode(params);
  if (payload && typeof payload.exp === "number") {
    if (decodedTokens.size >= DECODED_TOKENS_KEPT) decodedTokens.delete(decodedTokens.keys().next().value!);
    decodedTokens.set(token, { secret, payload });
  }
  return payload;
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
    decode: decodeRemembered,
  });
  if (!token || typeof token.sid !== "string") return null;
  return findSessionUser(db, token.sid);
}
