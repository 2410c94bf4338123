// An admin creates a campaign. It starts as a draft: annotators see it once the first batch is
// opened (after adding model variants), so nobody meets a campaign that cannot serve work.
import { z } from "zod";
import type { Db } from "@/db/client";
import { campaignGuidelineVersions, campaignMembers, campaigns } from "@/db/schema";
import type { SessionUser } from "@/server/auth/session-user";
import { ConflictError } from "@/server/errors";
import { recordAudit } from "../audit/record-audit";
import { isUniqueViolation } from "../users/user-schemas";
import { requireUsersExist } from "./campaign-access";
import { CampaignSettingsInput, Guidelines } from "./campaign-schemas";

export const CreateCampaignInput = CampaignSettingsInput.extend({ guidelines: Guidelines.default("") });
export type CreateCampaignInput = z.input<typeof CreateCampaignInput>;

export function nameTakenError(name: string) {
  return new ConflictError(`A campaign named "${name}" already exists. Choose another name.`);
}

export async function createCampaign(db: Db, rawInput: CreateCampaignInput, actor: Pick<SessionUser, "id">) {
  const input = CreateCampaignInput.parse(rawInput);
  const { memberIds, guidelines, ...settings } = input;
  if (settings.membership === "selected") await requireUsersExist(db, memberIds);
  try {
    return await db.transaction(async (tx) => {
      const [campaign] = await tx
        .insert(campaigns)
        .values({ ...settings, guidelines, guidelinesVersion: 1, status: "draft", createdById: actor.id })
        .returning();
      await tx
        .insert(campaignGuidelineVersions)
        .values({ campaignId: campaign.id, version: 1, guidelines, createdById: actor.id });
      if (settings.membership === "selected" && memberIds.length > 0) {
        await tx
          .insert(campaignMembers)
          .values([...new Set(memberIds)].map((userId) => ({ campaignId: campaign.id, userId })));
      }
      await recordAudit(tx, {
        actorId: actor.id,
        action: "campaign.created",
        targetType: "campaign",
        targetId: campaign.id,
        details: { name: campaign.name, kind: campaign.kind },
      });
      return campaign;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTakenError(settings.name);
    throw error;
  }
}
