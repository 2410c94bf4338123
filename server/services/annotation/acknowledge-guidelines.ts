// The annotator confirms having read the campaign's guidelines; a new version asks again.
import { z } from "zod";
import type { Db } from "@/db/client";
import { guidelineAcknowledgements } from "@/db/schema";
import { ConflictError } from "@/server/errors";
import { findCampaignForAnnotator, type Actor } from "./access";

export const AcknowledgeGuidelinesInput = z.object({
  campaignId: z.uuid(),
  version: z.number().int().min(1),
});
export type AcknowledgeGuidelinesInput = z.input<typeof AcknowledgeGuidelinesInput>;

export async function acknowledgeGuidelines(
  db: Db,
  rawInput: AcknowledgeGuidelinesInput,
  actor: Actor,
): Promise<{ version: number }> {
  const input = AcknowledgeGuidelinesInput.parse(rawInput);
  const campaign = await findCampaignForAnnotator(db, input.campaignId, actor);
  if (campaign.guidelinesVersion !== input.version) {
    throw new ConflictError(
      "The guidelines changed while you were reading them. Read the new version and confirm again.",
      { key: "guidelinesChanged" },
    );
  }
  await db
    .insert(guidelineAcknowledgements)
    .values({ campaignId: campaign.id, userId: actor.id, version: input.version })
    .onConflictDoNothing();
  return { version: input.version };
}
