// Issue 16's must-show in the browser: a campaign whose two variants are one base model and the
// same base with a LoRA adapter, both on the local engine from files generated into the e2e
// server's model folder (the adapter by the `infer make-lora` command). The admin adds the
// adapter variant in the variant form after "Test connection" loads it; an annotator runs a
// turn, both responses complete and the choice is saved; each response records its model, and
// the leaderboard names the adapter.
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { makeModel } from "../inference/src/make-model";
import { createBareCampaign, mutate, storedConversations } from "./app-api";
import { expect, sendPromptUntilComplete, submitResponseABetter, test } from "./fixtures";

const ROOT = path.resolve(__dirname, "..");

test("a campaign whose variants are a base model and the base with an adapter runs a turn", async ({
  admin,
  users,
}, testInfo) => {
  // The engine starts on first use, and again when the adapter is added, on a possibly loaded machine.
  test.setTimeout(300_000);
  const campaignName = `LoRA ${Date.now()}`;
  const modelDir = path.join(testInfo.project.metadata.dataDir as string, "models", `lora-${Date.now()}`);
  const base = path.join(modelDir, "base.gguf");
  const adapter = path.join(modelDir, "sft.gguf");

  await test.step("generates a base model and an adapter for it into the server's model folder", async () => {
    fs.mkdirSync(modelDir, { recursive: true });
    await makeModel({ out: base, dim: 64, layers: 2, heads: 2, kvHeads: 2, ffn: 128, type: "q8_0" });
    await promisify(execFile)(
      process.execPath,
      [
        path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"),
        "inference/src/cli.ts",
        "make-lora",
        "--base",
        base,
        "--out",
        adapter,
        "--rank",
        "4",
      ],
      { cwd: ROOT },
    );
  });

  let campaignId = "";
  await test.step("the admin creates the campaign with the base model as its first variant", async () => {
    campaignId = await createBareCampaign(admin, campaignName);
    await mutate(admin, "variants.create", {
      campaignId,
      name: "base",
      endpointKind: "local",
      modelPath: base,
      temperature: 0,
      maxTokens: 12,
      versionLabel: "v1",
    });
  });

  const page = admin.page;
  await test.step("adds the adapter variant in the form, after Test connection loads the adapter", async () => {
    await page.goto(`/admin/campaigns/${campaignId}`);
    await page.getByRole("button", { name: "Add a variant" }).click();
    const form = page.getByRole("region", { name: "Add a variant" });
    await form.getByLabel("Variant name").fill("base + sft");
    await form.getByLabel("Responses come from").selectOption("local");
    await form.getByLabel("Model file (.gguf, optional)").fill(base);
    await form.getByLabel("LoRA adapter (.gguf, optional)").fill(adapter);
    await form.getByLabel("Adapter scale").fill("0.5");
    await form.getByLabel("Temperature").fill("0");
    await form.getByLabel("Max tokens").fill("12");
    await form.getByRole("button", { name: "Test connection" }).click();
    const result = form.getByRole("region", { name: "Connection test of the form's values" });
    await expect(result).toContainText("Connection works", { timeout: 180_000 });
    // The engine lists the adapter as a model of its own, beside the base.
    await expect(result).toContainText(/List models \([\d,]+ ms\): 2 models: base, sft-[0-9a-f]{8}/);
    await form.getByRole("button", { name: "Add variant" }).click();
    await expect(page.getByRole("listitem", { name: "Variant base + sft" })).toContainText(
      "base.gguf + sft.gguf ×0.5",
    );
    await mutate(admin, "batches.openNext", { campaignId });
  });

  const account = await users.create({ role: "annotator" });
  const annotator = account.page;
  await test.step("an annotator sends a prompt and both responses complete", async () => {
    await annotator.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Annotate" }).click();
    await sendPromptUntilComplete(annotator, campaignName, "Name a colour of the sea.");
    await submitResponseABetter(annotator);
  });

  await test.step("each response records the model it ran: the base, and the adapter over it", async () => {
    const [conversation] = await storedConversations(admin, { campaignId, annotatorEmail: account.email });
    const [turn] = conversation!.turns;
    expect(turn!.comparisons).toHaveLength(1);
    const byVariant = new Map(turn!.responses.map((response) => [response.variantName, response]));
    expect([...byVariant.keys()].sort()).toEqual(["base", "base + sft"]);
    for (const response of byVariant.values()) {
      expect(response.status).toBe("completed");
      expect(response.completionTokens).toBeGreaterThan(0);
    }
    expect(byVariant.get("base")!.model).toBe("base");
    expect(byVariant.get("base + sft")!.model).toMatch(/^sft-[0-9a-f]{8}$/);
    expect(byVariant.get("base + sft")!.endpoint).toBe(byVariant.get("base")!.endpoint);
  });

  await test.step("the leaderboard names the adapter", async () => {
    await page.goto(`/admin/campaigns/${campaignId}/leaderboard`);
    const scores = page.getByRole("table", { name: "Leaderboard" });
    await expect(scores.getByRole("row", { name: /base \+ sft \(v1\)/ })).toContainText(
      "base.gguf + sft.gguf ×0.5",
    );
  });
});
