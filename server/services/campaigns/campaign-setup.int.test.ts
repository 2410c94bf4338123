// The first hour of a campaign on a real database: settings errors in the words of the form,
// the setup checklist, nobody-may-work refused while collecting, and an archived campaign
// refusing every change.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { createTestDb } from "@/db/testing";
import { ValidationError } from "@/server/errors";
import { createAdmin, createAnnotator } from "@/server/testing/fixtures";
import { getCampaignOverview } from "./campaign-overview";
import { createCampaign } from "./create-campaign";
import { updateGuidelines } from "./guidelines";
import { closeBatch, openNextBatch } from "./open-next-batch";
import { createVariant, updateVariant } from "./save-variant";
import { setCampaignMembers } from "./set-campaign-members";
import { setCampaignStatus } from "./set-campaign-status";
import { updateCampaign } from "./update-campaign";

let database: Database;
let admin: Awaited<ReturnType<typeof createAdmin>>["actor"];

beforeAll(async () => {
  database = await createTestDb();
  admin = (await createAdmin(database.db)).actor;
});
afterAll(async () => {
  await database?.close();
});

let counter = 0;
const uniqueName = () => `Setup ${Date.now()}-${++counter}`;
const variantInput = (campaignId: string, name: string) => ({
  campaignId,
  name,
  endpointKind: "openai" as const,
  baseUrl: "http://127.0.0.1:9/v1",
  model: name,
});

describe("campaign settings", () => {
  it("speaks of the overlap in percent, as the form asks for it", async () => {
    const attempt = createCampaign(
      database.db,
      { name: uniqueName(), kind: "helpfulness", overlapFraction: 1.5 },
      admin,
    );
    await expect(attempt).rejects.toThrow("The overlap must be between 0% and 100%.");
    await expect(attempt).rejects.not.toThrow(/between 0 and 1/);
  });
});

describe("setup checklist", () => {
  it("is ready to open once there are two variants, someone to work and guidelines", async () => {
    const campaign = await createCampaign(database.db, { name: uniqueName(), kind: "helpfulness" }, admin);
    const setupOf = async () => (await getCampaignOverview(database.db, { campaignId: campaign.id })).setup;
    expect(await setupOf()).toEqual({
      hasVariants: false,
      hasMembers: true,
      hasGuidelines: false,
      hasOpenBatch: false,
      isReadyToOpen: false,
    });
    await createVariant(database.db, variantInput(campaign.id, "a"), admin);
    await createVariant(database.db, variantInput(campaign.id, "b"), admin);
    await updateGuidelines(
      database.db,
      {
        campaignId: campaign.id,
        guidelines: "# Pick the better answer",
        baseVersion: campaign.guidelinesVersion,
      },
      admin,
    );
    expect(await setupOf()).toMatchObject({ hasVariants: true, hasGuidelines: true, isReadyToOpen: true });
    await openNextBatch(database.db, { campaignId: campaign.id }, admin);
    expect(await setupOf()).toMatchObject({ hasOpenBatch: true });
  });
});

describe("members of a collecting campaign", () => {
  it("refuses to leave a collecting campaign with nobody allowed to work in it", async () => {
    const campaign = await createCampaign(database.db, { name: uniqueName(), kind: "helpfulness" }, admin);
    await createVariant(database.db, variantInput(campaign.id, "a"), admin);
    await createVariant(database.db, variantInput(campaign.id, "b"), admin);
    // A draft may be half set up…
    await setCampaignMembers(
      database.db,
      { campaignId: campaign.id, membership: "selected", memberIds: [] },
      admin,
    );
    // …but its first batch does not open with nobody to work in it.
    await expect(openNextBatch(database.db, { campaignId: campaign.id }, admin)).rejects.toThrow(
      /choose at least one member/,
    );
    const { user } = await createAnnotator(database.db);
    await setCampaignMembers(
      database.db,
      { campaignId: campaign.id, membership: "selected", memberIds: [user.id] },
      admin,
    );
    await openNextBatch(database.db, { campaignId: campaign.id }, admin);
    const emptied = setCampaignMembers(
      database.db,
      { campaignId: campaign.id, membership: "selected", memberIds: [] },
      admin,
    );
    await expect(emptied).rejects.toThrow(ValidationError);
    await expect(emptied).rejects.toThrow(/Nobody could work in .*choose at least one member/);
    const overview = await getCampaignOverview(database.db, { campaignId: campaign.id });
    expect(overview.members.map((member) => member.id)).toEqual([user.id]);
  });
});

describe("an archived campaign", () => {
  it("refuses new variants, variant edits, batch changes and settings; restore brings it back paused", async () => {
    const campaign = await createCampaign(database.db, { name: uniqueName(), kind: "helpfulness" }, admin);
    const variant = await createVariant(database.db, variantInput(campaign.id, "a"), admin);
    await createVariant(database.db, variantInput(campaign.id, "b"), admin);
    await openNextBatch(database.db, { campaignId: campaign.id }, admin);
    await setCampaignStatus(database.db, { campaignId: campaign.id, action: "archive" }, admin);
    const archived = /is archived and cannot change/;
    await expect(createVariant(database.db, variantInput(campaign.id, "c"), admin)).rejects.toThrow(archived);
    await expect(
      updateVariant(database.db, { variantId: variant.id, ...variantInput(campaign.id, "a2") }, admin),
    ).rejects.toThrow(archived);
    await expect(closeBatch(database.db, { campaignId: campaign.id }, admin)).rejects.toThrow(archived);
    await expect(
      updateCampaign(
        database.db,
        { campaignId: campaign.id, name: uniqueName(), kind: "helpfulness" },
        admin,
      ),
    ).rejects.toThrow(archived);
    const restored = await setCampaignStatus(
      database.db,
      { campaignId: campaign.id, action: "restore" },
      admin,
    );
    expect(restored.status).toBe("paused");
  });
});
