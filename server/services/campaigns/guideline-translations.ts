// The guidelines in other languages. A translation is written for one version of the campaign's
// (English) guidelines; annotators whose interface uses its language read it while that version
// is current, and the English text otherwise, so nobody confirms a version they did not read.
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { campaignGuidelineTranslations, type Campaign } from "@/db/schema";
import { DEFAULT_LOCALE, LOCALES, type Locale } from "@/lib/locales";
import type { SessionUser } from "@/server/auth/session-user";
import { recordAudit } from "../audit/record-audit";
import { findCampaign, requireNotArchived } from "./campaign-access";
import { Guidelines } from "./campaign-schemas";

const TRANSLATED_LOCALES = LOCALES.filter((locale) => locale !== DEFAULT_LOCALE) as [Locale, ...Locale[]];

export const SaveGuidelineTranslationInput = z.object({
  campaignId: z.uuid("That is not a valid campaign id."),
  locale: z.enum(TRANSLATED_LOCALES, `Translations are for ${TRANSLATED_LOCALES.join(", ")}.`),
  /** Empty removes the translation: annotators then read the English guidelines. */
  guidelines: Guidelines,
});
export type SaveGuidelineTranslationInput = z.input<typeof SaveGuidelineTranslationInput>;

export async function saveGuidelineTranslation(
  db: Db,
  rawInput: SaveGuidelineTranslationInput,
  actor: Pick<SessionUser, "id">,
) {
  const input = SaveGuidelineTranslationInput.parse(rawInput);
  return db.transaction(async (tx) => {
    const campaign = await findCampaign(tx, input.campaignId, { lock: true });
    requireNotArchived(campaign);
    const key = and(
      eq(campaignGuidelineTranslations.campaignId, campaign.id),
      eq(campaignGuidelineTranslations.locale, input.locale),
    );
    const isRemoved = input.guidelines.trim() === "";
    if (isRemoved) {
      await tx.delete(campaignGuidelineTranslations).where(key);
    } else {
      const values = {
        version: campaign.guidelinesVersion,
        guidelines: input.guidelines,
        updatedById: actor.id,
        updatedAt: new Date(),
      };
      await tx
        .insert(campaignGuidelineTranslations)
        .values({ campaignId: campaign.id, locale: input.locale, ...values })
        .onConflictDoUpdate({
          target: [campaignGuidelineTranslations.campaignId, campaignGuidelineTranslations.locale],
          set: values,
        });
    }
    await recordAudit(tx, {
      actorId: actor.id,
      action: isRemoved ? "campaign.guidelines_translation_removed" : "campaign.guidelines_translated",
      targetType: "campaign",
      targetId: campaign.id,
      details: {
        locale: input.locale,
        version: campaign.guidelinesVersion,
        characters: input.guidelines.length,
      },
    });
    return { locale: input.locale, version: isRemoved ? null : campaign.guidelinesVersion };
  });
}

export const ListGuidelineTranslationsInput = z.object({ campaignId: z.uuid() });

/** Every translation with the version it was written for (older than the current one: outdated). */
export async function listGuidelineTranslations(
  db: Db,
  rawInput: z.input<typeof ListGuidelineTranslationsInput>,
) {
  const input = ListGuidelineTranslationsInput.parse(rawInput);
  const campaign = await findCampaign(db, input.campaignId);
  const rows = await db
    .select({
      locale: campaignGuidelineTranslations.locale,
      version: campaignGuidelineTranslations.version,
      guidelines: campaignGuidelineTranslations.guidelines,
      updatedAt: campaignGuidelineTranslations.updatedAt,
    })
    .from(campaignGuidelineTranslations)
    .where(eq(campaignGuidelineTranslations.campaignId, campaign.id));
  return rows.map((row) => ({ ...row, isCurrent: row.version === campaign.guidelinesVersion }));
}

/** The guidelines an annotator reads: the translation into `locale` written for the current
 * version, else the English text. */
export async function guidelinesFor(
  db: Db,
  campaign: Pick<Campaign, "id" | "guidelines" | "guidelinesVersion">,
  locale: Locale | undefined,
): Promise<{ text: string; locale: Locale }> {
  if (!locale || locale === DEFAULT_LOCALE) return { text: campaign.guidelines, locale: DEFAULT_LOCALE };
  const [translation] = await db
    .select({ guidelines: campaignGuidelineTranslations.guidelines })
    .from(campaignGuidelineTranslations)
    .where(
      and(
        eq(campaignGuidelineTranslations.campaignId, campaign.id),
        eq(campaignGuidelineTranslations.locale, locale),
        eq(campaignGuidelineTranslations.version, campaign.guidelinesVersion),
      ),
    );
  return translation
    ? { text: translation.guidelines, locale }
    : { text: campaign.guidelines, locale: DEFAULT_LOCALE };
}
