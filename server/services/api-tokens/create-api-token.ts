// Someone creates an API token: personal (for themselves, from their own page) or service (an
// admin, for a pipeline). The secret is returned here once and never again.
import { z } from "zod";
import type { Db } from "@/db/client";
import { apiTokens } from "@/db/schema";
import type { ApiTokenKind } from "@/lib/constants";
import type { SessionUser } from "@/server/auth/session-user";
import { ForbiddenError } from "@/server/errors";
import { recordAudit } from "../audit/record-audit";
import { findCampaign } from "../campaigns/campaign-access";
import { ApiTokenLifetime, ApiTokenScopeSchema, scopesForRole } from "./api-token-schemas";
import { generateTokenSecret } from "./token-secret";

const DAY_MS = 24 * 60 * 60 * 1000;

export const CreateApiTokenInput = z.object({
  name: z
    .string()
    .trim()
    .min(1, "Name the token after what uses it (e.g. “nightly export”).")
    .max(100, "A token name can be at most 100 characters long."),
  scope: ApiTokenScopeSchema,
  /** Leave out (or null) for every campaign. */
  campaignId: z.uuid("That is not a valid campaign id.").nullish(),
  expiresInDays: ApiTokenLifetime.default(90),
});
export type CreateApiTokenInput = z.input<typeof CreateApiTokenInput>;

export async function createApiToken(
  db: Db,
  rawInput: CreateApiTokenInput,
  actor: Pick<SessionUser, "id" | "role">,
  kind: ApiTokenKind,
  now = new Date(),
) {
  const input = CreateApiTokenInput.parse(rawInput);
  if (kind === "service" && actor.role !== "admin") {
    throw new ForbiddenError("Only admins create service tokens. Create a personal token instead.");
  }
  if (!scopesForRole(actor.role).includes(input.scope)) {
    throw new ForbiddenError(
      `Your role cannot hand out the ${input.scope} scope. Choose ${scopesForRole(actor.role).join(" or ")}.`,
    );
  }
  if (input.campaignId) await findCampaign(db, input.campaignId);
  const { secret, hash, prefix } = generateTokenSecret();
  return db.transaction(async (tx) => {
    const [token] = await tx
      .insert(apiTokens)
      .values({
        name: input.name,
        kind,
        userId: actor.id,
        scope: input.scope,
        campaignId: input.campaignId ?? null,
        tokenHash: hash,
        prefix,
        createdAt: now,
        expiresAt: new Date(now.getTime() + input.expiresInDays * DAY_MS),
      })
      .returning();
    await recordAudit(tx, {
      actorId: actor.id,
      action: "api_token.created",
      targetType: "api_token",
      targetId: token.id,
      details: {
        name: token.name,
        kind,
        scope: token.scope,
        campaignId: token.campaignId ?? undefined,
        expiresAt: token.expiresAt.toISOString(),
      },
    });
    return {
      id: token.id,
      name: token.name,
      prefix,
      expiresAt: token.expiresAt,
      /** Shown once: only its hash is stored. */
      secret,
    };
  });
}
