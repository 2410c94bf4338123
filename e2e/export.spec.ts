// An admin annotates a short dialogue on the real engine (through the app's API), then exports
// it from the Exports page: previews the rows, downloads TRL JSON lines with large margins while
// a progress bar shows, checks the file against the dialogue and its recorded sha256, and
// downloads the same data as a Hugging Face dataset folder (a tar archive).
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { E2E_ADMIN, signIn } from "./fixtures";

async function trpc<T>(
  request: APIRequestContext,
  procedure: string,
  input: unknown,
  kind: "query" | "mutation",
) {
  const response =
    kind === "mutation"
      ? await request.post(`/api/trpc/${procedure}`, { data: { json: input } })
      : await request.get(
          `/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`,
        );
  const body = await response.json();
  expect(response.ok(), `${procedure}: ${JSON.stringify(body)}`).toBe(true);
  return (body as { result: { data: { json: T } } }).result.data.json;
}

interface StartedTurn {
  conversationId: string;
  turnId: string;
  responses: { id: string; position: number }[];
}

interface StoredTurn {
  index: number;
  userMessage: string;
  responses: { id: string; status: string; text: string }[];
}

/** A campaign with two variants of the local (demo) model and its first batch open. */
async function createCampaign(page: Page, name: string) {
  const campaign = await trpc<{ id: string }>(
    page.request,
    "campaigns.create",
    {
      name,
      kind: "helpfulness",
      guidelines: "# Guidelines\n\nPick the better response.",
      safetyPreprompt: null,
      membership: "all",
    },
    "mutation",
  );
  for (const temperature of [0.7, 1.0]) {
    await trpc(
      page.request,
      "variants.create",
      {
        campaignId: campaign.id,
        name: `local @ ${temperature}`,
        endpointKind: "local",
        model: "",
        temperature,
        topP: 0.95,
        maxTokens: 12,
        versionLabel: "v1",
      },
      "mutation",
    );
  }
  await trpc(page.request, "batches.openNext", { campaignId: campaign.id }, "mutation");
  await trpc(
    page.request,
    "annotation.acknowledgeGuidelines",
    { campaignId: campaign.id, version: 1 },
    "mutation",
  );
  return campaign.id;
}

/** Sends a prompt the way the workspace does (POST /api/generate streams the turn until both
 * responses are complete), then prefers the second response (by display position). */
async function annotateTurn(
  page: Page,
  campaignId: string,
  conversationId: string | null,
  message: string,
  strength: string,
) {
  const response = await page.request.post("/api/generate", {
    data: { campaignId, conversationId, message },
    timeout: 60_000,
  });
  const body = await response.text();
  expect(response.ok(), body).toBe(true);
  const events = body
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { type: string; turn?: StartedTurn });
  expect(events.at(-1)?.type).toBe("end");
  const turn = events.find((event) => event.type === "turn")!.turn!;
  const conversations = await trpc<{ items: { turns: (StoredTurn & { id: string })[] }[] }>(
    page.request,
    "annotation.inspectConversations",
    { campaignId, conversationId: turn.conversationId },
    "query",
  );
  const stored = conversations.items[0].turns.find((candidate) => candidate.id === turn.turnId)!;
  expect(stored.responses.map((item) => item.status)).toEqual(["completed", "completed"]);
  const [first, second] = [...turn.responses].sort((a, b) => a.position - b.position);
  await trpc(
    page.request,
    "annotation.submitComparison",
    {
      turnId: turn.turnId,
      idempotencyKey: crypto.randomUUID(),
      ranking: [second.id, first.id],
      strength,
      timeSpentMs: 4000,
    },
    "mutation",
  );
  const text = (id: string) => stored.responses.find((item) => item.id === id)!.text;
  return { conversationId: turn.conversationId, chosen: text(second.id), rejected: text(first.id) };
}

function sha256(file: string) {
  return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/** The downloads of the test below, removed after it. */
let folder = "";
test.afterEach(() => {
  if (folder) fs.rmSync(folder, { recursive: true, force: true });
});

test("an admin previews and downloads a TRL dataset with margins, and a Hugging Face folder", async ({
  page,
}) => {
  test.setTimeout(180_000);
  const campaignName = `Export e2e ${Date.now()}`;
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);

  const first = "Name three primary colours.";
  const second = "Now name three secondary colours.";
  const turns = await test.step("the admin annotates a two-turn dialogue on the demo model", async () => {
    const campaignId = await createCampaign(page, campaignName);
    const one = await annotateTurn(page, campaignId, null, first, "better");
    const two = await annotateTurn(page, campaignId, one.conversationId, second, "significantly_better");
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

  folder = fs.mkdtempSync(path.join(os.tmpdir(), "arbiter-e2e-export-"));
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
    await expect(row).toContainText(E2E_ADMIN.email);
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
