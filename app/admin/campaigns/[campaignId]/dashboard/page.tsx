import type { Metadata } from "next";
import { CampaignDashboard } from "./campaign-dashboard";

export const metadata: Metadata = { title: "Dashboard" };

export default async function DashboardPage({ params }: { params: Promise<{ campaignId: string }> }) {
  const { campaignId } = await params;
  return <CampaignDashboard campaignId={campaignId} />;
}
