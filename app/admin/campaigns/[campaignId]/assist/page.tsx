import type { Metadata } from "next";
import { ModelAssist } from "./model-assist";

export const metadata: Metadata = { title: "Model assist" };

export default async function ModelAssistPage({ params }: { params: Promise<{ campaignId: string }> }) {
  const { campaignId } = await params;
  return <ModelAssist campaignId={campaignId} />;
}
