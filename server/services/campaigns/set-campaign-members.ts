// Who may work in a campaign: every active user ("all") or the chosen ones ("selected").
import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { campaignMembers, campaigns, MEMBERSHIP_MODES } from "@/db/schema";
import type { SessionUser } from "@/server/auth/session-user";
import { recordAudit } from "../audit/record-audit";
import {
  findCampaign,
  requireNotArchived,
  requireSomeoneMayWork,
  requireUsersExist,
} from "./campaign-access";

export const SetCampaignMembersInput = z.object({
  campaignId: z.uuid("That is not a valid campaign id."),
  membership: z.enum(MEMBERSHIP_MODES, "Choose who may work in the campaign."),
  memberIds: z.array(z.uuid("A member id is malformed.")).max(5000).default([]),
});
export type SetCampaignMembersInput = z.input<typeof SetCampaignMembersInput>;

export async function setCampaignMembers(
  db: Db,
  rawInput: SetCampaignMembersInput,
  actor: Pick<SessionUser, "id">,
) {
  const input = SetCampaignMembersInput.parse(rawInput);
  const memberIds = input.membership === "selected" ? [...new Set(input.memberIds)] : [];
  await requireUsersExist(db, memberIds);
  return db.transaction(async (tx) => {
    const campaign = await findCampaign(tx, input.campaignId, { lock: true });
    requireNotArchived(campaign);
    // A draft may be saved half-chosen; opening its first batch checks again.
    if (campaign.status !== "draft") requireSomeoneMayWork(campaign, input.membership, memberIds.length);
    const before = await tx
      .select({ userId: campaignMembers.userId })
      .from(campaignMembers)
      .where(eq(campaignMembers.campaignId, campaign.id));
    const beforeIds = new Set(before.map((row) => row.userId));
    const added = memberIds.filter((id) => !beforeIds.has(id));
    const removed = [...beforeIds].filter((id) => !memberIds.includes(id));
    await tx.delete(campaignMembers).where(eq(campaignMembers.campaignId, campaign.id));
    if (memberIds.length > 0) {
      await tx
        .insert(campaignMembers)
        .values(memberIds.map((userId) => ({ campaignId: campaign.id, userId })));
    }
    await tx
      .update(campaigns)
      .set({ membership: input.membership, updatedAt: new Date() })
      .where(eq(campaigns.id, campaign.id));
    await recordAudit(tx, {
      actorId: actor.id,
      action: "campaign.members_changed",
      targetType: "campaign",
      targetId: campaign.id,
      details: { membership: input.membership, added: added.length, removed: removed.length },
    });
    return { membership: input.membership, memberIds };
  });
}
