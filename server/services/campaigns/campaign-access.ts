// Loading a campaign for an admin action, with the checks every edit shares.
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "@/db/client";
import { campaigns, users, type Campaign } from "@/db/schema";
import { NotFoundError, ValidationError } from "@/server/errors";
import { CAMPAIGN_NOT_FOUND } from "./campaign-schemas";

/** The campaign, locked for update when `lock` (inside a transaction). */
export async function findCampaign(db: Db, campaignId: string, options: { lock?: boolean } = {}) {
  const query = db.select().from(campaigns).where(eq(campaigns.id, campaignId)).limit(1);
  const [campaign] = options.lock ? await query.for("update") : await query;
  if (!campaign) throw new NotFoundError(CAMPAIGN_NOT_FOUND);
  return campaign;
}

export function requireNotArchived(campaign: Campaign) {
  if (campaign.status === "archived") {
    throw new ValidationError(
      `The campaign "${campaign.name}" is archived and cannot change. Restore it first if you need to edit it.`,
    );
  }
}

/** A campaign that is or will be collecting with "selected" membership needs someone chosen,
 * or nobody could work in it and nothing would say why. */
export function requireSomeoneMayWork(
  campaign: Pick<Campaign, "name">,
  membership: Campaign["membership"],
  memberCount: number,
) {
  if (membership === "selected" && memberCount === 0) {
    throw new ValidationError(
      `Nobody could work in "${campaign.name}": choose at least one member, or let every active annotator work in it.`,
      "memberIds",
    );
  }
}

/** Member ids must be existing users who can annotate (every role can). */
export async function requireUsersExist(db: Db, userIds: string[]) {
  if (userIds.length === 0) return;
  const unique = [...new Set(userIds)];
  const found = await db
    .select({ id: users.id })
    .from(users)
    .where(and(inArray(users.id, unique), eq(users.isActive, true)));
  if (found.length !== unique.length) {
    throw new ValidationError(
      "Some chosen members do not exist or are deactivated. Reload the page and choose again.",
    );
  }
}
