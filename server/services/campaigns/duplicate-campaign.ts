// Starts a new campaign from an existing one: its settings, current guidelines (as version 1),
// members and model variants; no batches or data. The copy is a draft.
import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { campaignGuidelineVersions, campaignMembers, campaigns, modelVariants } from "@/db/schema";
import type { SessionUser } from "@/server/auth/session-user";
import { recordAudit } from "../audit/record-audit";
import { isUniqueViolation } from "../users/user-schemas";
import { findCampaign } from "./campaign-access";
import { CampaignName } from "./campaign-schemas";
import { nameTakenError } from "./create-campaign";

export const DuplicateCampaignInput = z.object({
  campaignId: z.uuid("That is not a valid campaign id."),
  name: CampaignName,
});
export type DuplicateCampaignInput = z.infer<typeof DuplicateCampaignInput>;

export async function duplicateCampaign(
  db: Db,
  input: DuplicateCampaignInput,
  actor: Pick<SessionUser, "id">,
) {
  try {
    return await db.transaction(async (tx) => {
      const source = await findCampaign(tx, input.campaignId);
      const { id: _id, createdAt: _c, updatedAt: _u, archivedAt: _a, status: _s, ...settings } = source;
      const [copy] = await tx
        .insert(campaigns)
        .values({
          ...settings,
          name: input.name,
          guidelinesVersion: 1,
          status: "draft",
          createdById: actor.id,
        })
        .returning();
      await tx
        .insert(campaignGuidelineVersions)
        .values({ campaignId: copy.id, version: 1, guidelines: source.guidelines, createdById: actor.id });
      const members = await tx
        .select({ userId: campaignMembers.userId })
        .from(campaignMembers)
        .where(eq(campaignMembers.campaignId, source.id));
      if (members.length > 0) {
        await tx
          .insert(campaignMembers)
          .values(members.map(({ userId }) => ({ campaignId: copy.id, userId })));
      }
      const variants = await tx.select().from(modelVariants).where(eq(modelVariants.campaignId, source.id));
      if (variants.length > 0) {
        await tx.insert(modelVariants).values(
          variants.map(({ id: _vid, createdAt: _vc, updatedAt: _vu, ...variant }) => ({
            ...variant,
            campaignId: copy.id,
          })),
        );
      }
      await recordAudit(tx, {
        actorId: actor.id,
        action: "campaign.duplicated",
        targetType: "campaign",
        targetId: copy.id,
        details: { name: copy.name, from: source.name, fromId: source.id, variants: variants.length },
      });
      return copy;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTakenError(input.name);
    throw error;
  }
}
