import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { CampaignOverview } from "./campaign-overview";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("CampaignOverview"))("title") };
}

export default async function CampaignPage({ params }: { params: Promise<{ campaignId: string }> }) {
  const { campaignId } = await params;
  return <CampaignOverview campaignId={campaignId} />;
}
