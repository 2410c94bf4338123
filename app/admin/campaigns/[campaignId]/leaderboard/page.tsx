import type { Metadata } from "next";
import { Leaderboard } from "./leaderboard";

export const metadata: Metadata = { title: "Leaderboard" };

export default async function LeaderboardPage({ params }: { params: Promise<{ campaignId: string }> }) {
  const { campaignId } = await params;
  return <Leaderboard campaignId={campaignId} />;
}
