// Best-of-N mode (rejection sampling, Llama 2 §3.2.3): an admin turns it on for a campaign whose
// reward model is set, naming how many samples a turn draws (4 to 8) and the variant they come
// from. It lives beside the reward model it needs; turning the reward model off pauses it.
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { campaignRewardModels, modelVariants } from "@/db/schema";
import type { SessionUser } from "@/server/auth/session-user";
import { ValidationError } from "@/server/errors";
import { recordAudit } from "../audit/record-audit";
import { findCampaign, requireNotArchived } from "../campaigns/campaign-access";
import { CampaignIdInput } from "../campaigns/campaign-schemas";

export const BEST_OF_N_MIN = 4;
export const BEST_OF_N_MAX = 8;

const outOfRange = `Best-of-N draws between ${BEST_OF_N_MIN} and ${BEST_OF_N_MAX} samples per turn.`;

export const SaveBestOfNInput = CampaignIdInput.extend({
  /** Samples per turn; null turns the mode off. */
  n: z.number().int(outOfRange).min(BEST_OF_N_MIN, outOfRange).max(BEST_OF_N_MAX, outOfRange).nullable(),
  variantId: z.uuid("Pick the variant the samples come from.").nullable(),
});
export type SaveBestOfNInput = z.input<typeof SaveBestOfNInput>;

export async function saveBestOfN(db: Db, rawInput: SaveBestOfNInput, actor: Pick<SessionUser, "id">) {
  const { campaignId, n, variantId } = SaveBestOfNInput.parse(rawInput);
  return db.transaction(async (tx) => {
    requireNotArchived(await findCampaign(tx, campaignId, { lock: true }));
    const [rewardModel] = await tx
      .select()
      .from(campaignRewardModels)
      .where(eq(campaignRewardModels.campaignId, campaignId));
    if (n !== null) {
      if (!rewardModel?.isActive) {
        throw new ValidationError(
          "Best-of-N needs the campaign's reward model to pick the best sample: set a reward model (and keep it on) first.",
          "n",
        );
      }
      if (!variantId) throw new ValidationError("Pick the variant the samples come from.", "variantId");
      const [variant] = await tx
        .select()
        .from(modelVariants)
        .where(and(eq(modelVariants.id, variantId), eq(modelVariants.campaignId, campaignId)));
      if (!variant?.isActive) {
        throw new ValidationError("Pick one of this campaign's active variants.", "variantId");
      }
      requireSamplesDiffer(variant.temperature);
    }
    if (!rewardModel) return null;
    const [saved] = await tx
      .update(campaignRewardModels)
      .set({ bestOfN: n, bestOfNVariantId: n === null ? rewardModel.bestOfNVariantId : variantId })
      .where(eq(campaignRewardModels.campaignId, campaignId))
      .returning();
    await recordAudit(tx, {
      actorId: actor.id,
      action: "campaign.best_of_n_set",
      targetType: "campaign",
      targetId: campaignId,
      details: { n, variantId: saved.bestOfNVariantId },
    });
    return saved;
  });
}

/** Samples drawn at temperature 0 would all be the same answer. */
export function requireSamplesDiffer(temperature: number) {
  if (temperature <= 0) {
    throw new ValidationError(
      "Best-of-N samples must differ: set the variant's temperature above 0 (around 1 is usual for rejection sampling).",
      "variantId",
    );
  }
}
