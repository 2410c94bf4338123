import type { Metadata } from "next";
import { GoldItems } from "./gold-items";

export const metadata: Metadata = { title: "Gold pairs" };

export default async function GoldPage({ params }: { params: Promise<{ campaignId: string }> }) {
  const { campaignId } = await params;
  return <GoldItems campaignId={campaignId} />;
}
