// An admin invites someone with a role, and to campaigns if they like; they get a one-time link
// to set their password, and join those campaigns when they do.
import { and, inArray, ne } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { campaigns, ROLES, users } from "@/db/schema";
import type { SessionUser } from "@/server/auth/session-user";
import { ConflictError, ValidationError } from "@/server/errors";
import { recordAudit } from "../audit/record-audit";
import { issueInvitation } from "./invitations";
import { EmailSchema, isUniqueViolation, NameSchema, toUserView } from "./user-schemas";

export const InviteUserInput = z.object({
  email: EmailSchema,
  name: NameSchema.default(""),
  role: z.enum(ROLES, { message: "Choose a role: annotator, reviewer or admin." }),
  campaignIds: z.array(z.uuid("A campaign id is malformed.")).max(100).default([]),
});
export type InviteUserInput = z.input<typeof InviteUserInput>;

export async function inviteUser(db: Db, rawInput: InviteUserInput, actor: SessionUser) {
  const input = InviteUserInput.parse(rawInput);
  const campaignIds = [...new Set(input.campaignIds)];
  try {
    return await db.transaction(async (tx) => {
      await requireOpenCampaigns(tx, campaignIds);
      const [user] = await tx
        .insert(users)
        .values({ email: input.email, name: input.name, role: input.role })
        .returning();
      const invitation = await issueInvitation(tx, user.id, actor.id, { campaignIds });
      await recordAudit(tx, {
        actorId: actor.id,
        action: "user.invited",
        targetType: "user",
        targetId: user.id,
        details: { email: user.email, role: user.role, campaigns: campaignIds.length },
      });
      return { user: toUserView(user), ...invitation };
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new ConflictError(
        `A user with the email ${input.email} already exists. Find them in the list instead of inviting again.`,
        { key: "userExists", values: { email: input.email } },
      );
    }
    throw error;
  }
}

/** Invited campaigns must exist and not be archived (an archived one cannot change members). */
async function requireOpenCampaigns(db: Db, campaignIds: string[]) {
  if (campaignIds.length === 0) return;
  const found = await db
    .select({ id: campaigns.id })
    .from(campaigns)
    .where(and(inArray(campaigns.id, campaignIds), ne(campaigns.status, "archived")));
  if (found.length !== campaignIds.length) {
    throw new ValidationError(
      "Some chosen campaigns do not exist or are archived. Reload the page and choose again.",
      "campaignIds",
    );
  }
}
