import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { Integrity } from "./integrity";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("CampaignPageTitles"))("integrity") };
}

export default async function IntegrityPage({ params }: { params: Promise<{ campaignId: string }> }) {
  const { campaignId } = await params;
  return <Integrity campaignId={campaignId} />;
}
