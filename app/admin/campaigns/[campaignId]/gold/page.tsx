import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { GoldItems } from "./gold-items";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("CampaignPageTitles"))("gold") };
}

export default async function GoldPage({ params }: { params: Promise<{ campaignId: string }> }) {
  const { campaignId } = await params;
  return <GoldItems campaignId={campaignId} />;
}
