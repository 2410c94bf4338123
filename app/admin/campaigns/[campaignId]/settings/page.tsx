import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { CampaignSettings } from "./campaign-settings";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("CampaignPageTitles"))("settings") };
}

export default async function CampaignSettingsPage({ params }: { params: Promise<{ campaignId: string }> }) {
  const { campaignId } = await params;
  return <CampaignSettings campaignId={campaignId} />;
}
