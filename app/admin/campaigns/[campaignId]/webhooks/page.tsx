import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { Webhooks } from "./webhooks";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("CampaignPageTitles"))("webhooks") };
}

export default async function WebhooksPage({ params }: { params: Promise<{ campaignId: string }> }) {
  const { campaignId } = await params;
  return <Webhooks campaignId={campaignId} />;
}
