// An annotator who confirmed an earlier version of the guidelines sees what changed before
// confirming the new one; a newcomer sees the guidelines whole.
import { describe, expect, it } from "vitest";
import { updateGuidelines } from "@/server/services/campaigns/guidelines";
import { createAnnotator } from "@/server/testing/fixtures";
import { createCollectingCampaign } from "@/server/testing/quality-campaigns";
import { setUpAdminDb } from "@/server/testing/test-db";
import { acknowledgeGuidelines } from "./acknowledge-guidelines";
import { getAnnotationWorkspace } from "./get-annotation-workspace";

const world = setUpAdminDb();

describe("getAnnotationWorkspace's guidelines change", () => {
  it("diffs the version the annotator confirmed against the current one", async () => {
    const campaign = await createCollectingCampaign(world.db, world.admin);
    const veteran = (await createAnnotator(world.db)).actor;
    const newcomer = (await createAnnotator(world.db)).actor;
    const edit = (guidelines: string, baseVersion: number) =>
      updateGuidelines(world.db, { campaignId: campaign.id, guidelines, baseVersion }, world.admin);
    await edit("# Rules\nPick the longer answer.\nReport spam.", 1);
    await acknowledgeGuidelines(world.db, { campaignId: campaign.id, version: 2 }, veteran);
    await edit("# Rules\nPick the more helpful answer.\nReport spam.", 2);
    await edit("# Rules\nPick the more helpful answer.\nReport spam.\nAsk when unsure.", 3);

    const seen = await getAnnotationWorkspace(world.db, { campaignId: campaign.id }, veteran);
    expect(seen.hasAcknowledgedGuidelines).toBe(false);
    expect(seen.guidelinesChange).toEqual({
      fromVersion: 2,
      lines: [
        { change: "same", text: "# Rules" },
        { change: "removed", text: "Pick the longer answer." },
        { change: "added", text: "Pick the more helpful answer." },
        { change: "same", text: "Report spam." },
        { change: "added", text: "Ask when unsure." },
      ],
    });
    expect(
      (await getAnnotationWorkspace(world.db, { campaignId: campaign.id }, newcomer)).guidelinesChange,
    ).toBeNull();
    await acknowledgeGuidelines(world.db, { campaignId: campaign.id, version: 4 }, veteran);
    expect(
      (await getAnnotationWorkspace(world.db, { campaignId: campaign.id }, veteran)).guidelinesChange,
    ).toBeNull();
  });
});
