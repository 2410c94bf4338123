import type { Metadata } from "next";
import { CampaignSettings } from "./campaign-settings";

export const metadata: Metadata = { title: "Campaign settings" };

export default async function CampaignSettingsPage({ params }: { params: Promise<{ campaignId: string }> }) {
  const { campaignId } = await params;
  return <CampaignSettings campaignId={campaignId} />;
}
