// The Integrity tab: an admin computes the report of a campaign with a few judged turns (one
// prompt asks the model who it is) and reads the annotators by risk, the plain and the
// style-controlled leaderboards side by side, the flagged turn, and one annotator's comparisons;
// sends that annotator to review, and sees the campaign leaderboard leave the flagged turn out.
import { judgeTurn, mutate } from "./app-api";
import { expect, test } from "./fixtures";

test("an admin reads the integrity report and the style-controlled leaderboard", async ({
  admin,
  campaigns,
}) => {
  test.setTimeout(240_000);
  const page = admin.page;
  const campaign = await campaigns.create({ maxTokens: 12 });

  await test.step("the admin judges a three-turn dialogue on the demo model", async () => {
    await mutate(admin, "annotation.acknowledgeGuidelines", { campaignId: campaign.id, version: 1 });
    let conversationId: string | null = null;
    for (const [index, message] of [
      "Who are you, and which model are you?",
      "Name two colours.",
      "Now one more.",
    ].entries()) {
      const judged = await judgeTurn(admin, {
        campaignId: campaign.id,
        conversationId,
        message,
        winner: (index % 2) as 0 | 1,
        strength: "better",
      });
      conversationId = judged.conversationId;
    }
  });

  await test.step("opens the Integrity tab and computes the report", async () => {
    await page.goto(`/admin/campaigns/${campaign.id}`);
    await page.getByRole("navigation", { name: "Campaign" }).getByRole("link", { name: "Integrity" }).click();
    await expect(page.getByText(/No report yet/)).toBeVisible();
    await page.getByRole("button", { name: "Compute integrity report" }).click();
    await expect(page.getByRole("table", { name: "Annotators by risk" })).toBeVisible({ timeout: 60_000 });
  });

  await test.step("reads the annotators, both leaderboards and the flagged prompt", async () => {
    const annotators = page.getByRole("table", { name: "Annotators by risk" });
    await expect(annotators.getByRole("row", { name: new RegExp(admin.email) })).toContainText("3");
    for (const name of ["Plain Bradley–Terry", "Style-controlled Bradley–Terry"]) {
      const board = page.getByRole("table", { name });
      await expect(board.getByRole("row")).toHaveCount(3);
      await expect(board).toContainText("local @ 0.7");
      await expect(board).toContainText("local @ 1");
    }
    await expect(page.getByText(/1 prompt asking the model who it is/)).toBeVisible();
    await page
      .getByRole("checkbox", { name: "Include identity-flagged turns and flagged annotators" })
      .check();
    await expect(page.getByRole("table", { name: "Plain Bradley–Terry" }).getByRole("row")).toHaveCount(3);
  });

  await test.step("drills down to the annotator's comparisons", async () => {
    await page.getByRole("button", { name: `Comparisons by ${admin.email}` }).click();
    const list = page.getByRole("table", { name: `Comparisons by ${admin.email}` });
    await expect(list.getByRole("row")).toHaveCount(4);
    await expect(list).toContainText("Who are you, and which model are you?");
  });

  await test.step("sends the annotator to review and finds their comparisons in the queue", async () => {
    await page.getByRole("button", { name: `Send ${admin.email} to review` }).click();
    await expect(page.getByText(`3 comparisons by ${admin.email} wait in the review queue.`)).toBeVisible();
    await page.getByRole("link", { name: "Open the review queue" }).click();
    await expect(page.getByText("One annotator's comparisons only.")).toBeVisible();
    const queue = page.getByRole("table", { name: "Comparisons to review" });
    await expect(queue.getByRole("row")).toHaveCount(4);
    await expect(queue).toContainText("Who are you, and which model are you?");
  });

  await test.step("the campaign leaderboard leaves the flagged turn out unless asked", async () => {
    await page.goto(`/admin/campaigns/${campaign.id}`);
    await page
      .getByRole("navigation", { name: "Campaign" })
      .getByRole("link", { name: "Leaderboard" })
      .click();
    await expect(
      page.getByText(/from 2 battles;.*1 battle of turns flagged for identity leaks left out\./),
    ).toBeVisible();
    await page.getByRole("checkbox", { name: "Include turns flagged for identity leaks" }).check();
    await expect(page.getByText(/from 3 battles;/)).toBeVisible();
  });
});
