// A token is revoked: it stops working at its next request, on every instance (each request
// reads the row). People revoke their own tokens; admins revoke anyone's.
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "@/db/client";
import { apiTokens } from "@/db/schema";
import type { SessionUser } from "@/server/auth/session-user";
import { NotFoundError } from "@/server/errors";
import { recordAudit } from "../audit/record-audit";
import { ApiTokenIdInput } from "./api-token-schemas";

const TOKEN_NOT_FOUND = "That token does not exist, or it is not yours. Reload the list.";

export async function revokeApiToken(
  db: Db,
  rawInput: ApiTokenIdInput,
  actor: Pick<SessionUser, "id" | "role">,
) {
  const { tokenId } = ApiTokenIdInput.parse(rawInput);
  return db.transaction(async (tx) => {
    const [token] = await tx.select().from(apiTokens).where(eq(apiTokens.id, tokenId)).for("update");
    // Someone else's token reads as missing, so its existence is not confirmed to non-admins.
    if (!token || (token.userId !== actor.id && actor.role !== "admin"))
      throw new NotFoundError(TOKEN_NOT_FOUND);
    if (token.revokedAt) return { id: token.id, revokedAt: token.revokedAt };
    const [revoked] = await tx
      .update(apiTokens)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiTokens.id, tokenId), isNull(apiTokens.revokedAt)))
      .returning();
    await recordAudit(tx, {
      actorId: actor.id,
      action: "api_token.revoked",
      targetType: "api_token",
      targetId: token.id,
      details: { name: token.name, kind: token.kind, prefix: token.prefix },
    });
    return { id: revoked.id, revokedAt: revoked.revokedAt! };
  });
}
