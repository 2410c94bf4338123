import type { Metadata } from "next";
import { Webhooks } from "./webhooks";

export const metadata: Metadata = { title: "Webhooks" };

export default async function WebhooksPage({ params }: { params: Promise<{ campaignId: string }> }) {
  const { campaignId } = await params;
  return <Webhooks campaignId={campaignId} />;
}
