// The Webhooks tab: an admin adds a webhook aimed at a receiver on 127.0.0.1 (which the e2e
// server's ARBITER_OUTBOUND_ALLOW permits), copies the secret shown once, sends a test event, sees
// it delivered in the log, and the receiver checks the signature with that secret.
import crypto from "node:crypto";
import { answerJson, startCaptureServer } from "../server/testing/capture-server";
import { expect, test } from "./fixtures";

test("an admin adds a webhook, sends a test event and sees it delivered", async ({ admin, campaigns }) => {
  test.setTimeout(120_000);
  const page = admin.page;
  const campaign = await campaigns.create();
  const receiver = await startCaptureServer(answerJson(204, {}));

  try {
    await page.goto(`/admin/campaigns/${campaign.id}`);
    await page.getByRole("navigation", { name: "Campaign" }).getByRole("link", { name: "Webhooks" }).click();
    await expect(page.getByText("This campaign has no webhooks yet.")).toBeVisible();

    await page.getByLabel("URL").fill(`${receiver.url}/arbiter`);
    await page.getByRole("checkbox", { name: "Export finished" }).uncheck();
    await page.getByRole("checkbox", { name: "Comparison target reached" }).uncheck();
    await page.getByRole("button", { name: "Add webhook" }).click();
    const secret =
      (await page.getByRole("status").filter({ hasText: "signing secret" }).locator("code").textContent()) ??
      "";
    expect(secret).toMatch(/^whsec_/);

    const card = page.getByRole("region", { name: `${receiver.url}/arbiter` });
    await expect(card).toContainText("Batch closed, Annotators flagged by an integrity report");
    await card.getByRole("button", { name: "Send test event" }).click();
    const log = card.getByRole("table", { name: "Latest deliveries" });
    await expect(log.getByRole("row", { name: /test delivered 1/ })).toBeVisible({ timeout: 60_000 });
    await expect(log).toContainText("HTTP 204");

    const [request] = receiver.requests;
    const { t, v1 } = Object.fromEntries(
      String(request.headers["arbiter-signature"])
        .split(",")
        .map((part) => part.split("=", 2)),
    );
    const expected = crypto.createHmac("sha256", secret).update(`${t}.${request.body}`).digest("hex");
    expect(v1).toBe(expected);
    expect(JSON.parse(request.body)).toMatchObject({ event: "test", data: { campaignId: campaign.id } });

    page.once("dialog", (dialog) => void dialog.accept());
    await card.getByRole("button", { name: "Remove" }).click();
    await expect(page.getByText("This campaign has no webhooks yet.")).toBeVisible();
  } finally {
    await receiver.close();
  }
});
