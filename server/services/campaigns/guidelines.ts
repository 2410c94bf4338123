// Versioned guidelines: every edit is a new version, and annotators acknowledge each new
// version before they go on (the annotator workspace checks guideline_acknowledgements).
import { and, count, desc, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { campaignGuidelineVersions, campaigns, guidelineAcknowledgements, users } from "@/db/schema";
import type { SessionUser } from "@/server/auth/session-user";
import { ConflictError } from "@/server/errors";
import { recordAudit } from "../audit/record-audit";
import { offsetOf, PageInput, toPage } from "../pagination";
import { findCampaign, requireNotArchived } from "./campaign-access";
import { Guidelines } from "./campaign-schemas";

export const UpdateGuidelinesInput = z.object({
  campaignId: z.uuid("That is not a valid campaign id."),
  guidelines: Guidelines,
  /** The version the editor started from: a concurrent edit is refused instead of lost. */
  baseVersion: z.number().int().min(1),
});
export type UpdateGuidelinesInput = z.infer<typeof UpdateGuidelinesInput>;

export async function updateGuidelines(db: Db, input: UpdateGuidelinesInput, actor: Pick<SessionUser, "id">) {
  return db.transaction(async (tx) => {
    const campaign = await findCampaign(tx, input.campaignId, { lock: true });
    requireNotArchived(campaign);
    if (campaign.guidelinesVersion !== input.baseVersion) {
      throw new ConflictError(
        `Someone saved version ${campaign.guidelinesVersion} of the guidelines while you were editing version ${input.baseVersion}. Copy your text, reload, and apply your changes again.`,
      );
    }
    if (campaign.guidelines === input.guidelines)
      return { version: campaign.guidelinesVersion, changed: false };
    const version = campaign.guidelinesVersion + 1;
    await tx
      .insert(campaignGuidelineVersions)
      .values({ campaignId: campaign.id, version, guidelines: input.guidelines, createdById: actor.id });
    await tx
      .update(campaigns)
      .set({ guidelines: input.guidelines, guidelinesVersion: version, updatedAt: new Date() })
      .where(eq(campaigns.id, campaign.id));
    await recordAudit(tx, {
      actorId: actor.id,
      action: "campaign.guidelines_updated",
      targetType: "campaign",
      targetId: campaign.id,
      details: { name: campaign.name, version, characters: input.guidelines.length },
    });
    return { version, changed: true };
  });
}

export const ListGuidelineVersionsInput = PageInput.extend({ campaignId: z.uuid() });
export type ListGuidelineVersionsInput = z.input<typeof ListGuidelineVersionsInput>;

/** Versions newest first, each with its text, author and how many people acknowledged it. */
export async function listGuidelineVersions(db: Db, rawInput: ListGuidelineVersionsInput) {
  const input = ListGuidelineVersionsInput.parse(rawInput);
  await findCampaign(db, input.campaignId);
  const acknowledged = db
    .select({ version: guidelineAcknowledgements.version, people: count().as("people") })
    .from(guidelineAcknowledgements)
    .where(eq(guidelineAcknowledgements.campaignId, input.campaignId))
    .groupBy(guidelineAcknowledgements.version)
    .as("acknowledged");
  const rows = await db
    .select({
      version: campaignGuidelineVersions.version,
      guidelines: campaignGuidelineVersions.guidelines,
      createdAt: campaignGuidelineVersions.createdAt,
      authorEmail: users.email,
      acknowledgedBy: acknowledged.people,
    })
    .from(campaignGuidelineVersions)
    .leftJoin(users, eq(users.id, campaignGuidelineVersions.createdById))
    .leftJoin(acknowledged, eq(acknowledged.version, campaignGuidelineVersions.version))
    .where(eq(campaignGuidelineVersions.campaignId, input.campaignId))
    .orderBy(desc(campaignGuidelineVersions.version))
    .limit(input.pageSize)
    .offset(offsetOf(input));
  const [{ total }] = await db
    .select({ total: count() })
    .from(campaignGuidelineVersions)
    .where(and(eq(campaignGuidelineVersions.campaignId, input.campaignId)));
  return toPage(
    rows.map((row) => ({ ...row, acknowledgedBy: Number(row.acknowledgedBy ?? 0) })),
    total,
    input,
  );
}
