import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { Leaderboard } from "./leaderboard";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("CampaignPageTitles"))("leaderboard") };
}

export default async function LeaderboardPage({ params }: { params: Promise<{ campaignId: string }> }) {
  const { campaignId } = await params;
  return <Leaderboard campaignId={campaignId} />;
}
