import type { Metadata } from "next";
import { PromptSets } from "./prompt-sets";

export const metadata: Metadata = { title: "Prompt sets" };

export default async function PromptSetsPage({ params }: { params: Promise<{ campaignId: string }> }) {
  const { campaignId } = await params;
  return <PromptSets campaignId={campaignId} />;
}
