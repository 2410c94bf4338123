// The first hour of a new team, as each newcomer meets it: the admin sets a campaign up in the
// order the checklist gives and sees its first comparison; an invited annotator lands signed in
// and submits a first safety judgement, each mistake explained beside its field; a reviewer
// works through the queue of one campaign among two with "& next"; an export whose comparisons
// are all excluded says why. Screenshots of the new screens go to the test's output folder.
import fs from "node:fs";
import type { Page, TestInfo } from "@playwright/test";
import { judgeTurn, mutate, query, type Caller } from "./app-api";
import { expect, test } from "./fixtures";
import type { InferenceServer } from "./inference-server";

async function screenshot(page: Page, testInfo: TestInfo, name: string) {
  await page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });
}

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

/** One judged turn by `annotator`; a new dialogue acknowledges the guidelines (`version`) first. */
async function judgeOne(
  annotator: Caller,
  campaignId: string,
  message: string,
  { conversationId, version = 1 }: { conversationId?: string; version?: number } = {},
) {
  if (!conversationId) {
    await mutate(annotator, "annotation.acknowledgeGuidelines", { campaignId, version });
  }
  return judgeTurn(annotator, {
    campaignId,
    conversationId: conversationId ?? null,
    message,
    winner: 0,
    strength: "better",
  });
}

test("an admin sets a campaign up in order, from the checklist to its first comparison", async ({
  admin,
  users,
  inferenceServer: inference,
}, testInfo) => {
  test.setTimeout(240_000);
  const page = admin.page;
  const name = `First hour ${Date.now()}`;
  let campaignId = "";

  await test.step("the admin's home leads to the places of their work", async () => {
    await page.goto("/");
    await expect(page.getByRole("main").getByRole("heading", { level: 2 })).toHaveText([
      "Campaigns",
      "Review",
      "Reported turns",
      "Exports",
      "Users",
      "Annotate",
    ]);
  });

  await test.step("the overlap is asked in percent and its error sits beside it until fixed", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Campaigns" }).click();
    await page.getByRole("link", { name: "New campaign" }).click();
    await page.getByLabel("Name", { exact: true }).fill(name);
    const overlap = page.getByLabel("Overlap (% of comparisons re-rated)");
    await overlap.fill("150");
    await page.getByRole("button", { name: "Create campaign" }).click();
    await expect(overlap).toHaveAttribute("aria-invalid", "true");
    await expect(overlap).toHaveAccessibleDescription(/The overlap must be between 0% and 100%\./);
    await expect(page.getByText(/between 0 and 1/)).toHaveCount(0);
    await screenshot(page, testInfo, "campaign-form-overlap-error");
    await overlap.fill("10");
    await expect(page.getByText("The overlap must be between 0% and 100%.")).toHaveCount(0);
    await page.getByRole("button", { name: "Create campaign" }).click();
    await expect(page.getByRole("heading", { name })).toBeVisible();
    campaignId = page.url().split("/").at(-1)!;
  });

  const checklist = page.getByRole("list", { name: "Setup checklist" });
  const openFirstBatch = page.getByRole("button", { name: "Open the first batch" });
  await test.step("the checklist shows what is left, and the first batch stays closed until then", async () => {
    await expect(checklist.getByRole("listitem")).toHaveText([
      /Add two model variants \(to do\)/,
      /Choose who works in it \(done\)/,
      /Write the guidelines \(to do\)/,
      /Open the first batch \(to do\)/,
    ]);
    await expect(openFirstBatch).toBeDisabled();
    await screenshot(page, testInfo, "setup-checklist");
  });

  await test.step("a new variant starts on the default model, and Test connection tries it before saving", async () => {
    await page.getByRole("button", { name: "Add a variant" }).click();
    const form = page.getByRole("region", { name: "Add a variant" });
    await expect(form.getByLabel("Responses come from")).toHaveValue("local");
    await expect(form.getByLabel("Variant name")).toHaveValue("demo-random-256x4-q8_0 @ 0.7");
    await expect(form.getByLabel("Model file (.gguf, optional)")).toHaveAccessibleDescription(
      /empty for the demo model/,
    );
    await form.getByLabel("Max tokens").fill("12");
    await form.getByRole("button", { name: "Test connection" }).click();
    const tried = form.getByRole("region", { name: "Connection test of the form's values" });
    await expect(tried).toContainText("Connection works", { timeout: 120_000 });
    await expect(page.getByRole("listitem", { name: /^Variant / })).toHaveCount(0);
    // A wrong model name is found before the variant exists.
    await form.getByLabel("Responses come from").selectOption("openai");
    await form.getByLabel("Server URL").fill(inference.url);
    await form.getByLabel("Model").fill("no-such-model");
    await form.getByRole("button", { name: "Test connection" }).click();
    await expect(tried).toContainText(`The server does not list the model "no-such-model"`);
    await screenshot(page, testInfo, "variant-form-test-connection");
    await form.getByRole("button", { name: "Cancel" }).click();
    await expect(page.getByRole("listitem", { name: /^Variant / })).toHaveCount(0);
  });

  await test.step("two variants complete the first step; the batch waits for the guidelines", async () => {
    await addVariant(page, inference, "tiny @ 0.7", "0.7");
    await addVariant(page, inference, "tiny @ 1.0", "1.0");
    await expect(checklist.getByRole("listitem").first()).toHaveText(/Add two model variants \(done\)/);
    await expect(openFirstBatch).toBeDisabled();
  });

  await test.step("guidelines from the checklist, then the first batch opens", async () => {
    await checklist.getByRole("link", { name: "Write the guidelines" }).click();
    await page.getByLabel("Guidelines (Markdown)").fill("# Pick the better answer\n\nRead both.");
    await page.getByRole("button", { name: "Save as a new version" }).click();
    await expect(page.getByRole("button", { name: "Save as a new version" })).toBeDisabled();
    await page.getByRole("navigation", { name: "Campaign" }).getByRole("link", { name: "Overview" }).click();
    await expect(checklist.getByRole("listitem").nth(2)).toHaveText(/Write the guidelines \(done\)/);
    await expect(openFirstBatch).toBeEnabled();
    await openFirstBatch.click();
    await expect(page.getByText("Collecting", { exact: true })).toBeVisible();
    await expect(checklist).toHaveCount(0);
  });

  const annotator = await users.create({ role: "annotator" });
  await test.step("an annotator's first comparison shows in the batch", async () => {
    // Version 2: the campaign started without guidelines (version 1) and got them from the checklist.
    await judgeOne(annotator, campaignId, "Say hello.", { version: 2 });
    await page.reload();
    await expect(page.getByRole("row", { name: /1\. Batch 1 Open/ })).toContainText(/1$/);
  });

  await test.step("a guidelines change stops the next prompt and shows the diff to the annotator who read the earlier version", async () => {
    await annotator.page.goto(`/annotate/${campaignId}`);
    await annotator.page.getByRole("button", { name: "Continue conversation" }).click();
    const prompt = annotator.page.getByRole("textbox", { name: "Prompt", exact: true });
    await prompt.fill("And goodbye?");
    await page
      .getByRole("navigation", { name: "Campaign" })
      .getByRole("link", { name: "Guidelines" })
      .click();
    await page
      .getByLabel("Guidelines (Markdown)")
      .fill("# Pick the better answer\n\nRead both twice.\n\nAsk when unsure.");
    await page.getByRole("button", { name: "Save as a new version" }).click();
    await expect(page.getByRole("button", { name: "Save as a new version" })).toBeDisabled();
    // The open workspace still shows version 2: the server refuses the prompt, the page shows what changed.
    await annotator.page.getByRole("button", { name: "Send", exact: true }).click();
    const change = annotator.page.getByRole("region", { name: "What changed since version 2" });
    await expect(change.getByRole("deletion")).toHaveText(["− Read both."]);
    await expect(change.getByRole("insertion")).toHaveText([
      /Read both twice\./,
      /^\+\s*$/,
      /Ask when unsure\./,
    ]);
    await screenshot(annotator.page, testInfo, "guidelines-diff");
    await annotator.page.getByRole("button", { name: "I have read the guidelines", exact: true }).click();
    await expect(prompt).toHaveValue("And goodbye?");
    await expect(annotator.page.getByText(/Read and confirm the guidelines/)).toHaveCount(0);
    await page.getByRole("navigation", { name: "Campaign" }).getByRole("link", { name: "Overview" }).click();
  });

  await test.step("the leaderboard says it is thin: one battle, a shared rank, both preliminary", async () => {
    await page
      .getByRole("navigation", { name: "Campaign" })
      .getByRole("link", { name: "Leaderboard" })
      .click();
    const rows = page.getByRole("table", { name: "Leaderboard" }).getByRole("row");
    await expect(rows).toHaveCount(3);
    for (const row of [rows.nth(1), rows.nth(2)]) {
      await expect(row.getByRole("cell").first()).toHaveText("1");
      await expect(row).toContainText("preliminary");
    }
    await expect(page.getByText(/fewer than 50 battles is preliminary/)).toBeVisible();
    await screenshot(page, testInfo, "leaderboard-preliminary");
    await page.getByRole("navigation", { name: "Campaign" }).getByRole("link", { name: "Overview" }).click();
  });

  await test.step("archiving asks first; an archived campaign offers no change; restore says paused", async () => {
    page.once("dialog", (dialog) => dialog.dismiss());
    await page.getByRole("button", { name: "Archive" }).click();
    await expect(page.getByText("Collecting: annotators can work in it.")).toBeVisible();
    let question = "";
    page.once("dialog", (dialog) => {
      question = dialog.message();
      return dialog.accept();
    });
    await page.getByRole("button", { name: "Archive" }).click();
    await expect(page.getByText(/Archived: read-only and hidden from annotators\./)).toBeVisible();
    expect(question).toContain(`Archive "${name}"?`);
    await expect(page.getByRole("button", { name: "Add a variant" })).toHaveCount(0);
    await expect(page.getByRole("button", { name: /^Edit / })).toHaveCount(0);
    await expect(page.getByRole("button", { name: /Close batch/ })).toHaveCount(0);
    await screenshot(page, testInfo, "archived-campaign");
    // The server refuses too, not only the page.
    const refused = await page.request.post("/api/trpc/batches.close", { data: { json: { campaignId } } });
    expect(refused.status()).toBe(400);
    await page.getByRole("button", { name: "Restore (comes back paused)" }).click();
    await expect(page.getByText("Restored: the campaign is paused.")).toBeVisible();
  });

  await test.step("the annotator sees the paused campaign without 'Start annotating'", async () => {
    await annotator.page.goto("/campaigns");
    const card = annotator.page.getByRole("listitem").filter({ hasText: name });
    await expect(card).toContainText("Paused by an admin: no new work for now.");
    await expect(card).toContainText("1 comparison today");
    await expect(card.getByRole("link", { name: `Annotate in ${name}` })).toHaveCount(0);
  });

  await test.step("every page has its icon", async () => {
    const icon = await page.request.get("/favicon.ico");
    expect(icon.status()).toBe(200);
    expect(icon.headers()["content-type"]).toMatch(/^image\//);
  });
});

test("an invited annotator lands signed in and submits a first safety judgement", async ({
  admin,
  campaigns,
  page: annotator,
}, testInfo) => {
  test.setTimeout(180_000);
  const campaign = await campaigns.create({ kind: "safety", maxTokens: 48 });
  // Open to chosen people only: the newcomer can work in it only if the invitation adds them.
  const adminAccount = await query<{ id: string }>(admin, "account.current", undefined);
  await mutate(admin, "campaigns.setMembers", {
    campaignId: campaign.id,
    membership: "selected",
    memberIds: [adminAccount.id],
  });
  const email = `newcomer-${Date.now()}@e2e.test`;

  await test.step("the admin invites them into the campaign", async () => {
    await admin.page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).click();
    const inviteForm = admin.page.getByRole("region", { name: "Invite someone" });
    await inviteForm.getByLabel("Email").fill(email);
    await inviteForm.getByLabel("Name (optional)").fill("Nia Newcomer");
    await inviteForm
      .getByRole("group", { name: /Add to campaigns/ })
      .getByRole("checkbox", { name: campaign.name, exact: true })
      .check();
    await inviteForm.getByRole("button", { name: "Invite" }).click();
    await expect(inviteForm.getByRole("status")).toContainText(`Send this one-time link to ${email}`);
  });
  const link = await admin.page.getByRole("textbox", { name: "Invitation link" }).inputValue();

  await test.step("setting the password signs them in, with their campaigns on their home", async () => {
    await annotator.goto(link);
    await annotator.getByLabel("New password").fill("newcomer password 1");
    await annotator.getByLabel("Confirm password").fill("newcomer password 1");
    await annotator.getByRole("button", { name: "Set password" }).click();
    // One open campaign: straight into it; several (other specs' campaigns are open to everyone
    // on this server): their home, which lists them with their progress.
    await expect(annotator.getByRole("banner")).toContainText(email);
    await expect(annotator).toHaveURL(/\/(annotate\/[\w-]+)?$/);
    if (!annotator.url().includes("/annotate/")) {
      await expect(annotator.getByRole("heading", { name: "Welcome, Nia Newcomer" })).toBeVisible();
      await screenshot(annotator, testInfo, "annotator-home");
      await annotator.getByRole("link", { name: `Annotate in ${campaign.name}` }).click();
    }
    await expect(annotator).toHaveURL(new RegExp(`/annotate/${campaign.id}$`));
    await annotator.getByRole("button", { name: "I have read the guidelines", exact: true }).click();
    // The demo model is named; how the operator sets a real one is for admins.
    await expect(annotator.getByText("demo model with random weights")).toBeVisible();
    await expect(annotator.getByText("MODEL_PATH")).toHaveCount(0);
  });

  await test.step("each missing answer is explained beside it and goes once answered", async () => {
    await annotator.getByRole("textbox", { name: "Prompt", exact: true }).fill("How do I pick a lock?");
    await annotator.getByRole("button", { name: "Send", exact: true }).click();
    for (const response of ["Response A", "Response B"]) {
      await expect(
        annotator.getByRole("region", { name: response, exact: true }).getByTestId("response-status"),
      ).toHaveText(/^Complete/, { timeout: 60_000 });
    }
    await annotator.getByRole("radio", { name: "Response A", exact: true }).check();
    await annotator.getByRole("radio", { name: "Better", exact: true }).check();
    for (const [response, label] of [
      ["Response A", "Safe"],
      ["Response B", "Unsafe"],
    ]) {
      await annotator
        .getByRole("radiogroup", { name: `${response} safety`, exact: true })
        .getByRole("radio", { name: label, exact: true })
        .check();
    }
    const submit = annotator.getByRole("button", { name: "Submit", exact: true });
    const riskCategory = annotator.getByLabel("Risk category");
    await submit.click();
    await expect(riskCategory).toHaveAccessibleDescription("Pick the prompt's risk category.");
    await screenshot(annotator, testInfo, "judgement-field-error");
    await riskCategory.selectOption("illicit and criminal activities");
    await expect(annotator.getByText("Pick the prompt's risk category.")).toHaveCount(0);
    await submit.click();
    const attackVector = annotator.getByLabel("Attack vector");
    await expect(attackVector).toHaveAccessibleDescription("Pick the prompt's attack vector.");
    await attackVector.selectOption("perspective manipulation");
    await expect(annotator.getByText("Pick the prompt's attack vector.")).toHaveCount(0);
    await submit.click();
    await expect(annotator.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  });
});

test("admins confirm role changes and cannot leave a collecting campaign without members", async ({
  admin,
  campaigns,
  users,
}, testInfo) => {
  const page = admin.page;
  const person = await users.createAccount({ role: "annotator" });

  await test.step("a role change asks first and says it is saved", async () => {
    await page.goto("/admin/users");
    await page.getByLabel("Search by email or name").fill(person.email);
    const role = page.getByLabel(`Role of ${person.email}`);
    page.once("dialog", (dialog) => dialog.dismiss());
    await role.selectOption("reviewer");
    await expect(role).toHaveValue("annotator");
    page.once("dialog", (dialog) => dialog.accept());
    await role.selectOption("reviewer");
    await expect(page.getByRole("status").filter({ hasText: "Saved:" })).toHaveText(
      `Saved: ${person.email} is now a reviewer.`,
    );
    await expect(role).toHaveValue("reviewer");
    await screenshot(page, testInfo, "role-change-saved");
  });

  await test.step("choosing nobody in a collecting campaign is refused with a reason", async () => {
    const campaign = await campaigns.create();
    await page.goto(`/admin/campaigns/${campaign.id}/settings`);
    await page.getByLabel(/Only the people chosen below/).check();
    await page.getByRole("button", { name: "Save members" }).click();
    await expect(
      page.getByRole("alert").filter({
        hasText: `Nobody could work in "${campaign.name}": choose at least one member, or let every active annotator work in it.`,
      }),
    ).toBeVisible();
    await expect(page.getByText("Members saved.")).toHaveCount(0);
  });
});

test("a reported turn reaches the admin's list with its responses, and the admin replies", async ({
  admin,
  campaigns,
  users,
}, testInfo) => {
  test.setTimeout(120_000);
  const campaign = await campaigns.create({ maxTokens: 24 });
  const annotator = await users.create({ role: "annotator" });
  const prompt = `Reported prompt ${Date.now()}`;

  await test.step("the annotator reports the turn from the workspace", async () => {
    await annotator.page.goto(`/annotate/${campaign.id}`);
    await annotator.page.getByRole("button", { name: "I have read the guidelines", exact: true }).click();
    await annotator.page.getByRole("textbox", { name: "Prompt", exact: true }).fill(prompt);
    await annotator.page.getByRole("button", { name: "Send", exact: true }).click();
    for (const response of ["Response A", "Response B"]) {
      await expect(
        annotator.page.getByRole("region", { name: response, exact: true }).getByTestId("response-status"),
      ).toHaveText(/^Complete/, { timeout: 60_000 });
    }
    await annotator.page.getByRole("button", { name: "Report a problem" }).click();
    const form = annotator.page.getByRole("form", { name: "Report a problem" });
    await form.getByLabel("A response is broken or garbled").check();
    await form.getByRole("button", { name: "Send report" }).click();
    await expect(annotator.page.getByText(/the problem is reported/)).toBeVisible();
  });

  await test.step("the admin finds it under Reports with the turn and what to do", async () => {
    const page = admin.page;
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Reports" }).click();
    const report = page.getByRole("listitem", { name: `Report by ${annotator.email} in ${campaign.name}` });
    await expect(report).toContainText("Broken response");
    await expect(report).toContainText(prompt);
    await expect(report.getByRole("region", { name: "Response A of the report" })).toContainText("completed");
    await expect(report.getByRole("button", { name: /^Test local @ 0\.7 again$/ })).toBeVisible();
    await expect(report.getByRole("link", { name: "Fix or deactivate a variant" })).toBeVisible();
    await screenshot(page, testInfo, "reported-turns");
    await report.getByLabel("Reply to the annotator (optional)").fill("Thanks, we are looking at the model.");
    await report.getByRole("button", { name: "Reply and resolve" }).click();
    await expect(report).toHaveCount(0);
    await page.getByLabel("Show").selectOption("resolved");
    await expect(
      page.getByRole("listitem", { name: `Report by ${annotator.email} in ${campaign.name}` }),
    ).toContainText("Thanks, we are looking at the model.");
  });

  await test.step("the annotator sees a badge, and the reply on their Feedback page", async () => {
    const page = annotator.page;
    await page.goto("/campaigns");
    const feedbackLink = page
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: /^Feedback/ });
    await expect(feedbackLink).toHaveAccessibleName("Feedback 1 new");
    await feedbackLink.click();
    const reports = page.getByRole("list", { name: "Your problem reports" });
    const reported = reports.getByRole("listitem").filter({ hasText: prompt });
    await expect(reported).toContainText("Resolved");
    await expect(reported).toContainText("New");
    await expect(reported).toContainText("An admin replied: Thanks, we are looking at the model.");
    await screenshot(page, testInfo, "feedback-reply");
    // Opened once, the feedback is read: the badge goes.
    await expect(feedbackLink).toHaveAccessibleName("Feedback");
  });
});

test("a reviewer works through one campaign's queue with Accept & next and keeps the filter", async ({
  campaigns,
  users,
}, testInfo) => {
  test.setTimeout(180_000);
  const first = await campaigns.create({ maxTokens: 12 });
  const second = await campaigns.create({ maxTokens: 12 });
  const annotator = await users.create({ role: "annotator" });
  const opening = await judgeOne(annotator, first.id, `Queue one ${Date.now()}`);
  await judgeOne(annotator, first.id, "And a follow-up.", { conversationId: opening.conversationId });
  await judgeOne(annotator, second.id, `Queue two ${Date.now()}`);
  const reviewer = await users.create({ role: "reviewer" });
  const page = reviewer.page;

  await test.step("the queue offers every campaign and one at a time, in the URL", async () => {
    await page.goto("/");
    await expect(page.getByRole("main").getByRole("heading", { level: 2 })).toHaveText([
      "Review",
      "Annotate",
    ]);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Review" }).click();
    const campaign = page.getByLabel("Campaign");
    await expect(campaign).toHaveValue("");
    await expect(campaign.getByRole("option", { name: "All campaigns" })).toHaveCount(1);
    await campaign.selectOption({ label: first.name });
    await expect(page).toHaveURL(new RegExp(`/review\\?campaign=${first.id}$`));
    await expect(page.getByText("2 comparisons", { exact: true })).toBeVisible();
    await screenshot(page, testInfo, "review-queue");
  });

  await test.step("Accept & next opens the next of the same campaign; names of variants stay hidden", async () => {
    await page.getByRole("row").nth(1).getByRole("link").click();
    await expect(page.getByRole("region", { name: "Response A" })).toBeVisible();
    await expect(page.getByText(/local @/)).toHaveCount(0);
    const firstUrl = page.url();
    await page.getByRole("button", { name: "Accept & next" }).click();
    await expect(page).not.toHaveURL(firstUrl);
    await expect(page).toHaveURL(/\/review\/[\w-]+\?from=/);
    await screenshot(page, testInfo, "review-accept-and-next");
    await page.getByRole("button", { name: "Reject & next" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "Say why you reject it" })).toBeVisible();
    await page.getByLabel(/Comment/).fill("The other response answers the question.");
    await page.getByRole("button", { name: "Reject & next" }).click();
    // The campaign has nothing left: back to its queue, still filtered on it.
    await expect(page).toHaveURL(new RegExp(`/review\\?campaign=${first.id}$`));
    await expect(page.getByLabel("Campaign")).toHaveValue(first.id);
    await expect(page.getByText("Nothing left to review here.")).toBeVisible();
  });

  await test.step("the browser's Back returns to the same filtered queue; A accepts from the keyboard", async () => {
    await page.getByLabel("Campaign").selectOption({ label: second.name });
    await page.getByRole("row").nth(1).getByRole("link").click();
    await expect(page.getByRole("region", { name: "Response A" })).toBeVisible();
    await page.goBack();
    await expect(page).toHaveURL(new RegExp(`/review\\?campaign=${second.id}$`));
    await expect(page.getByLabel("Campaign")).toHaveValue(second.id);
    await page.getByRole("row").nth(1).getByRole("link").click();
    await expect(page.getByRole("region", { name: "Response A" })).toBeVisible();
    await page.keyboard.press("a");
    await expect(page).toHaveURL(new RegExp(`/review\\?campaign=${second.id}$`));
    await expect(page.getByText("Nothing left to review here.")).toBeVisible();
  });
});

test("an export whose comparisons are all rejected says why nothing matches", async ({
  admin,
  campaigns,
  users,
}, testInfo) => {
  test.setTimeout(120_000);
  const campaign = await campaigns.create({ maxTokens: 12 });
  const annotator = await users.create({ role: "annotator" });
  const reviewer = await users.create({ role: "reviewer" });
  const judged = await judgeOne(annotator, campaign.id, `Excluded ${Date.now()}`);
  await mutate(reviewer, "review.decide", {
    comparisonId: judged.comparisonId,
    decision: "rejected",
    comment: "Off topic.",
  });

  const page = admin.page;
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Exports" }).click();
  const form = page.getByRole("region", { name: "New export" });
  await form.getByRole("checkbox", { name: new RegExp(campaign.name) }).check();
  await form.getByLabel("Format", { exact: true }).selectOption("trl");
  await form.getByRole("button", { name: "Preview" }).click();
  const preview = page.getByRole("region", { name: "Preview" });
  await expect(preview).toContainText("0 comparisons match");
  await expect(preview).toContainText("Rejected by a reviewer: 1 comparison");
  await expect(preview).toContainText("Change the filters above to include them.");
  await screenshot(page, testInfo, "export-preview-explains");

  await test.step("with rejected ones included, the export downloads, and again from the past exports", async () => {
    await form.getByLabel("Exclude ratings rejected in review").uncheck();
    await form.getByRole("button", { name: "Preview" }).click();
    await expect(preview).toContainText("1 comparison matches");
    // The row reads as a record whose nested parts fold shut and open again.
    const record = preview.getByRole("group", { name: /^Preview row 1 / });
    const firstPart = record.locator("details details").first();
    await expect(firstPart).toHaveAttribute("open", "");
    await firstPart.locator(":scope > summary").click();
    await expect(firstPart).not.toHaveAttribute("open");
    await firstPart.locator(":scope > summary").click();
    await expect(firstPart).toHaveAttribute("open", "");
    await screenshot(page, testInfo, "export-preview-record");
    const first = page.waitForEvent("download");
    await form.getByRole("button", { name: "Export and download" }).click();
    const firstFile = await (await first).path();
    const pastExport = page
      .getByRole("region", { name: "Past exports" })
      .getByRole("row")
      .filter({ hasText: campaign.name });
    await expect(pastExport).toContainText("Completed");
    const again = page.waitForEvent("download");
    await pastExport.getByRole("button", { name: "Download again" }).click();
    const againFile = await (await again).path();
    expect(fs.readFileSync(againFile)).toEqual(fs.readFileSync(firstFile));
  });
});
