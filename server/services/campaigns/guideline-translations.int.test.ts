// Guidelines per language: annotators read the translation into their interface language while
// it was written for the current version, English otherwise; people's language choice is theirs.
import { describe, expect, it } from "vitest";
import { getAnnotationWorkspace } from "@/server/services/annotation/get-annotation-workspace";
import { getUserLocale, setUserLocale } from "@/server/services/users/user-locale";
import { createAnnotator } from "@/server/testing/fixtures";
import { createCollectingCampaign } from "@/server/testing/quality-campaigns";
import { setUpAdminDb } from "@/server/testing/test-db";
import { listGuidelineTranslations, saveGuidelineTranslation } from "./guideline-translations";
import { updateGuidelines } from "./guidelines";

const world = setUpAdminDb();

describe("guideline translations", () => {
  it("serves the current translation in its language, English when missing or outdated", async () => {
    const campaign = await createCollectingCampaign(world.db, world.admin);
    const annotator = (await createAnnotator(world.db)).actor;
    await updateGuidelines(
      world.db,
      { campaignId: campaign.id, guidelines: "# Rules\nPick the more helpful answer.", baseVersion: 1 },
      world.admin,
    );
    const spanish = "# Reglas\nElige la respuesta más útil.";
    await saveGuidelineTranslation(
      world.db,
      { campaignId: campaign.id, locale: "es", guidelines: spanish },
      world.admin,
    );
    const read = async (locale?: "en" | "es" | "ar") =>
      (await getAnnotationWorkspace(world.db, { campaignId: campaign.id, locale }, annotator)).campaign;

    expect(await read("es")).toMatchObject({
      guidelines: spanish,
      guidelinesLocale: "es",
      guidelinesVersion: 2,
    });
    expect(await read("ar")).toMatchObject({
      guidelines: "# Rules\nPick the more helpful answer.",
      guidelinesLocale: "en",
    });
    expect((await read()).guidelinesLocale).toBe("en");

    await updateGuidelines(
      world.db,
      {
        campaignId: campaign.id,
        guidelines: "# Rules\nPick the more helpful answer.\nAsk when unsure.",
        baseVersion: 2,
      },
      world.admin,
    );
    expect(await read("es")).toMatchObject({ guidelinesLocale: "en", guidelinesVersion: 3 });
    expect(await listGuidelineTranslations(world.db, { campaignId: campaign.id })).toMatchObject([
      { locale: "es", version: 2, isCurrent: false },
    ]);

    await saveGuidelineTranslation(
      world.db,
      { campaignId: campaign.id, locale: "es", guidelines: " " },
      world.admin,
    );
    expect(await listGuidelineTranslations(world.db, { campaignId: campaign.id })).toEqual([]);
    await expect(
      saveGuidelineTranslation(
        world.db,
        { campaignId: campaign.id, locale: "en" as "es", guidelines: "x" },
        world.admin,
      ),
    ).rejects.toThrow(/Translations are for es, ar/);
  });

  it("keeps each person's interface language on their own account", async () => {
    const first = (await createAnnotator(world.db)).actor;
    const second = (await createAnnotator(world.db)).actor;
    expect(await getUserLocale(world.db, first.id)).toBeNull();
    expect(await setUserLocale(world.db, { locale: "ar" }, first)).toEqual({ locale: "ar" });
    expect(await getUserLocale(world.db, first.id)).toBe("ar");
    expect(await getUserLocale(world.db, second.id)).toBeNull();
    await expect(setUserLocale(world.db, { locale: "fr" as "ar" }, first)).rejects.toThrow(
      /Choose one of the languages/,
    );
  });
});
