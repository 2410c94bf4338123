import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { GuidelinesEditor } from "./guidelines-editor";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("CampaignPageTitles"))("guidelines") };
}

export default async function GuidelinesPage({ params }: { params: Promise<{ campaignId: string }> }) {
  const { campaignId } = await params;
  return <GuidelinesEditor campaignId={campaignId} />;
}
