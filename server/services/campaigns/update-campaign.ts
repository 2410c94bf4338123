// An admin edits a campaign's settings. The kind and the number of responses per turn shape
// the data already collected, so they are fixed once the campaign has comparisons.
import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { campaigns, comparisons } from "@/db/schema";
import type { SessionUser } from "@/server/auth/session-user";
import { ValidationError } from "@/server/errors";
import { recordAudit } from "../audit/record-audit";
import { requestPromptReclustering } from "../integrity/recluster-prompts";
import { isUniqueViolation } from "../users/user-schemas";
import { findCampaign, requireNotArchived } from "./campaign-access";
import { CampaignSettingsInput } from "./campaign-schemas";
import { nameTakenError } from "./create-campaign";

export const UpdateCampaignInput = CampaignSettingsInput.omit({ membership: true, memberIds: true }).extend({
  campaignId: z.uuid("That is not a valid campaign id."),
});
export type UpdateCampaignInput = z.input<typeof UpdateCampaignInput>;

const FIELDS = [
  "name",
  "description",
  "kind",
  "responsesPerTurn",
  "maxTurns",
  "systemPrompt",
  "safetyPreprompt",
  "dailyQuota",
  "overlapFraction",
  "goldFraction",
  "turnsPerHour",
  "turnsPerDay",
  "retriesPerTurn",
  "retriesPerHour",
  "concurrentGenerations",
  "isBlindedForReviewers",
  "nearDuplicateThreshold",
  "pairing",
  "ratePerComparison",
  "rateUnit",
] as const;

export async function updateCampaign(db: Db, rawInput: UpdateCampaignInput, actor: Pick<SessionUser, "id">) {
  const { campaignId, ...input } = UpdateCampaignInput.parse(rawInput);
  try {
    return await db.transaction(async (tx) => {
      const campaign = await findCampaign(tx, campaignId, { lock: true });
      requireNotArchived(campaign);
      const changed = FIELDS.filter((field) => campaign[field] !== input[field]);
      if (changed.length === 0) return campaign;
      if (changed.includes("kind") || changed.includes("responsesPerTurn")) {
        const [collected] = await tx
          .select({ id: comparisons.id })
          .from(comparisons)
          .where(eq(comparisons.campaignId, campaign.id))
          .limit(1);
        if (collected) {
          throw new ValidationError(
            "The kind and the responses per turn cannot change once a campaign has comparisons. Duplicate the campaign to start one with other settings.",
          );
        }
      }
      const [updated] = await tx
        .update(campaigns)
        .set({ ...input, updatedAt: new Date() })
        .where(eq(campaigns.id, campaign.id))
        .returning();
      // Prompts are flagged as near-duplicates at the threshold: place them all again.
      if (changed.includes("nearDuplicateThreshold")) await requestPromptReclustering(tx, campaign.id);
      await recordAudit(tx, {
        actorId: actor.id,
        action: "campaign.updated",
        targetType: "campaign",
        targetId: campaign.id,
        details: Object.fromEntries(
          changed.map((field) => [field, { from: campaign[field], to: input[field] }]),
        ),
      });
      return updated;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTakenError(input.name);
    throw error;
  }
}
