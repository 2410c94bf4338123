// An admin adds a model variant to a campaign, or edits one. A new version label usually goes
// with a new batch (open-next-batch.ts); the edit reports whether the version changed.
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { batches, modelVariants } from "@/db/schema";
import type { SessionUser } from "@/server/auth/session-user";
import { ConflictError, NotFoundError } from "@/server/errors";
import { configuredModelDirs } from "@/server/generation/model-files";
import { recordAudit } from "../audit/record-audit";
import { isUniqueViolation } from "../users/user-schemas";
import { findCampaign, requireNotArchived } from "./campaign-access";
import { checkModelVariant, VariantFields } from "./variant-schemas";

export const CreateVariantInput = VariantFields.extend({
  campaignId: z.uuid("That is not a valid campaign id."),
});
export type CreateVariantInput = z.input<typeof CreateVariantInput>;

export const UpdateVariantInput = VariantFields.extend({
  variantId: z.uuid("That is not a valid variant id."),
});
export type UpdateVariantInput = z.input<typeof UpdateVariantInput>;

export const VARIANT_NOT_FOUND = "That model variant does not exist. Reload the campaign page.";

function nameTaken(name: string) {
  return new ConflictError(`This campaign already has a variant named "${name}". Choose another name.`);
}

/** `modelDirs`: where local model files may be (the settings' folders unless a test names its own). */
export async function createVariant(
  db: Db,
  rawInput: CreateVariantInput,
  actor: Pick<SessionUser, "id">,
  modelDirs: readonly string[] = configuredModelDirs(),
) {
  const { campaignId, ...fields } = CreateVariantInput.parse(rawInput);
  const values = checkModelVariant(fields, modelDirs);
  try {
    return await db.transaction(async (tx) => {
      const campaign = await findCampaign(tx, campaignId, { lock: true });
      requireNotArchived(campaign);
      const [variant] = await tx
        .insert(modelVariants)
        .values({ ...values, campaignId })
        .returning();
      await recordAudit(tx, {
        actorId: actor.id,
        action: "variant.created",
        targetType: "variant",
        targetId: variant.id,
        details: {
          campaignId,
          name: variant.name,
          endpointKind: variant.endpointKind,
          version: variant.versionLabel,
        },
      });
      return variant;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken(values.name);
    throw error;
  }
}

export async function updateVariant(
  db: Db,
  rawInput: UpdateVariantInput,
  actor: Pick<SessionUser, "id">,
  modelDirs: readonly string[] = configuredModelDirs(),
) {
  const { variantId, ...fields } = UpdateVariantInput.parse(rawInput);
  const values = checkModelVariant(fields, modelDirs);
  try {
    return await db.transaction(async (tx) => {
      const [current] = await tx
        .select()
        .from(modelVariants)
        .where(eq(modelVariants.id, variantId))
        .for("update");
      if (!current) throw new NotFoundError(VARIANT_NOT_FOUND);
      const campaign = await findCampaign(tx, current.campaignId);
      requireNotArchived(campaign);
      const changed = (Object.keys(values) as (keyof typeof values)[]).filter(
        (key) => current[key] !== values[key],
      );
      if (changed.length === 0) return { variant: current, versionChanged: false, batchVersion: null };
      const [variant] = await tx
        .update(modelVariants)
        .set({ ...values, updatedAt: new Date() })
        .where(eq(modelVariants.id, variantId))
        .returning();
      await recordAudit(tx, {
        actorId: actor.id,
        action: "variant.updated",
        targetType: "variant",
        targetId: variant.id,
        details: {
          campaignId: campaign.id,
          name: variant.name,
          ...Object.fromEntries(changed.map((key) => [key, { from: current[key], to: values[key] }])),
        },
      });
      const [open] = await tx
        .select({ variantVersions: batches.variantVersions })
        .from(batches)
        .where(and(eq(batches.campaignId, campaign.id), eq(batches.status, "open")))
        .limit(1);
      return {
        variant,
        versionChanged: current.versionLabel !== variant.versionLabel,
        /** The version the open batch recorded for this variant (null: none open, or added later). */
        batchVersion: open?.variantVersions[variant.id] ?? null,
      };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken(values.name);
    throw error;
  }
}
