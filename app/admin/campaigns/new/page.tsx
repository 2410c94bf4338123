import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { Forbidden } from "../../../_components/forbidden";
import { PageHeader } from "../../../_components/ui";
import { NewCampaign } from "./new-campaign";
import { requireRole } from "@/server/auth/current-user";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("CampaignNew"))("title") };
}

export default async function NewCampaignPage() {
  const { user, isAllowed } = await requireRole("admin", "/admin/campaigns/new");
  if (!isAllowed) return <Forbidden required="admin" actual={user.role} />;
  const t = await getTranslations("CampaignNew");
  return (
    <>
      <PageHeader title={t("title")} description={t("description")} />
      <NewCampaign />
    </>
  );
}
