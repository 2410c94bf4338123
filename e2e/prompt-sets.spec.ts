// A prompt set from the admin's tab to an annotator's dialogue: the admin imports a JSONL file
// that replaces own prompts, the annotator is offered its prompt (and no prompt box), sends it,
// and the tab counts the prompt as in progress.
import { expect, test } from "./fixtures";

test("an imported prompt set is offered to an annotator, sent as it is, and counted", async ({
  admin,
  users,
  campaigns,
}) => {
  test.setTimeout(90_000);
  const campaign = await campaigns.create();
  const prompt = "List three facts about octopuses.";
  await admin.page.goto(`/admin/campaigns/${campaign.id}/prompt-sets`);
  await admin.page.getByLabel("Name", { exact: true }).fill("octopus set");
  await admin.page.getByLabel("File", { exact: true }).setInputFiles({
    name: "prompts.jsonl",
    mimeType: "application/jsonl",
    buffer: Buffer.from(`${JSON.stringify({ prompt, category: "animals" })}\n`),
  });
  await admin.page.getByLabel("Annotators start dialogues only from this set").check();
  await admin.page.getByRole("button", { name: "Import prompt set" }).click();
  await expect(admin.page.getByText('Imported "octopus set": 1 prompt.')).toBeVisible();
  const row = admin.page.getByRole("row", { name: /octopus set/ });
  await expect(row).toContainText("0 of 1 (0%)");

  const annotator = (await users.create({ role: "annotator" })).page;
  await annotator.goto(`/annotate/${campaign.id}`);
  await annotator.getByRole("button", { name: "I have read the guidelines", exact: true }).click();
  const offer = annotator.getByRole("region", { name: "Prompt from the set “octopus set”" });
  await expect(offer).toContainText(prompt);
  // The set replaces own prompts: there is nothing else to send.
  await expect(annotator.getByRole("textbox", { name: "Prompt", exact: true })).toHaveCount(0);
  await offer.getByRole("button", { name: "Send this prompt" }).click();
  await expect(annotator.getByTestId("current-prompt")).toHaveText(prompt);

  await admin.page.reload();
  await expect(row.getByRole("cell").nth(4)).toHaveText("1");
});
