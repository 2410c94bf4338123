import type { Metadata } from "next";
import { CrowdLinks } from "./crowd-links";

export const metadata: Metadata = { title: "Crowd links" };

export default async function CrowdLinksPage({ params }: { params: Promise<{ campaignId: string }> }) {
  const { campaignId } = await params;
  return <CrowdLinks campaignId={campaignId} />;
}
