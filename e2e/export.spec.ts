// An admin annotates a short dialogue on the real engine (through the app's API), then exports
// it from the Exports page: previews the rows, downloads TRL JSON lines with large margins while
// a progress bar shows, checks the file against the dialogue and its recorded sha256, and
// downloads the same data as a Hugging Face dataset folder (a tar archive).
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { judgeTurn, mutate, storedConversations, type Caller } from "./app-api";
import { test as base, expect } from "./fixtures";

const test = base.extend<{ downloadFolder: string }>({
  downloadFolder: async ({}, use) => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), "arbiter-e2e-export-"));
    await use(folder);
    fs.rmSync(folder, { recursive: true, force: true });
  },
});

/** Sends a prompt the way the workspace does and prefers the second response (by display
 * position), once both responses are complete; answers with the texts chosen and rejected. */
async function annotateTurn(
  annotator: Caller,
  campaignId: string,
  conversationId: string | null,
  message: string,
  strength: string,
) {
  const judged = await judgeTurn(annotator, { campaignId, conversationId, message, winner: 1, strength });
  const [conversation] = await storedConversations(annotator, {
    campaignId,
    conversationId: judged.conversationId,
  });
  const stored = conversation.turns.find((candidate) => candidate.id === judged.turnId)!;
  expect(stored.responses.map((item) => item.status)).toEqual(["completed", "completed"]);
  const [first, second] = judged.responseIds;
  const text = (id: string) => stored.responses.find((item) => item.id === id)!.text;
  return { conversationId: judged.conversationId, chosen: text(second), rejected: text(first) };
}

function sha256(file: string) {
  return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

test("an admin previews and downloads a TRL dataset with margins, and a Hugging Face folder", async ({
  admin,
  campaigns,
  downloadFolder: folder,
}) => {
  test.setTimeout(180_000);
  const page = admin.page;
  const campaign = await campaigns.create({
    guidelines: "# Guidelines\n\nPick the better response.",
    maxTokens: 12,
  });
  const campaignName = campaign.name;

  const first = "Name three primary colours.";
  const second = "Now name three secondary colours.";
  const turns = await test.step("the admin annotates a two-turn dialogue on the demo model", async () => {
    await mutate(admin, "annotation.acknowledgeGuidelines", { campaignId: campaign.id, version: 1 });
    const one = await annotateTurn(admin, campaign.id, null, first, "better");
    const two = await annotateTurn(admin, campaign.id, one.conversationId, second, "significantly_better");
    return [one, two];
  });

  await test.step("opens Exports, picks the campaign and previews the rows", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Exports" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Exports" })).toBeVisible();
    const form = page.getByRole("region", { name: "New export" });
    await form.getByRole("checkbox", { name: new RegExp(campaignName) }).check();
    await form.getByLabel("Format", { exact: true }).selectOption("trl");
    await form.getByLabel("Margin scheme", { exact: true }).selectOption("large");
    await form.getByRole("button", { name: "Preview" }).click();
    const preview = page.getByRole("region", { name: "Preview" });
    await expect(preview).toContainText("2 comparisons match");
    await expect(preview.getByLabel("Preview row 1 (train)")).toContainText(first);
    await expect(preview.getByLabel("Preview row 2 (train)")).toContainText(`"margin": 3`);
  });

  await test.step("downloads JSON lines while a progress bar shows, and the file holds the dialogue", async () => {
    // Hold the response a moment, so the progress bar is on screen while the export starts.
    await page.route("**/api/exports/download", async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.continue();
    });
    const downloadEvent = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export and download" }).click();
    await expect(page.getByRole("progressbar", { name: "Export progress" })).toBeVisible();
    const download = await downloadEvent;
    const file = path.join(folder, download.suggestedFilename());
    await download.saveAs(file);
    expect(download.suggestedFilename()).toMatch(/-trl\.jsonl$/);

    const rows = fs
      .readFileSync(file, "utf8")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(rows).toEqual([
      {
        prompt: [{ role: "user", content: first }],
        chosen: [{ role: "assistant", content: turns[0].chosen }],
        rejected: [{ role: "assistant", content: turns[0].rejected }],
        margin: 2,
      },
      {
        prompt: [
          { role: "user", content: first },
          { role: "assistant", content: turns[0].chosen },
          { role: "user", content: second },
        ],
        chosen: [{ role: "assistant", content: turns[1].chosen }],
        rejected: [{ role: "assistant", content: turns[1].rejected }],
        margin: 3,
      },
    ]);
    const downloadSection = page.getByRole("region", { name: "Download" });
    await expect(downloadSection).toContainText(`Downloaded ${download.suggestedFilename()}`);
    await expect(downloadSection).toContainText(`sha256 ${sha256(file)}`);
    await page.unroute("**/api/exports/download");
  });

  await test.step("the export is listed with who, the options, the rows and the sha256", async () => {
    const row = page
      .getByRole("region", { name: "Past exports" })
      .getByRole("row")
      .filter({ hasText: campaignName })
      .first();
    await expect(row).toContainText(admin.email);
    await expect(row).toContainText("trl · jsonl");
    await expect(row).toContainText("large margins");
    await expect(row).toContainText("2 train");
    await expect(row).toContainText("Completed");
  });

  await test.step("downloads a Hugging Face dataset folder with a test split as a tar archive", async () => {
    const form = page.getByRole("region", { name: "New export" });
    await form.getByLabel("File type", { exact: true }).selectOption("hf-dataset");
    await form.getByLabel("Test split", { exact: true }).selectOption("fraction");
    await form.getByLabel("Test fraction", { exact: true }).fill("0.5");
    const downloadEvent = page.waitForEvent("download");
    await form.getByRole("button", { name: "Export and download" }).click();
    const download = await downloadEvent;
    expect(download.suggestedFilename()).toMatch(/-trl\.tar$/);
    const archive = path.join(folder, download.suggestedFilename());
    await download.saveAs(archive);
    const extracted = path.join(folder, "dataset");
    fs.mkdirSync(extracted);
    execFileSync("tar", ["-xf", archive, "-C", extracted]);
    const card = fs.readFileSync(path.join(extracted, "README.md"), "utf8");
    expect(card).toContain("- split: train\n    path: data/train-*");
    expect(card).toContain("`large` (Llama 2, Table 27)");
    expect(fs.existsSync(path.join(extracted, "data", "train-00000-of-00001.parquet"))).toBe(true);
    expect(fs.existsSync(path.join(extracted, "data", "test-00000-of-00001.parquet"))).toBe(true);
    await expect(page.getByRole("region", { name: "Download" })).toContainText(
      `README.md: sha256 ${sha256(path.join(extracted, "README.md"))}`,
    );
  });
});
