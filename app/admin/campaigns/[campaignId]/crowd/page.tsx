import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { CrowdLinks } from "./crowd-links";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("CampaignPageTitles"))("crowd") };
}

export default async function CrowdLinksPage({ params }: { params: Promise<{ campaignId: string }> }) {
  const { campaignId } = await params;
  return <CrowdLinks campaignId={campaignId} />;
}
