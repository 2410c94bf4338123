import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { CampaignDashboard } from "./campaign-dashboard";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("CampaignPageTitles"))("dashboard") };
}

export default async function DashboardPage({ params }: { params: Promise<{ campaignId: string }> }) {
  const { campaignId } = await params;
  return <CampaignDashboard campaignId={campaignId} />;
}
