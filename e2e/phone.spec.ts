// An annotator on a phone (390 x 844, touch): every page fits the screen without sideways
// scrolling, the responses stand one after the other, and a choice bar stays at the bottom of
// the screen to go from one response to the other and to choose. Screenshots at phone size go
// to the test's output.
import type { Page, TestInfo } from "@playwright/test";
import { expectNoHorizontalScroll, wcagViolations } from "./accessibility";
import { expect, signIn, test } from "./fixtures";

const PHONE = { width: 390, height: 844 };

/** Saved in the test's output folder (test-results/phone-…/) and attached to the report. */
async function screenshot(page: Page, testInfo: TestInfo, name: string) {
  const path = testInfo.outputPath(`phone-${name}.png`);
  await page.screenshot({ path });
  await testInfo.attach(`phone-${name}`, { path, contentType: "image/png" });
}

test("an annotator judges a turn on a phone with the choice bar, and no page scrolls sideways", async ({
  browser,
  campaigns,
  users,
}, testInfo) => {
  test.setTimeout(180_000);
  const campaign = await campaigns.create({ maxTokens: 200 });
  const account = await users.createAccount({ role: "annotator" });
  const context = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
  const page = await context.newPage();

  await test.step("signs in; the sign-in page and home fit the screen", async () => {
    await page.goto("/sign-in");
    await expectNoHorizontalScroll(page, "/sign-in");
    await signIn(page, account.email, account.password);
    await expectNoHorizontalScroll(page, "home");
    await screenshot(page, testInfo, "home");
  });

  await test.step("opens the campaign and confirms the guidelines", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Annotate" }).tap();
    await expect(page).toHaveURL(/\/campaigns$/);
    await expectNoHorizontalScroll(page, "/campaigns");
    await page.getByRole("link", { name: `Annotate in ${campaign.name}` }).tap();
    await expect(page.getByRole("heading", { name: /Guidelines \(version 1\)/ })).toBeVisible();
    await expectNoHorizontalScroll(page, "the guidelines");
    await page.getByRole("button", { name: "I have read the guidelines" }).tap();
  });

  await test.step("sends a prompt; the responses arrive one after the other", async () => {
    await page.getByRole("textbox", { name: "Prompt", exact: true }).fill("Describe a sunset over the sea.");
    await page.getByRole("button", { name: "Send", exact: true }).tap();
    const cards = ["Response A", "Response B"].map((name) => page.getByRole("region", { name, exact: true }));
    for (const card of cards)
      await expect(card.getByTestId("response-status")).toHaveText(/^Complete/, { timeout: 60_000 });
    const [first, second] = await Promise.all(cards.map((card) => card.boundingBox()));
    expect(second!.y).toBeGreaterThanOrEqual(first!.y + first!.height); // below, not beside
    expect(first!.width).toBeLessThanOrEqual(PHONE.width);
    await expectNoHorizontalScroll(page, "the workspace with two responses");
    await screenshot(page, testInfo, "workspace-responses");
  });

  await test.step("the choice bar stays on screen, goes to a response, and chooses with a tap", async () => {
    const bar = page.getByRole("group", { name: "Choice bar" });
    await page.getByRole("region", { name: "Response A", exact: true }).scrollIntoViewIfNeeded();
    await expect(bar).toBeInViewport();
    const box = await bar.boundingBox();
    expect(box!.y + box!.height).toBeLessThanOrEqual(PHONE.height + 1); // stuck to the bottom
    await bar.getByRole("button", { name: "Go to Response B" }).tap();
    await expect(page.getByRole("region", { name: "Response B", exact: true })).toBeFocused();
    await expect(bar).toBeInViewport();
    await screenshot(page, testInfo, "choice-bar-on-response-b");

    await bar.getByRole("button", { name: "B is better" }).tap();
    await expect(bar.getByRole("button", { name: "B is better" })).toHaveAttribute("aria-pressed", "true");
    await expect(page.getByRole("radio", { name: "Response B", exact: true })).toBeChecked();
    await bar.getByRole("button", { name: "A is better" }).tap(); // a tap switches the choice
    await expect(page.getByRole("radio", { name: "Response A", exact: true })).toBeChecked();
    await expect(bar.getByRole("button", { name: "B is better" })).toHaveAttribute("aria-pressed", "false");
    expect(await wcagViolations(page, "the workspace at phone size")).toEqual([]);
  });

  await test.step("the bar's animation is off when the phone asks for reduced motion", async () => {
    const choose = page
      .getByRole("group", { name: "Choice bar" })
      .getByRole("button", { name: "A is better" });
    const duration = () =>
      choose.evaluate((element) => parseFloat(getComputedStyle(element).transitionDuration));
    expect(await duration()).toBeGreaterThan(0.05);
    await page.emulateMedia({ reducedMotion: "reduce" });
    expect(await duration()).toBeLessThan(0.001);
  });

  await test.step("sets the strength, submits, and the next pages fit too", async () => {
    await page.getByRole("radio", { name: "Better", exact: true }).tap();
    await page.getByRole("button", { name: "Submit", exact: true }).tap();
    await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
    await expectNoHorizontalScroll(page, "after submitting");
    await screenshot(page, testInfo, "saved");
    for (const path of ["/review/feedback", "/annotate/pair"]) {
      await page.goto(path);
      await page.waitForLoadState("networkidle");
      await expectNoHorizontalScroll(page, path);
    }
  });
  await context.close();
});
