// An admin sets up a campaign with two variants served by Arbiter's real inference engine (a
// tiny generated model on its own port), tests the connection and opens the first batch. An
// annotator works through the app's API; a second one re-rates the overlap items on the "rate
// this pair" page. The admin's dashboard shows the charts and agreement figures, the
// leaderboard ranks the variants, a reviewer rejects a comparison and its annotator reads why.
import type { Page } from "@playwright/test";
import { judgeTurn, mutate, query } from "./app-api";
import { expect, test } from "./fixtures";
import type { InferenceServer } from "./inference-server";

async function addVariant(page: Page, inference: InferenceServer, name: string, temperature: string) {
  await page.getByRole("button", { name: "Add a variant" }).click();
  const form = page.getByRole("region", { name: "Add a variant" });
  await form.getByLabel("Variant name").fill(name);
  await form.getByLabel("Responses come from").selectOption("openai");
  await form.getByLabel("Server URL").fill(inference.url);
  await form.getByLabel("Model").fill(inference.modelName);
  await form.getByLabel("Temperature").fill(temperature);
  await form.getByLabel("Max tokens").fill("12");
  await form.getByRole("button", { name: "Add variant" }).click();
  await expect(page.getByRole("listitem", { name: `Variant ${name}` })).toBeVisible();
}

test("an admin runs a campaign from setup to dashboard, leaderboard and review", async ({
  admin,
  users,
  inferenceServer: inference,
}) => {
  test.setTimeout(300_000);
  const page = admin.page;
  const campaignName = `Admin e2e ${Date.now()}`;
  let campaignId = "";

  await test.step("the admin creates a campaign with 100% overlap", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Campaigns" }).click();
    await page.getByRole("link", { name: "New campaign" }).click();
    await page.getByLabel("Name", { exact: true }).fill(campaignName);
    await page.getByLabel("Kind").selectOption("helpfulness");
    await page.getByLabel("Overlap (% of comparisons re-rated)").fill("100");
    await page.getByLabel("Gold (% of pair tasks)").fill("0");
    await page.getByLabel("Guidelines (Markdown, optional)").fill("# Pick the better answer\n\nRead both.");
    await page.getByRole("button", { name: "Create campaign" }).click();
    await expect(page.getByRole("heading", { name: campaignName })).toBeVisible();
    await expect(page.getByText("Draft", { exact: true })).toBeVisible();
    campaignId = page.url().split("/").at(-1)!;
  });

  await test.step("adds two variants of the engine's model and tests the connection", async () => {
    await addVariant(page, inference, "tiny @ 0.7", "0.7");
    await addVariant(page, inference, "tiny @ 1.0", "1.0");
    await page.getByRole("button", { name: "Test connection of tiny @ 0.7" }).click();
    const result = page.getByRole("region", { name: "Connection test of tiny @ 0.7" });
    await expect(result).toContainText("Connection works", { timeout: 30_000 });
    await expect(result).toContainText(`List models`);
    await expect(result).toContainText(`1 model: ${inference.modelName}`);
    await expect(result).toContainText(/Generate \([\d,]+ ms\): \d+ tokens/);
  });

  await test.step("opens the first batch, which starts collecting", async () => {
    await page.getByRole("button", { name: "Open the first batch" }).click();
    await expect(page.getByRole("row", { name: /1\. Batch 1 Open/ })).toBeVisible();
    await expect(page.getByText("Collecting", { exact: true })).toBeVisible();
  });

  const writer = await users.create({ role: "annotator", name: "Wren Writer" });
  const rater = await users.create({ role: "annotator", name: "Ray Rater" });
  const reviewer = await users.create({ role: "reviewer", name: "Rhea Reviewer" });

  await test.step("an annotator judges four turns of a dialogue (through the API)", async () => {
    await mutate(writer, "annotation.acknowledgeGuidelines", { campaignId, version: 1 });
    let conversationId: string | null = null;
    const plan = [
      { winner: 0, strength: "significantly_better" },
      { winner: 1, strength: "better" },
      { winner: 0, strength: "slightly_better" },
      { winner: 1, strength: "negligibly_better" },
    ] as const;
    for (const [index, turn] of plan.entries()) {
      const judged = await judgeTurn(writer, {
        campaignId,
        conversationId,
        message: `Question ${index + 1}: what is a good name for a cat?`,
        ...turn,
      });
      conversationId = judged.conversationId;
    }
  });

  await test.step("a second annotator re-rates every overlap pair on the 'rate this pair' page", async () => {
    const raterPage = rater.page;
    await raterPage
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Rate pairs" })
      .click();
    await raterPage.getByRole("button", { name: `Rate pairs in ${campaignName}` }).click();
    for (let i = 0; i < 4; i++) {
      await expect(raterPage.getByRole("heading", { name: "Rate this pair" })).toBeVisible();
      await expect(raterPage.getByRole("region", { name: "Response A" })).toBeVisible();
      await expect(raterPage.getByText(/Question \d: what is a good name for a cat\?/).last()).toBeVisible();
      const current = raterPage.url();
      await raterPage.getByLabel(i % 2 === 0 ? "Response A is better" : "Response B is better").check();
      await raterPage.getByLabel("Better", { exact: true }).check();
      await raterPage.getByRole("button", { name: "Submit" }).click();
      if (i < 3) await expect(raterPage).not.toHaveURL(current);
    }
    await expect(raterPage.getByText(`no more pairs are waiting for you in ${campaignName}`)).toBeVisible();
  });

  await test.step("the dashboard shows the counts, charts and agreement figures", async () => {
    const agreement = await query<{
      overall: { items: number; percentAgreement: number; alpha: number | null };
    }>(admin, "quality.agreement", { campaignId });
    expect(agreement.overall.items).toBe(4);
    await page.goto(`/admin/campaigns/${campaignId}`);
    await page.getByRole("navigation", { name: "Campaign" }).getByRole("link", { name: "Dashboard" }).click();
    await expect(page.getByRole("group", { name: "Comparisons" })).toContainText("4");
    await expect(page.getByRole("group", { name: "Second ratings" })).toContainText("4");
    const agreementFigure = page.getByRole("group", { name: "Agreement" });
    await expect(agreementFigure).toContainText(`${Math.round(agreement.overall.percentAgreement * 100)}%`);
    await expect(agreementFigure).toContainText("4 overlap items");
    await expect(page.getByRole("group", { name: "Krippendorff's α" })).toContainText(
      agreement.overall.alpha === null ? "—" : agreement.overall.alpha.toFixed(2),
    );
    for (const chart of [
      "Comparisons per day",
      "Comparisons per batch",
      "Strength distribution per batch",
      "Median time per comparison",
    ]) {
      const figure = page.getByRole("figure", { name: chart });
      await expect(figure.locator(".recharts-bar-rectangle").first()).toBeVisible();
    }
    const annotators = page.getByRole("table", { name: "Annotators" });
    // The writer took part in all four overlap items, so their agreement is the campaign's.
    await expect(annotators.getByRole("row", { name: new RegExp(writer.email) })).toContainText(
      `${Math.round(agreement.overall.percentAgreement * 100)}% (4)`,
    );
    await expect(annotators.getByRole("row", { name: new RegExp(rater.email) })).toBeVisible();
  });

  await test.step("the leaderboard ranks both variants from the four battles", async () => {
    await page
      .getByRole("navigation", { name: "Campaign" })
      .getByRole("link", { name: "Leaderboard" })
      .click();
    await expect(page.getByText(/from 4 battles/)).toBeVisible();
    const board = page.getByRole("table", { name: "Leaderboard" });
    for (const variant of ["tiny @ 0.7 (v1)", "tiny @ 1.0 (v1)"]) {
      await expect(
        board.getByRole("row", { name: new RegExp(variant.replace(/[.()@]/g, "\\$&")) }),
      ).toContainText(/\d+\.\d – \d+\.\d/);
    }
    await expect(page.getByRole("table", { name: "Win rates" })).toContainText("%");
    await expect(page.getByRole("figure", { name: "Scores with 95% intervals" })).toBeVisible();
  });

  const comment = "Wrong choice: the other response answers the question.";
  await test.step("a reviewer rejects a comparison with a comment", async () => {
    const reviewerPage = reviewer.page;
    await reviewerPage
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Review" })
      .click();
    await reviewerPage.getByLabel("Campaign").selectOption({ label: campaignName });
    await expect(reviewerPage.getByText("4 comparisons")).toBeVisible();
    await reviewerPage.getByRole("link", { name: /Question 1: what is a good name/ }).click();
    await expect(reviewerPage.getByRole("region", { name: "Response A" })).toBeVisible();
    await reviewerPage.getByLabel(/Comment/).fill(comment);
    await reviewerPage.getByRole("button", { name: "Reject", exact: true }).click();
    await expect(reviewerPage.getByText("Review saved.")).toBeVisible();
    await expect(reviewerPage.getByText("Rejected", { exact: true }).first()).toBeVisible();
  });

  await test.step("the annotator sees the feedback on their work", async () => {
    await writer.page
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Feedback" })
      .click();
    const item = writer.page.getByRole("listitem").filter({ hasText: "Question 1: what is a good name" });
    await expect(item).toContainText("Rejected");
    await expect(item).toContainText(comment);
  });

  await test.step("the audit log shows the setup and the review, filtered by action", async () => {
    await page.goto("/admin/audit");
    await page.getByLabel("Action").selectOption("comparison.rejected");
    await page.getByRole("button", { name: "Filter" }).click();
    await expect(page.getByRole("row", { name: /comparison\.rejected/ }).first()).toContainText(
      reviewer.email,
    );
    await page.getByLabel("Action").selectOption("");
    await page.getByLabel("Actor email contains").fill(admin.email);
    await page.getByRole("button", { name: "Filter" }).click();
    for (const action of [
      "campaign.created",
      "variant.created",
      "variant.connection_tested",
      "batch.opened",
    ]) {
      await expect(
        page.getByRole("row", { name: new RegExp(action.replace(".", "\\.")) }).first(),
      ).toBeVisible();
    }
  });
});

test("an admin edits guidelines with a preview, imports gold pairs, changes settings, pauses and duplicates", async ({
  admin,
  campaigns,
}) => {
  const page = admin.page;
  const campaign = await campaigns.create({ guidelines: "First rules." });
  const name = campaign.name;

  await test.step("guidelines: edit with a live preview and save a new version", async () => {
    await page.goto(`/admin/campaigns/${campaign.id}/guidelines`);
    await page.getByLabel("Guidelines (Markdown)").fill("# New rules\n\nBe **kind** to the responses.");
    await expect(
      page.getByRole("region", { name: "Preview" }).getByRole("heading", { name: "New rules" }),
    ).toBeVisible();
    await page.getByRole("button", { name: "Save as a new version" }).click();
    await expect(page.getByText("Saved as version 2.")).toBeVisible();
    await expect(page.getByRole("heading", { name: "Guidelines, version 2" })).toBeVisible();
    await page.getByText("Version 1", { exact: true }).click();
    await expect(page.getByText("First rules.")).toBeVisible();
  });

  await test.step("gold: a file with a bad line imports nothing; a good one imports every pair", async () => {
    await page.getByRole("navigation", { name: "Campaign" }).getByRole("link", { name: "Gold" }).click();
    const good = JSON.stringify({
      prompt: "What is 2 + 2?",
      chosen: "4",
      rejected: "5",
      strength: "significantly_better",
    });
    await page.getByLabel("Or paste the lines").fill(`${good}\n{"prompt": "missing the rest"}`);
    await page.getByRole("button", { name: "Import gold pairs" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "Nothing was imported" })).toContainText(
      "Nothing was imported: 1 line has problems. line 2:",
    );
    const second = JSON.stringify({
      prompt: [{ role: "user", content: "Name a colour." }],
      chosen: "Blue.",
      rejected: "Seven.",
    });
    await page.getByLabel("Or paste the lines").fill(`${good}\n${second}`);
    await page.getByRole("button", { name: "Import gold pairs" }).click();
    await expect(page.getByText("Imported 2 gold pairs.")).toBeVisible();
    const table = page.getByRole("table", { name: "Gold pairs" });
    await expect(table.getByRole("row", { name: /What is 2 \+ 2\?/ })).toContainText("Significantly better");
    await expect(table.getByRole("row", { name: /Name a colour\./ })).toContainText("Choice only");
  });

  await test.step("settings: edit, and choose members", async () => {
    await page.getByRole("navigation", { name: "Campaign" }).getByRole("link", { name: "Settings" }).click();
    await page.getByLabel("Turns per dialogue (at most)").fill("3");
    await page.getByLabel("Daily quota per annotator").fill("40");
    await page.getByRole("button", { name: "Save settings" }).click();
    await expect(page.getByText("Settings saved.")).toBeVisible();
    await page.getByLabel(/Only the people chosen below/).check();
    await page.getByLabel("Find people by email or name").fill(admin.email);
    await page.getByLabel(new RegExp(admin.email)).check();
    await page.getByRole("button", { name: "Save members" }).click();
    await expect(page.getByText("Members saved.")).toBeVisible();
    await expect(page.getByLabel(/Only the people chosen below \(1 chosen\)/)).toBeChecked();
  });

  await test.step("overview: pause and resume", async () => {
    await page.getByRole("navigation", { name: "Campaign" }).getByRole("link", { name: "Overview" }).click();
    await page.getByRole("button", { name: "Pause" }).click();
    await expect(page.getByText("Paused: annotators see it but cannot save new work.")).toBeVisible();
    await page.getByRole("button", { name: "Resume" }).click();
    await expect(page.getByText("Collecting: annotators can work in it.")).toBeVisible();
  });

  await test.step("duplicate: a new draft with the same variants", async () => {
    await page.getByRole("navigation", { name: "Campaign" }).getByRole("link", { name: "Settings" }).click();
    await page.getByLabel("Name of the copy").fill(`${name} (copy)`);
    await page.getByRole("button", { name: "Duplicate campaign" }).click();
    await expect(page.getByRole("heading", { name: `${name} (copy)` })).toBeVisible();
    await expect(page.getByText("Draft", { exact: true })).toBeVisible();
    await expect(page.getByRole("listitem", { name: "Variant local @ 0.7" })).toBeVisible();
    await expect(page.getByRole("button", { name: "Open the first batch" })).toBeVisible();
  });
});
