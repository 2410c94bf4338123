// The annotator's interface in English, Spanish and Arabic: chosen in the header and kept on the
// account, defaulting from the browser's language, guidelines in the reader's language where a
// translation exists, dates and plurals in the language's forms, and Arabic laid out right to
// left without sideways scrolling. Screenshots of the workspace in each locale go to the test's
// output.
import type { Page, TestInfo } from "@playwright/test";
import { mutate } from "./app-api";
import { expectNoHorizontalScroll, wcagViolations } from "./accessibility";
import { expect, test } from "./fixtures";

/** Saved in the test's output folder (test-results/languages-…/) and attached to the report. */
async function screenshot(page: Page, testInfo: TestInfo, name: string) {
  const path = testInfo.outputPath(`workspace-${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(`workspace-${name}`, { path, contentType: "image/png" });
}

function chooseLanguage(page: Page, locale: "en" | "es" | "ar") {
  return page.getByRole("combobox", { name: /^(Language|Idioma|اللغة)$/ }).selectOption(locale);
}

test("an annotator works in Spanish and in Arabic, right to left, and keeps the choice", async ({
  admin,
  campaigns,
  users,
}, testInfo) => {
  test.setTimeout(180_000);
  const campaign = await campaigns.create({ maxTokens: 24 });
  await mutate(admin, "campaigns.saveGuidelineTranslation", {
    campaignId: campaign.id,
    locale: "es",
    guidelines: "# Pautas\n\nJuzga las respuestas.",
  });
  const { page } = await users.create({ role: "annotator" });

  await test.step("chooses Español in the header; it stays after a reload", async () => {
    await page.goto("/campaigns");
    await expect(page.getByRole("heading", { level: 1, name: "Campaigns" })).toBeVisible();
    await chooseLanguage(page, "es");
    await expect(page.getByRole("heading", { level: 1, name: "Campañas" })).toBeVisible();
    await page.reload();
    await expect(page.getByRole("heading", { level: 1, name: "Campañas" })).toBeVisible();
    await expect(page.locator("html")).toHaveAttribute("lang", "es");
  });

  await test.step("reads the Spanish guidelines, writes a prompt and sees the responses in Spanish", async () => {
    await page.getByRole("link", { name: `Anotar en ${campaign.name}` }).click();
    await expect(page.getByRole("heading", { name: "Pautas", exact: true })).toBeVisible();
    await page.getByRole("button", { name: "He leído las pautas" }).click();
    await page.getByRole("textbox", { name: "Instrucción", exact: true }).fill("Describe una puesta de sol.");
    await page.getByRole("button", { name: "Enviar", exact: true }).click();
    for (const letter of ["A", "B"]) {
      const card = page.getByRole("region", { name: `Respuesta ${letter}`, exact: true });
      await expect(card.getByTestId("response-status")).toHaveText(/^Completa/, { timeout: 60_000 });
    }
    await expect(page.getByRole("radiogroup", { name: "Intensidad" })).toBeVisible();
    await screenshot(page, testInfo, "es");
    await page.goto("/account/work");
    // Dates in Spanish words: "… antes del 7 de diciembre de 2026 (UTC) …".
    await expect(page.getByText(/antes del \d{1,2} de \p{L}+ de \d{4} \(UTC\)/u)).toBeVisible();
    await page.goBack();
  });

  await test.step("switches to Arabic: right to left, Arabic digits, no sideways scroll, no violation", async () => {
    await chooseLanguage(page, "ar");
    await expect(page.locator("html")).toHaveAttribute("dir", "rtl");
    await expect(page.getByRole("region", { name: "الرد A", exact: true })).toBeVisible();
    // Arabic's own plural forms: "no comparisons today" is its zero form.
    await expect(page.getByRole("status", { name: "التقدّم" })).toContainText("لا مقارنات اليوم");
    await page.waitForLoadState("networkidle");
    await expectNoHorizontalScroll(page, "the Arabic workspace");
    // Right to left: the header's first link (the name) sits at the right edge.
    const brand = await page.getByRole("link", { name: "Arbiter", exact: true }).boundingBox();
    expect(brand!.x).toBeGreaterThan((page.viewportSize()!.width * 2) / 3);
    expect(await wcagViolations(page, "the Arabic workspace")).toEqual([]);
    await screenshot(page, testInfo, "ar");
    await page.setViewportSize({ width: 390, height: 844 });
    await expectNoHorizontalScroll(page, "the Arabic workspace at phone size");
    await screenshot(page, testInfo, "ar-phone");
    await page.setViewportSize({ width: 1280, height: 720 });
  });

  await test.step("back in English", async () => {
    await chooseLanguage(page, "en");
    await expect(page.locator("html")).toHaveAttribute("dir", "ltr");
    await expect(page.getByRole("region", { name: "Response A", exact: true })).toBeVisible();
    await screenshot(page, testInfo, "en");
  });
});

test("a visitor's browser language chooses the sign-in page's", async ({ browser }) => {
  const context = await browser.newContext({ locale: "ar-EG" });
  const page = await context.newPage();
  await page.goto("/sign-in");
  await expect(page.getByRole("heading", { name: "سجّل الدخول إلى Arbiter" })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("dir", "rtl");
  await expectNoHorizontalScroll(page, "the Arabic sign-in page");
  expect(await wcagViolations(page, "the Arabic sign-in page")).toEqual([]);
  await context.close();
});
