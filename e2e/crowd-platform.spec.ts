// A Prolific study end to end: the admin creates a study link with a comprehension question,
// a participant opens it with Prolific's parameters (no account, no password), fails the check
// once, passes it, does the comparison the link asks for and is sent to Prolific's completion URL
// (answered here by the test, never by the internet); the admin downloads the payment CSV. And
// MTurk's preview, which only describes the task.
import fs from "node:fs";
import { mutate, query } from "./app-api";
import { expect, sendPromptUntilComplete, test } from "./fixtures";

test("a Prolific participant goes from the study link to the completion redirect", async ({
  admin,
  campaigns,
  browser,
}) => {
  test.setTimeout(240_000);
  const campaign = await campaigns.create();
  await admin.page.goto(`/admin/campaigns/${campaign.id}/crowd`);
  await admin.page.getByLabel("Study name").fill("Compare two answers");
  await admin.page.getByLabel("Task description").fill("Write a prompt and pick the better answer.");
  await admin.page.getByLabel("Comparisons per participant").fill("1");
  await admin.page.getByLabel("Completion code").fill("C0DE42");
  await admin.page
    .getByLabel("Comprehension questions")
    .fill("What do you pick?\n- The longer answer\n* The better answer");
  await admin.page.getByRole("button", { name: "Create link" }).click();
  const linkCode = admin.page.getByLabel("Study link", { exact: true });
  await expect(linkCode).toBeVisible();
  const studyLink = await linkCode.textContent();
  expect(studyLink).toContain("PROLIFIC_PID={{%PROLIFIC_PID%}}");

  const participantContext = await browser.newContext();
  // Prolific's completion page, answered locally.
  await participantContext.route("https://app.prolific.com/**", (route) =>
    route.fulfill({ contentType: "text/html", body: "<h1>Prolific: submission complete</h1>" }),
  );
  const participant = await participantContext.newPage();
  const pid = "5f0000000000000000e2e001";
  await participant.goto(
    studyLink!
      .replace("{{%PROLIFIC_PID%}}", pid)
      .replace("{{%STUDY_ID%}}", "60aa000000000000000000aa")
      .replace("{{%SESSION_ID%}}", "sess-e2e-1"),
  );
  await expect(participant.getByRole("heading", { name: "Compare two answers" })).toBeVisible();
  await expect(participant.getByText("Write a prompt and pick the better answer.")).toBeVisible();
  await participant.getByRole("button", { name: "Start the study" }).click();

  const check = participant.getByRole("region", { name: "Comprehension check" });
  await check.getByRole("radio", { name: "The longer answer" }).check();
  await check.getByRole("button", { name: "Check my answers" }).click();
  await expect(check.getByText(/Some answers are not right.*1 attempt left/)).toBeVisible();
  await check.getByRole("radio", { name: "The better answer" }).check();
  await check.getByRole("button", { name: "Check my answers" }).click();
  await participant.getByRole("link", { name: "Go to the task" }).click();

  await expect(participant.getByRole("status", { name: "Study progress" })).toContainText("0 of 1");
  await participant.goto("/campaigns");
  await sendPromptUntilComplete(participant, campaign.name, "Name a fruit that is yellow.");
  // Submitted by hand: the study page may take over before "Saved." is seen.
  await participant.getByRole("radio", { name: "Response A", exact: true }).check();
  await participant.getByRole("radio", { name: "Better", exact: true }).check();
  await participant.getByRole("button", { name: "Submit", exact: true }).click();
  // The study's comparison is done: the completion code, then Prolific.
  await expect(participant.getByText("C0DE42")).toBeVisible({ timeout: 30_000 });
  await participant.waitForURL("https://app.prolific.com/submissions/complete?cc=C0DE42");
  await expect(participant.getByRole("heading", { name: "Prolific: submission complete" })).toBeVisible();
  await participantContext.close();

  await admin.page.reload();
  await expect(admin.page.getByRole("region", { name: "Participants" })).toContainText("1 participants");
  const [download] = await Promise.all([
    admin.page.waitForEvent("download"),
    admin.page.getByRole("button", { name: "Download CSV" }).click(),
  ]);
  const csv = fs.readFileSync((await download.path())!, "utf8");
  const [header, row] = csv.split("\r\n");
  const cells = Object.fromEntries(
    header.split(",").map((name, index) => [name, row.split(",")[index].replace(/^"|"$/g, "")]),
  );
  expect(cells).toMatchObject({
    platform: "prolific",
    participantId: pid,
    studyId: "60aa000000000000000000aa",
    sessionId: "sess-e2e-1",
    comparisons: "1",
    comprehensionAttempts: "2",
  });
});

test("MTurk's preview of a study link describes the task and starts nothing", async ({
  admin,
  campaigns,
  browser,
}) => {
  const { id: campaignId } = await campaigns.create();
  const link = await mutate<{ path: string }>(admin, "crowd.createLink", {
    campaignId,
    platform: "mturk",
    name: "Rate two answers",
    description: "Pick the better of two answers.",
    requiredComparisons: 3,
    completionCode: "MTURK1",
  });
  const visitor = await browser.newContext();
  const page = await visitor.newPage();
  await page.goto(
    `${link.path}?assignmentId=ASSIGNMENT_ID_NOT_AVAILABLE&hitId=3HIT&turkSubmitTo=https%3A%2F%2Fworkersandbox.mturk.com`,
  );
  await expect(page.getByText("Pick the better of two answers.")).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: "This is a preview" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Start the study" })).toHaveCount(0);
  await visitor.close();
  const { participants } = await query<{ participants: unknown[] }>(admin, "crowd.participants", {
    campaignId,
  });
  expect(participants).toEqual([]);
});
