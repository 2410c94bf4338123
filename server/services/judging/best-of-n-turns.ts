// A new turn in a best-of-N campaign: two responses from the best-of-N variant, one of them (at
// random, so the position tells nothing) to show the reward model's best sample and the other to
// show another sample. The generation hub draws and scores the samples (best-of-n-sampling.ts).
import { and, eq, isNotNull } from "drizzle-orm";
import type { Db } from "@/db/client";
import { bestOfNTurns, campaignRewardModels, type ModelVariant } from "@/db/schema";
import { ValidationError } from "@/server/errors";
import { randomSeed, type Arm, type RandomSource } from "@/server/generation/pairing";
import { requireSamplesDiffer } from "./best-of-n-settings";

export interface BestOfNTurnPlan {
  arms: Arm[];
  /** Stores the plan once the turn's responses exist. */
  record(db: Db, turnId: string, inserted: { id: string; position: number }[]): Promise<void>;
}

/** The campaign's best-of-N plan for a new turn, or null when the mode is off. */
export async function planBestOfNTurn(
  db: Db,
  campaignId: string,
  variants: readonly ModelVariant[],
  random: RandomSource = Math.random,
): Promise<BestOfNTurnPlan | null> {
  const [setting] = await db
    .select({ n: campaignRewardModels.bestOfN, variantId: campaignRewardModels.bestOfNVariantId })
    .from(campaignRewardModels)
    .where(
      and(
        eq(campaignRewardModels.campaignId, campaignId),
        eq(campaignRewardModels.isActive, true),
        isNotNull(campaignRewardModels.bestOfN),
      ),
    );
  if (!setting?.n) return null;
  const variant = variants.find((candidate) => candidate.id === setting.variantId && candidate.isActive);
  if (!variant) {
    throw new ValidationError(
      "This campaign's best-of-N variant is not active. An admin needs to activate it or pick another on the Model assist tab.",
    );
  }
  requireSamplesDiffer(variant.temperature);
  const n = setting.n;
  const bestPosition = random() < 0.5 ? 0 : 1;
  return {
    arms: [0, 1].map((position) => ({ variant, position, seed: randomSeed(random) })),
    async record(tx, turnId, inserted) {
      const at = (position: number) => inserted.find((response) => response.position === position)!.id;
      await tx.insert(bestOfNTurns).values({
        turnId,
        campaignId,
        n,
        bestResponseId: at(bestPosition),
        otherResponseId: at(1 - bestPosition),
      });
    },
  };
}
