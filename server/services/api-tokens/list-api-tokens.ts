// API tokens with their scope, campaign, expiry and last use: a person's own, or every token for
// admins. Never the secret (it is not stored) nor its hash.
import { and, count, desc, eq, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { apiTokens, campaigns, users } from "@/db/schema";
import type { SessionUser } from "@/server/auth/session-user";
import { offsetOf, PageInput, toPage } from "../pagination";

export const ListApiTokensInput = PageInput;
export type ListApiTokensInput = z.input<typeof ListApiTokensInput>;

function tokenStatus(token: { revokedAt: Date | null; expiresAt: Date }, now: Date) {
  if (token.revokedAt) return "revoked" as const;
  return token.expiresAt <= now ? ("expired" as const) : ("active" as const);
}

async function listTokens(db: Db, rawInput: ListApiTokensInput, where: SQL | undefined) {
  const input = ListApiTokensInput.parse(rawInput);
  const rows = await db
    .select({
      id: apiTokens.id,
      name: apiTokens.name,
      kind: apiTokens.kind,
      scope: apiTokens.scope,
      prefix: apiTokens.prefix,
      campaignId: apiTokens.campaignId,
      campaignName: campaigns.name,
      ownerEmail: users.email,
      createdAt: apiTokens.createdAt,
      expiresAt: apiTokens.expiresAt,
      revokedAt: apiTokens.revokedAt,
      lastUsedAt: apiTokens.lastUsedAt,
    })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .leftJoin(campaigns, eq(campaigns.id, apiTokens.campaignId))
    .where(where)
    .orderBy(desc(apiTokens.createdAt), desc(apiTokens.id))
    .limit(input.pageSize)
    .offset(offsetOf(input));
  const [{ total }] = await db.select({ total: count() }).from(apiTokens).where(where);
  const now = new Date();
  return toPage(
    rows.map((row) => ({ ...row, status: tokenStatus(row, now) })),
    total,
    input,
  );
}

/** The caller's own tokens (personal, and the service tokens an admin made). */
export function listMyApiTokens(db: Db, input: ListApiTokensInput, actor: Pick<SessionUser, "id">) {
  return listTokens(db, input, eq(apiTokens.userId, actor.id));
}

/** Every token, for the admin page. */
export function listAllApiTokens(db: Db, input: ListApiTokensInput) {
  return listTokens(db, input, and());
}
