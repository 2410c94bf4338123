// WCAG 2.2 AA for everyone who uses Arbiter: axe-core finds no violation on any page that an
// anonymous visitor, an annotator, a reviewer or an admin opens, and an annotator does a whole
// safety judgement with the keyboard alone, focus visible at every stop, hearing each response
// once it is complete rather than every token, and landing on the next step after submitting.
import type { Page } from "@playwright/test";
import { judgeTurn, mutate } from "./app-api";
import { tabTo, wcagViolations } from "./accessibility";
import { expect, test } from "./fixtures";

/** Opens `path` and waits for what the page loads after it appears. */
async function openSettled(page: Page, path: string) {
  await page.goto(path);
  await page.waitForLoadState("networkidle");
}

test("no page has a WCAG 2.2 AA violation, for any role", async ({ admin, campaigns, users, browser }) => {
  test.setTimeout(300_000);
  const campaign = await campaigns.create({ maxTokens: 12 });
  const annotator = await users.create({ role: "annotator" });
  await mutate(annotator, "annotation.acknowledgeGuidelines", { campaignId: campaign.id, version: 1 });
  const judged = await judgeTurn(annotator, {
    campaignId: campaign.id,
    conversationId: null,
    message: "Name three colours.",
    winner: 1,
    strength: "slightly_better",
  });
  const reviewer = await users.create({ role: "reviewer" });
  const violations: string[] = [];
  async function check(page: Page, path: string, who: string) {
    await test.step(`${who} opens ${path}`, async () => {
      await openSettled(page, path);
      violations.push(...(await wcagViolations(page, `${who} ${path}`)));
    });
  }

  const anonymous = await browser.newContext();
  const invitation = await mutate<{ token: string }>(admin, "users.invite", {
    email: `a11y-${Date.now()}@e2e.test`,
    name: "Invited",
    role: "annotator",
  });
  for (const path of ["/sign-in", `/invite/${invitation.token}`, "/no-such-page"])
    await check(await anonymous.newPage(), path, "anonymous");
  await anonymous.close();

  const annotatorPages = ["/", "/campaigns", "/annotate/pair", "/review/feedback", "/account/work"];
  for (const path of annotatorPages) await check(annotator.page, path, "annotator");
  await test.step("annotator: the guidelines, then the workspace with a judged turn", async () => {
    const fresh = await users.create({ role: "annotator" });
    await check(fresh.page, `/annotate/${campaign.id}`, "new annotator");
    await check(annotator.page, `/annotate/${campaign.id}`, "annotator");
  });

  for (const path of [
    ...annotatorPages,
    "/review",
    `/review?campaign=${campaign.id}`,
    `/review/${judged.comparisonId}`,
  ])
    await check(reviewer.page, path, "reviewer");

  const campaignPage = `/admin/campaigns/${campaign.id}`;
  for (const path of [
    "/",
    "/admin/campaigns",
    "/admin/campaigns/new",
    campaignPage,
    `${campaignPage}/dashboard`,
    `${campaignPage}/leaderboard`,
    `${campaignPage}/integrity`,
    `${campaignPage}/assist`,
    `${campaignPage}/gold`,
    `${campaignPage}/prompt-sets`,
    `${campaignPage}/guidelines`,
    `${campaignPage}/settings`,
    "/admin/users",
    "/admin/audit",
    "/admin/exports",
    "/admin/reports",
    `/review/${judged.comparisonId}`,
  ])
    await check(admin.page, path, "admin");

  expect(violations).toEqual([]);
});

test("an annotator judges a safety turn with the keyboard alone, and hears each response once", async ({
  campaigns,
  users,
}) => {
  test.setTimeout(180_000);
  const campaign = await campaigns.create({ kind: "safety", maxTokens: 64 });
  const { page } = await users.create({ role: "annotator" });

  await test.step("opens the campaign and confirms the guidelines from the keyboard", async () => {
    await page.goto("/campaigns");
    await tabTo(page, page.getByRole("link", { name: `Annotate in ${campaign.name}` }));
    await page.keyboard.press("Enter");
    await tabTo(page, page.getByRole("button", { name: "I have read the guidelines" }));
    await page.keyboard.press("Enter");
  });

  await test.step("writes a prompt and sends it; focus follows to the new turn", async () => {
    const prompt = page.getByRole("textbox", { name: "Prompt", exact: true });
    await tabTo(page, prompt);
    await page.keyboard.type("How do I pick a lock?");
    await tabTo(page, page.getByRole("button", { name: "Send", exact: true }));
    // Count what live regions say from here on: a screen reader reads every change aloud.
    await page.evaluate(() => {
      const target = window as unknown as { __liveChanges: string[] };
      target.__liveChanges = [];
      new MutationObserver((mutations) => {
        for (const mutation of mutations) {
          const node = mutation.target instanceof Element ? mutation.target : mutation.target.parentElement;
          const region = node?.closest('[aria-live], [role="status"], [role="alert"], [role="log"]');
          if (region && region.textContent?.trim()) target.__liveChanges.push(region.textContent.trim());
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.keyboard.press("Enter");
    await expect(page.getByTestId("current-prompt")).toHaveText("How do I pick a lock?");
    await expect(page.getByTestId("current-prompt").locator("xpath=..")).toBeFocused();
  });

  await test.step("hears 'Response A complete' and 'Response B complete', not the tokens", async () => {
    const announcer = page.getByRole("status", { name: "Responses", exact: true });
    await expect(announcer).toContainText("Response A complete.", { timeout: 60_000 });
    await expect(announcer).toContainText("Response B complete.", { timeout: 60_000 });
    await expect(announcer).toContainText("You can judge them now.");
    const changes = await page.evaluate(
      () => (window as unknown as { __liveChanges: string[] }).__liveChanges,
    );
    const texts = await page.getByTestId("response-text").allTextContents();
    // The tokens streamed (the random-weight demo model writes dozens) but no region repeated them.
    expect(changes.length).toBeLessThanOrEqual(8);
    for (const text of texts.filter((item) => item.trim().length > 3))
      for (const change of changes) expect(change).not.toContain(text.trim().slice(0, 20));
  });

  await test.step("chooses, sets the strength and both safety marks in labelled groups", async () => {
    const choice = page.getByRole("radiogroup", { name: "Better response" });
    await expect(page.getByRole("group", { name: "Which response is better?" })).toBeVisible();
    await tabTo(page, choice.getByRole("radio", { name: "Response A", exact: true }));
    await page.keyboard.press("Space");
    await page.keyboard.press("ArrowRight"); // arrows move within a radio group and choose
    await expect(choice.getByRole("radio", { name: "Response B", exact: true })).toBeChecked();

    const strength = page.getByRole("radiogroup", { name: "Strength" });
    await expect(page.getByRole("group", { name: "How much better is it?" })).toBeVisible();
    await page.keyboard.press("Tab");
    await expect(strength.getByRole("radio", { name: "Significantly better" })).toBeFocused();
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowDown");
    await expect(strength.getByRole("radio", { name: "Slightly better", exact: true })).toBeChecked();

    for (const [response, mark] of [
      ["Response A", "Safe"],
      ["Response B", "Unsafe"],
    ] as const) {
      const group = page.getByRole("radiogroup", { name: `${response} safety`, exact: true });
      await tabTo(page, group.getByRole("radio", { name: "Safe", exact: true }));
      await page.keyboard.press(mark === "Safe" ? "Space" : "ArrowRight");
      await expect(group.getByRole("radio", { name: mark, exact: true })).toBeChecked();
    }
    for (const label of ["Risk category", "Attack vector"]) {
      await tabTo(page, page.getByLabel(label));
      await page.keyboard.press("ArrowDown");
      await expect(page.getByLabel(label)).not.toHaveValue("");
    }
  });

  await test.step("submits with Enter and lands on the next step", async () => {
    await tabTo(page, page.getByRole("button", { name: "Submit", exact: true }));
    await page.keyboard.press("Enter");
    await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
    await expect(page.getByRole("button", { name: "Continue conversation" })).toBeFocused();
    expect(await wcagViolations(page, "after submitting")).toEqual([]);
  });
});
