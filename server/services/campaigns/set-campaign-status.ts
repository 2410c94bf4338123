// Pause, resume, archive and restore. A draft becomes active by opening its first batch
// (open-next-batch.ts); resuming needs an open batch, so an active campaign can always serve work.
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { batches, campaigns } from "@/db/schema";
import type { CampaignStatus } from "@/lib/constants";
import type { SessionUser } from "@/server/auth/session-user";
import { ValidationError } from "@/server/errors";
import { recordAudit, type AuditAction } from "../audit/record-audit";
import { findCampaign } from "./campaign-access";

const CAMPAIGN_STATUS_ACTIONS = ["pause", "resume", "archive", "restore"] as const;

export const SetCampaignStatusInput = z.object({
  campaignId: z.uuid("That is not a valid campaign id."),
  action: z.enum(CAMPAIGN_STATUS_ACTIONS, "Choose pause, resume, archive or restore."),
});
export type SetCampaignStatusInput = z.infer<typeof SetCampaignStatusInput>;

const TRANSITIONS: Record<
  SetCampaignStatusInput["action"],
  { from: CampaignStatus[]; to: CampaignStatus; audit: AuditAction }
> = {
  pause: { from: ["active"], to: "paused", audit: "campaign.paused" },
  resume: { from: ["paused"], to: "active", audit: "campaign.resumed" },
  archive: { from: ["draft", "active", "paused"], to: "archived", audit: "campaign.archived" },
  restore: { from: ["archived"], to: "paused", audit: "campaign.restored" },
};

export async function setCampaignStatus(
  db: Db,
  input: SetCampaignStatusInput,
  actor: Pick<SessionUser, "id">,
) {
  const transition = TRANSITIONS[input.action];
  return db.transaction(async (tx) => {
    const campaign = await findCampaign(tx, input.campaignId, { lock: true });
    if (campaign.status === transition.to) return campaign;
    if (!transition.from.includes(campaign.status)) {
      throw new ValidationError(
        `A ${campaign.status} campaign cannot be ${input.action === "resume" ? "resumed" : `${input.action}d`}.` +
          (campaign.status === "draft" ? " Open its first batch to start collecting." : ""),
      );
    }
    if (input.action === "resume") {
      const [open] = await tx
        .select({ id: batches.id })
        .from(batches)
        .where(and(eq(batches.campaignId, campaign.id), eq(batches.status, "open")))
        .limit(1);
      if (!open) throw new ValidationError("Open a batch to resume collecting; the last one was closed.");
    }
    const [updated] = await tx
      .update(campaigns)
      .set({
        status: transition.to,
        updatedAt: new Date(),
        archivedAt: transition.to === "archived" ? new Date() : null,
      })
      .where(eq(campaigns.id, campaign.id))
      .returning();
    await recordAudit(tx, {
      actorId: actor.id,
      action: transition.audit,
      targetType: "campaign",
      targetId: campaign.id,
      details: { name: campaign.name, from: campaign.status, to: transition.to },
    });
    return updated;
  });
}
