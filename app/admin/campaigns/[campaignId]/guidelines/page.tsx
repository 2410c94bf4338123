import type { Metadata } from "next";
import { GuidelinesEditor } from "./guidelines-editor";

export const metadata: Metadata = { title: "Guidelines" };

export default async function GuidelinesPage({ params }: { params: Promise<{ campaignId: string }> }) {
  const { campaignId } = await params;
  return <GuidelinesEditor campaignId={campaignId} />;
}
