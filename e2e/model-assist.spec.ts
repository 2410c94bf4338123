// Issue 15's must-show in the browser: an admin sets an LLM judge and a reward model on a campaign
// (both on the local engine, from files generated into the e2e server's model folder: a
// random-weight judge that only the verdict schema keeps to verdicts, and a reward model with a
// score head), an annotator submits a turn, the server's job worker judges and scores it, and the
// reviewer sees the judge's verdict and the scores; the admin sees the progress and the figures.
import fs from "node:fs";
import path from "node:path";
import { makeModel } from "../inference/src/make-model";
import { expect, sendPromptUntilComplete, submitResponseABetter, test } from "./fixtures";

test("an admin sets a judge and a reward model; the reviewer sees the verdict and the scores", async ({
  admin,
  campaigns,
  users,
}, testInfo) => {
  // Two engines start on first use, besides the variants' one, on a possibly loaded machine.
  test.setTimeout(360_000);
  const modelDir = path.join(testInfo.project.metadata.dataDir as string, "models", `assist-${Date.now()}`);
  const judgeModel = path.join(modelDir, "judge.gguf");
  const rewardModel = path.join(modelDir, "reward.gguf");
  await test.step("generates a judge and a reward model into the server's model folder", async () => {
    fs.mkdirSync(modelDir, { recursive: true });
    const tiny = { dim: 64, layers: 2, heads: 2, kvHeads: 2, ffn: 128, type: "f32" as const, context: 2048 };
    await makeModel({ ...tiny, out: judgeModel, vocab: "llama2", seed: 3 });
    await makeModel({ ...tiny, out: rewardModel, rewardHead: true, seed: 4 });
  });
  const campaign = await campaigns.create({ maxTokens: 24 });

  const page = admin.page;
  await test.step("the admin sets the judge and the reward model in the Model assist tab", async () => {
    await page.goto(`/admin/campaigns/${campaign.id}`);
    await page
      .getByRole("navigation", { name: "Campaign" })
      .getByRole("link", { name: "Model assist" })
      .click();
    const judge = page.getByRole("region", { name: "LLM judge" });
    await judge.getByLabel("Where the judge answers").selectOption("local");
    await judge.getByLabel("Model file").fill(judgeModel);
    await expect(judge.getByLabel("Prompt template")).toHaveValue(/\{answer_a\}/);
    await judge.getByLabel("Max tokens per verdict").fill("96");
    await judge.getByRole("button", { name: "Save judge" }).click();
    await expect(judge.getByText("Judge saved.")).toBeVisible();

    const reward = page.getByRole("region", { name: "Reward model" });
    await reward.getByLabel("Model file").fill(rewardModel);
    await reward.getByRole("button", { name: "Save reward model" }).click();
    await expect(reward.getByText("Reward model saved.")).toBeVisible();
  });

  const prompt = `Name a colour of the sea ${Date.now()}.`;
  await test.step("an annotator submits a turn, and sees nothing of the judge", async () => {
    const annotator = (await users.create({ role: "annotator" })).page;
    await annotator.goto("/campaigns");
    await sendPromptUntilComplete(annotator, campaign.name, prompt);
    await submitResponseABetter(annotator);
    await expect(annotator.getByText(/verdict|reward model/i)).toHaveCount(0);
  });

  await test.step("the reviewer sees the judge's verdict and the reward model's scores", async () => {
    const reviewer = (await users.create({ role: "reviewer" })).page;
    await reviewer.goto(`/review?campaign=${campaign.id}`);
    await reviewer.getByRole("link", { name: prompt }).click();
    const verdict = reviewer.getByRole("region", { name: "Judge's verdict" });
    await expect(verdict).toContainText(/Response [AB] · |Unsure: the two orders did not agree/, {
      timeout: 180_000,
    });
    await expect(verdict.getByRole("listitem")).toHaveCount(2);
    const scores = reviewer.getByRole("region", { name: "Reward model scores" });
    await expect(scores).not.toContainText("Scoring has not finished", { timeout: 120_000 });
    for (const label of ["Response A", "Response B"]) {
      await expect(scores.getByRole("definition").nth(label === "Response A" ? 0 : 1)).toHaveText(
        /^-?\d+\.\d{4}$/,
      );
    }
  });

  await test.step("the admin sees the progress and the figures per batch", async () => {
    await page.reload();
    const progress = page.getByRole("region", { name: "Progress" });
    await expect(progress).toContainText("Judge: 1 of 1 done");
    await expect(progress).toContainText("Reward model: 1 of 1 done");
    const figures = page.getByRole("region", { name: "Judge and reward model against the annotators" });
    await expect(figures.getByRole("table", { name: /Reward model accuracy/ })).toContainText("Batch 1");
  });
});
