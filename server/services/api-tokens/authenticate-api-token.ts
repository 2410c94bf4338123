// Who a bearer token acts as, checked on every call: the token must exist, be neither revoked
// nor expired, and its owner must still be active; the owner's current role applies. Each call
// counts against the token's rate limit (shared by every instance). The last use is written at
// most once a minute per token, so a burst of calls is not a burst of writes.
import { and, eq, isNull, lte, or } from "drizzle-orm";
import type { Db } from "@/db/client";
import { apiTokens, users } from "@/db/schema";
import type { SessionUser } from "@/server/auth/session-user";
import { UnauthorizedError } from "@/server/errors";
import { consumeRateLimit, type RateLimit } from "../rate-limits/consume-rate-limit";
import type { ApiTokenGrant } from "./api-token-schemas";
import { hashTokenSecret } from "./token-secret";

export const LAST_USE_RESOLUTION_MS = 60_000;

/** Calls per token per minute: generous for a pipeline, a ceiling for a runaway loop. */
export const API_TOKEN_CALL_LIMIT = { calls: 600, windowMs: 60_000 };

const NOT_VALID =
  "This API token is not valid. Check that you sent the whole token (Authorization: Bearer arb_…), or create a new one.";

export async function authenticateApiToken(
  db: Db,
  secret: string,
  now = new Date(),
  limit: Omit<RateLimit, "key"> = API_TOKEN_CALL_LIMIT,
): Promise<{ user: SessionUser; grant: ApiTokenGrant }> {
  const [row] = await db
    .select({
      id: apiTokens.id,
      tokenName: apiTokens.name,
      prefix: apiTokens.prefix,
      scope: apiTokens.scope,
      campaignId: apiTokens.campaignId,
      expiresAt: apiTokens.expiresAt,
      revokedAt: apiTokens.revokedAt,
      lastUsedAt: apiTokens.lastUsedAt,
      userId: users.id,
      email: users.email,
      name: users.name,
      role: users.role,
      isActive: users.isActive,
    })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(eq(apiTokens.tokenHash, hashTokenSecret(secret)));
  if (!row || !row.isActive) throw new UnauthorizedError(NOT_VALID);
  // Only the holder of the secret learns these, so saying which helps them and tells nobody else.
  if (row.revokedAt) throw new UnauthorizedError("This API token was revoked. Create a new one.");
  if (row.expiresAt <= now) throw new UnauthorizedError("This API token has expired. Create a new one.");
  await consumeRateLimit(db, { key: `api-token:${row.id}`, source: "with this API token", ...limit }, now);
  const staleBefore = new Date(now.getTime() - LAST_USE_RESOLUTION_MS);
  if (!row.lastUsedAt || row.lastUsedAt <= staleBefore) {
    // The condition again in SQL: of several instances racing, at most one writes.
    await db
      .update(apiTokens)
      .set({ lastUsedAt: now })
      .where(
        and(
          eq(apiTokens.id, row.id),
          or(isNull(apiTokens.lastUsedAt), lte(apiTokens.lastUsedAt, staleBefore)),
        ),
      );
  }
  return {
    // A call has no session: the token's id stands in for it.
    user: { id: row.userId, email: row.email, name: row.name, role: row.role, sessionId: row.id },
    grant: {
      id: row.id,
      name: row.tokenName,
      prefix: row.prefix,
      scope: row.scope,
      campaignId: row.campaignId,
    },
  };
}
