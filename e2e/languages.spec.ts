// The annotator's interface in English, Spanish and Arabic: chosen in the header and kept on the
// account, defaulting from the browser's language, guidelines in the reader's language where a
// translation exists, dates and plurals in the language's forms, and Arabic laid out right to
// left without sideways scrolling; an admin's campaign pages in Spanish and Arabic too.
// Screenshots of the workspace and of a campaign's overview in each locale go to the test's output.
import type { Page, TestInfo } from "@playwright/test";
import { mutate } from "./app-api";
import { expectNoHorizontalScroll, wcagViolations } from "./accessibility";
import { expect, test } from "./fixtures";

/** Saved in the test's output folder (test-results/languages-…/) and attached to the report. */
async function screenshot(page: Page, testInfo: TestInfo, name: string, what = "workspace") {
  const path = testInfo.outputPath(`${what}-${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(`${what}-${name}`, { path, contentType: "image/png" });
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

  await test.step("the workspace's payload carries the shared messages, not the admin pages'", async () => {
    // The page's React payload holds the messages its client components get: the error page's
    // text (shared, not shown) is there, the campaign list's description (admin) is not. Loaded
    // afresh, so the payload is the English page's.
    await page.reload();
    await expect(page.getByRole("region", { name: "Response A", exact: true })).toBeVisible();
    const html = await page.content();
    expect(html).toContain("if it keeps happening, ask an admin to check the server log");
    expect(html).not.toContain("Data collection efforts: settings, model variants");
  });
});

test("an admin manages a campaign in Spanish and in Arabic, right to left", async ({
  admin,
  campaigns,
}, testInfo) => {
  const campaign = await campaigns.create();
  const { page } = admin;
  await page.goto(`/admin/campaigns/${campaign.id}`);
  const tabs = (name: string) => page.getByRole("navigation", { name });

  await test.step("in Spanish: the tabs, the campaign's state and its batches", async () => {
    await chooseLanguage(page, "es");
    await expect(tabs("Campaña").getByRole("link", { name: "Resumen" })).toHaveAttribute(
      "aria-current",
      "page",
    );
    await expect(page.getByText("Recopilando: los anotadores pueden trabajar en ella.")).toBeVisible();
    await expect(page.getByRole("button", { name: "Cerrar el lote 1", exact: true })).toBeVisible();
    await expectNoHorizontalScroll(page, "the Spanish campaign overview");
    await screenshot(page, testInfo, "es", "campaign-overview");
  });

  await test.step("in Arabic: right to left, no sideways scroll at 1280 px, no violation", async () => {
    await chooseLanguage(page, "ar");
    await expect(page.locator("html")).toHaveAttribute("dir", "rtl");
    await expect(tabs("الحملة").getByRole("link", { name: "نظرة عامة" })).toHaveAttribute(
      "aria-current",
      "page",
    );
    await expect(page.getByRole("region", { name: "متغيرات النموذج" })).toBeVisible();
    await page.setViewportSize({ width: 1280, height: 800 });
    await expectNoHorizontalScroll(page, "the Arabic campaign overview");
    expect(await wcagViolations(page, "the Arabic campaign overview")).toEqual([]);
    await screenshot(page, testInfo, "ar", "campaign-overview");
  });
});

test("an annotator manages API tokens in Arabic: the page, a refusal and the list in Arabic, no sideways scroll", async ({
  users,
}) => {
  const { page } = await users.create({ role: "annotator" });
  await page.goto("/account/tokens");
  await chooseLanguage(page, "ar");
  await expect(page.getByRole("heading", { level: 1, name: "رموز الواجهة البرمجية" })).toBeVisible();
  // A nameless token is refused by the server's validation; the refusal reads in Arabic.
  await page.getByRole("button", { name: "إنشاء الرمز" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "ما أُرسل غير صالح: Name the token" })).toBeVisible();
  await page.getByLabel("الاسم", { exact: true }).fill("سكربت");
  await page.getByRole("button", { name: "إنشاء الرمز" }).click();
  await expect(page.getByLabel("رمز واجهة برمجية جديد")).toHaveValue(/^arb_/);
  const row = page.getByRole("row", { name: /سكربت/ });
  await expect(row).toContainText("نشط");
  await expect(row.getByRole("button", { name: "إلغاء سكربت" })).toBeVisible();
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 844 });
    await expectNoHorizontalScroll(page, `the Arabic API tokens page at ${width} px`);
  }
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
