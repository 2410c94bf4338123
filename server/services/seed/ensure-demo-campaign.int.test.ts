import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { batches, campaignMembers, campaigns, modelVariants } from "@/db/schema";
import { createTestDb } from "@/db/testing";
import { createAdmin, createAnnotator } from "@/server/testing/fixtures";
import { getAnnotatorCampaigns } from "../annotation/get-annotator-campaigns";
import { DEMO_CAMPAIGN_NAME, ensureDemoCampaign } from "./ensure-demo-campaign";

let database: Database;

beforeAll(async () => {
  database = await createTestDb();
});

afterAll(async () => {
  await database?.close();
});

describe("ensureDemoCampaign", () => {
  it("waits for an admin, then seeds the demo campaign once, ready to annotate", async () => {
    const db = database.db;
    expect(await ensureDemoCampaign(db)).toEqual({ created: false });
    const admin = await createAdmin(db);
    const seeded = await ensureDemoCampaign(db);
    expect(seeded.created).toBe(true);

    const [campaign] = await db.select().from(campaigns).where(eq(campaigns.id, seeded.campaignId!));
    expect(campaign).toMatchObject({
      name: DEMO_CAMPAIGN_NAME,
      kind: "helpfulness",
      status: "active",
      responsesPerTurn: 2,
    });
    const variants = await db.select().from(modelVariants).where(eq(modelVariants.campaignId, campaign.id));
    expect(variants.map((variant) => variant.temperature).sort()).toEqual([0.7, 1]);
    for (const variant of variants) {
      // The default model: MODEL_PATH, INFERENCE_URL or the demo model, decided when generating.
      expect(variant).toMatchObject({
        endpointKind: "local",
        baseUrl: null,
        modelPath: null,
        isActive: true,
      });
    }
    expect(await db.select().from(batches).where(eq(batches.campaignId, campaign.id))).toMatchObject([
      { number: 1, status: "open" },
    ]);
    expect(
      await db.select().from(campaignMembers).where(eq(campaignMembers.campaignId, campaign.id)),
    ).toMatchObject([{ userId: admin.user.id }]);
    // Open to the admin and to every annotator.
    for (const actor of [admin.actor, (await createAnnotator(db)).actor]) {
      const list = await getAnnotatorCampaigns(db, {}, actor);
      expect(list.items.map((item) => item.name)).toContain(DEMO_CAMPAIGN_NAME);
    }

    // Once: not again, even after the admin removed it.
    await db.delete(campaigns).where(eq(campaigns.id, campaign.id));
    expect(await ensureDemoCampaign(db)).toEqual({ created: false });
  });
});
