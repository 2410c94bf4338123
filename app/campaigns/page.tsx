import type { Metadata } from "next";
import { PageHeader } from "../_components/ui";
import { AnnotatorCampaigns } from "./annotator-campaigns";
import { requireUser } from "@/server/auth/current-user";

export const metadata: Metadata = { title: "Campaigns" };

export default async function CampaignsPage({ searchParams }: { searchParams: Promise<{ page?: string }> }) {
  await requireUser("/campaigns");
  const page = Math.max(1, Number((await searchParams).page) || 1);
  return (
    <>
      <PageHeader title="Campaigns" description="The annotation campaigns open to you, with your progress." />
      <AnnotatorCampaigns page={page} />
    </>
  );
}
