// The audit log reads as sentences: what was acted on by name (campaign, variant, batch, user),
// a campaign id in the details as the campaign's name, and no empty fields.
import { describe, expect, it } from "vitest";
import { createCampaign } from "@/server/services/campaigns/create-campaign";
import { openNextBatch } from "@/server/services/campaigns/open-next-batch";
import { createVariant } from "@/server/services/campaigns/save-variant";
import { inviteUser } from "@/server/services/users/invite-user";
import { setUpAdminDb } from "@/server/testing/test-db";
import { listAuditLog } from "./list-audit-log";

const world = setUpAdminDb();

describe("listAuditLog", () => {
  it("names the campaign, variant, batch and user instead of their ids, and leaves out empty fields", async () => {
    const name = `Audited ${Date.now()}`;
    const campaign = await createCampaign(world.db, { name, kind: "helpfulness" }, world.admin);
    for (const variant of ["a", "b"]) {
      await createVariant(
        world.db,
        {
          campaignId: campaign.id,
          name: `variant ${variant}`,
          endpointKind: "openai",
          baseUrl: "http://127.0.0.1:9/v1",
          model: "m",
        },
        world.admin,
      );
    }
    await openNextBatch(world.db, { campaignId: campaign.id }, world.admin);
    const email = `audited-${Date.now()}@example.test`;
    await inviteUser(world.db, { email, role: "annotator" }, world.admin);

    const log = await listAuditLog(world.db, { pageSize: 10 });
    const entry = (action: string) => log.items.find((item) => item.action === action)!;
    expect(entry("user.invited").targetName).toBe(email);
    expect(entry("campaign.created").targetName).toBe(name);
    expect(entry("variant.created")).toMatchObject({ targetName: "variant b", details: { campaign: name } });
    const opened = entry("batch.opened");
    expect(opened.targetName).toBe(`batch 1 of ${name}`);
    expect(opened.details).toMatchObject({ campaign: name, number: 1 });
    expect(opened.details).not.toHaveProperty("campaignId");
    // The first batch closed none: the field is left out rather than shown as null.
    expect(opened.details).not.toHaveProperty("closedBatch");
  });
});
