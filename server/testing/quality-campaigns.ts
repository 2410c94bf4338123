// A campaign set up for quality checks the way an admin sets one up (through the services): two
// variants, an open batch and the overlap or gold fraction asked for. Its name says nothing
// about quality checks, so tests that look for leaks in what annotators see can use it too.
import crypto from "node:crypto";
import type { Db } from "@/db/client";
import type { CampaignKind } from "@/lib/constants";
import type { SessionUser } from "@/server/auth/session-user";
import { createCampaign } from "@/server/services/campaigns/create-campaign";
import { openNextBatch } from "@/server/services/campaigns/open-next-batch";
import { createVariant } from "@/server/services/campaigns/save-variant";

export interface CollectingCampaignSettings {
  kind?: CampaignKind;
  overlapFraction?: number;
  goldFraction?: number;
  maxTurns?: number;
  ratePerComparison?: number | null;
  rateUnit?: string;
}

export async function createCollectingCampaign(
  db: Db,
  admin: SessionUser,
  settings: CollectingCampaignSettings = {},
) {
  const campaign = await createCampaign(
    db,
    {
      name: `Dialogues ${crypto.randomBytes(5).toString("hex")}`,
      ...settings,
      kind: settings.kind ?? "helpfulness",
    },
    admin,
  );
  for (const name of ["a", "b"]) {
    await createVariant(
      db,
      {
        campaignId: campaign.id,
        name,
        endpointKind: "openai",
        baseUrl: "http://127.0.0.1:9/v1",
        model: name,
      },
      admin,
    );
  }
  await openNextBatch(db, { campaignId: campaign.id }, admin);
  return campaign;
}
