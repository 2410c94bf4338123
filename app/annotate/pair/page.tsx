import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { PageHeader } from "../../_components/ui";
import { PairCampaigns } from "./pair-campaigns";
import { requireUser } from "@/server/auth/current-user";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("Pairs"))("title") };
}

export default async function RatePairsPage() {
  await requireUser("/annotate/pair");
  const t = await getTranslations("Pairs");
  return (
    <>
      <PageHeader title={t("title")} description={t("description")} />
      <PairCampaigns />
    </>
  );
}
