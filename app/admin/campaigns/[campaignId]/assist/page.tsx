import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { ModelAssist } from "./model-assist";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("CampaignPageTitles"))("assist") };
}

export default async function ModelAssistPage({ params }: { params: Promise<{ campaignId: string }> }) {
  const { campaignId } = await params;
  return <ModelAssist campaignId={campaignId} />;
}
