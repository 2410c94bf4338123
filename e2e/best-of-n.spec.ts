// Issue 15's best-of-N mode in the browser: the admin cannot turn it on before the campaign has a
// reward model, sets one (a --reward-head model generated into the e2e server's model folder) and
// turns best-of-N on; an annotator's turn then draws the samples on the local engine, the reward
// model scores them, the annotator compares the two picked answers and submits as usual, and the
// raw export holds every sample with its score.
import fs from "node:fs";
import path from "node:path";
import { makeModel } from "../inference/src/make-model";
import { query } from "./app-api";
import { expect, sendPromptUntilComplete, submitResponseABetter, test } from "./fixtures";

interface RawRow {
  responses: { response_id: string; text: string }[];
  best_of_n: {
    n: number;
    best_response_id: string;
    other_response_id: string;
    best_index: number;
    other_index: number;
    samples: { text: string; score: number }[];
  };
}

test("an admin turns best-of-N on and an annotator compares the reward model's pick", async ({
  admin,
  campaigns,
  users,
}, testInfo) => {
  // The reward model's engine starts on first use, besides the variants' one.
  test.setTimeout(300_000);
  const modelDir = path.join(
    testInfo.project.metadata.dataDir as string,
    "models",
    `best-of-n-${Date.now()}`,
  );
  const rewardModel = path.join(modelDir, "reward.gguf");
  await test.step("generates a reward model into the server's model folder", async () => {
    fs.mkdirSync(modelDir, { recursive: true });
    const tiny = { dim: 64, layers: 2, heads: 2, kvHeads: 2, ffn: 128, type: "f32" as const, context: 2048 };
    await makeModel({ ...tiny, out: rewardModel, rewardHead: true, seed: 4 });
  });
  const campaign = await campaigns.create({ maxTokens: 16 });

  const page = admin.page;
  await test.step("the admin sets a reward model, then turns best-of-N on", async () => {
    await page.goto(`/admin/campaigns/${campaign.id}`);
    await page
      .getByRole("navigation", { name: "Campaign" })
      .getByRole("link", { name: "Model assist" })
      .click();
    const bestOfN = page.getByRole("region", { name: "Best-of-N" });
    await bestOfN.getByLabel("Samples per turn").selectOption("4");
    await bestOfN.getByRole("button", { name: "Save best-of-N" }).click();
    await expect(bestOfN.getByRole("alert")).toContainText("needs the campaign's reward model");

    const reward = page.getByRole("region", { name: "Reward model" });
    await reward.getByLabel("Model file").fill(rewardModel);
    await reward.getByRole("button", { name: "Save reward model" }).click();
    await expect(reward.getByText("Reward model saved.")).toBeVisible();

    await bestOfN.getByLabel("Samples per turn").selectOption("4");
    await bestOfN
      .getByLabel("Variant the samples come from")
      .selectOption({ label: "local @ 1 (temperature 1)" });
    await bestOfN.getByRole("button", { name: "Save best-of-N" }).click();
    await expect(bestOfN.getByText("Best-of-N saved.")).toBeVisible();
  });

  await test.step("an annotator compares the two picked answers and submits", async () => {
    const annotator = (await users.create({ role: "annotator" })).page;
    await annotator.goto("/campaigns");
    await sendPromptUntilComplete(annotator, campaign.name, `Describe a wave ${Date.now()}.`);
    await expect(annotator.getByRole("region", { name: /^Response [C-H]$/ })).toHaveCount(0);
    for (const name of ["Response A", "Response B"]) {
      await expect(annotator.getByRole("region", { name, exact: true })).not.toContainText(
        /could not be generated/,
      );
    }
    await submitResponseABetter(annotator);
    await expect(annotator.getByText(/reward model|score/i)).toHaveCount(0);
  });

  await test.step("the raw export keeps the four scored samples and names the two shown", async () => {
    const preview = await query<{ rows: { row: RawRow }[] }>(page, "exports.preview", {
      options: { format: "raw", campaigns: [campaign.name] },
    });
    const { best_of_n: bestOfN, responses } = preview.rows[0].row;
    expect(bestOfN.n).toBe(4);
    expect(bestOfN.samples).toHaveLength(4);
    const scores = bestOfN.samples.map((sample) => sample.score);
    expect(scores[bestOfN.best_index]).toBe(Math.max(...scores));
    const shownText = (id: string) => responses.find((response) => response.response_id === id)?.text;
    expect(shownText(bestOfN.best_response_id)).toBe(bestOfN.samples[bestOfN.best_index].text);
    expect(shownText(bestOfN.other_response_id)).toBe(bestOfN.samples[bestOfN.other_index].text);
  });
});
