// The dark theme: chosen in the header and kept across pages, or taken from the system's
// setting, and every page an annotator opens has no WCAG 2.2 AA violation in it (contrast
// included, which is what a second palette most often breaks).
import type { Page } from "@playwright/test";
import { judgeTurn, mutate } from "./app-api";
import { wcagViolations } from "./accessibility";
import { expect, test } from "./fixtures";

/** Whether the page's background is dark: its colour painted on a canvas, read back as RGB (the
 * computed style may be oklch()). */
async function expectDark(page: Page, isDark: boolean) {
  const lightness = await page.evaluate(() => {
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 1;
    const context = canvas.getContext("2d")!;
    context.fillStyle = getComputedStyle(document.body).backgroundColor;
    context.fillRect(0, 0, 1, 1);
    const [red, green, blue] = context.getImageData(0, 0, 1, 1).data;
    return (red + green + blue) / 765;
  });
  expect(lightness < 0.3, `background lightness ${lightness.toFixed(2)}`).toBe(isDark);
}

test("an annotator switches to the dark theme, keeps it, and no annotator page has a violation in it", async ({
  campaigns,
  users,
}) => {
  test.setTimeout(240_000);
  const campaign = await campaigns.create({ maxTokens: 12 });
  const annotator = await users.create({ role: "annotator" });
  const { page } = annotator;
  await mutate(annotator, "annotation.acknowledgeGuidelines", { campaignId: campaign.id, version: 1 });
  await judgeTurn(annotator, {
    campaignId: campaign.id,
    conversationId: null,
    message: "Name three colours.",
    winner: 0,
    strength: "better",
  });

  await test.step("chooses Dark in the header; the next page comes dark from the server", async () => {
    await page.goto("/");
    await expectDark(page, false);
    await page.getByRole("combobox", { name: "Theme" }).selectOption("dark");
    await expectDark(page, true);
    await page.goto("/campaigns");
    await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
    await expectDark(page, true);
  });

  const violations: string[] = [];
  for (const path of [
    "/",
    "/campaigns",
    "/annotate/pair",
    "/review/feedback",
    "/account/work",
    `/annotate/${campaign.id}`,
  ]) {
    await test.step(`opens ${path} in the dark theme`, async () => {
      await page.goto(path);
      await page.waitForLoadState("networkidle");
      violations.push(...(await wcagViolations(page, `dark ${path}`)));
    });
  }
  expect(violations).toEqual([]);
});

test("the theme follows the system's until someone chooses one", async ({ browser }) => {
  const context = await browser.newContext({ colorScheme: "dark" });
  const page = await context.newPage();
  await page.goto("/sign-in");
  await expect(page.locator("html")).toHaveAttribute("data-theme", "system");
  await expectDark(page, true);
  expect(await wcagViolations(page, "dark /sign-in")).toEqual([]);
  await page.getByRole("combobox", { name: "Theme" }).selectOption("light");
  await expectDark(page, false);
  await page.reload();
  await expectDark(page, false);
  await context.close();
});
