import type { Metadata } from "next";
import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { Forbidden } from "../../_components/forbidden";
import { PageHeader } from "../../_components/ui";
import { CampaignList } from "./campaign-list";
import { requireRole } from "@/server/auth/current-user";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("CampaignList"))("title") };
}

export default async function CampaignsPage() {
  const { user, isAllowed } = await requireRole("admin", "/admin/campaigns");
  if (!isAllowed) return <Forbidden required="admin" actual={user.role} />;
  const t = await getTranslations("CampaignList");
  return (
    <>
      <div className="flex items-start justify-between gap-4">
        <PageHeader title={t("title")} description={t("description")} />
        <Link
          href="/admin/campaigns/new"
          className="rounded-md bg-indigo-600 px-3 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500"
        >
          {t("newCampaign")}
        </Link>
      </div>
      <CampaignList />
    </>
  );
}
