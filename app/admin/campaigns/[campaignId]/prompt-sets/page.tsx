import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { PromptSets } from "./prompt-sets";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("CampaignPageTitles"))("promptSets") };
}

export default async function PromptSetsPage({ params }: { params: Promise<{ campaignId: string }> }) {
  const { campaignId } = await params;
  return <PromptSets campaignId={campaignId} />;
}
