// What a token may do (its scope, ordered read < annotate < admin) and the scopes a role may
// hand out: a token never does more than its owner's role allows.
import { z } from "zod";
import { API_TOKEN_MAX_DAYS, API_TOKEN_SCOPES, type ApiTokenScope } from "@/lib/constants";
import type { Role } from "@/server/auth/roles";

const SCOPE_RANK: Record<ApiTokenScope, number> = { read: 1, annotate: 2, admin: 3 };

export function hasScope(granted: ApiTokenScope, required: ApiTokenScope) {
  return SCOPE_RANK[granted] >= SCOPE_RANK[required];
}

/** admin tokens need an admin; reading and annotating need any account. */
export function scopesForRole(role: Role): readonly ApiTokenScope[] {
  return role === "admin" ? API_TOKEN_SCOPES : ["read", "annotate"];
}

/** What a request made with a token carries beside its user. */
export interface ApiTokenGrant {
  id: string;
  /** Its name and the secret's first characters, which audit entries of its calls show. */
  name: string;
  prefix: string;
  scope: ApiTokenScope;
  /** Null: every campaign the owner may reach. */
  campaignId: string | null;
}

export const ApiTokenIdInput = z.object({ tokenId: z.uuid("That is not a valid token id.") });
export type ApiTokenIdInput = z.infer<typeof ApiTokenIdInput>;

export const ApiTokenScopeSchema = z.enum(API_TOKEN_SCOPES, "Choose a scope: read, annotate or admin.");

export const ApiTokenLifetime = z
  .number()
  .int("Give the lifetime in whole days.")
  .min(1, "A token lives at least one day.")
  .max(
    API_TOKEN_MAX_DAYS,
    `A token lives at most ${API_TOKEN_MAX_DAYS} days; create a new one when it expires.`,
  );
