import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { PageHeader } from "../_components/ui";
import { AnnotatorCampaigns } from "./annotator-campaigns";
import { requireUser } from "@/server/auth/current-user";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("Campaigns"))("title") };
}

export default async function CampaignsPage({ searchParams }: { searchParams: Promise<{ page?: string }> }) {
  await requireUser("/campaigns");
  const page = Math.max(1, Number((await searchParams).page) || 1);
  const t = await getTranslations("Campaigns");
  return (
    <>
      <PageHeader title={t("title")} description={t("description")} />
      <AnnotatorCampaigns page={page} />
    </>
  );
}
