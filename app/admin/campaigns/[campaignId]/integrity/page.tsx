import type { Metadata } from "next";
import { Integrity } from "./integrity";

export const metadata: Metadata = { title: "Integrity" };

export default async function IntegrityPage({ params }: { params: Promise<{ campaignId: string }> }) {
  const { campaignId } = await params;
  return <Integrity campaignId={campaignId} />;
}
