// Every page of one campaign: its name, state and the tabs between its pages.
import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { Forbidden } from "../../../_components/forbidden";
import { StatusBadge } from "../_components/status-badge";
import { CampaignTabs } from "./campaign-tabs";
import { getServerCaller } from "@/server/api/server-caller";
import { requireRole } from "@/server/auth/current-user";

export default async function CampaignLayout({
  children,
  params,
}: {
  children: ReactNode;
  params: Promise<{ campaignId: string }>;
}) {
  const { campaignId } = await params;
  const { user, isAllowed } = await requireRole("admin", `/admin/campaigns/${campaignId}`);
  if (!isAllowed) return <Forbidden required="admin" actual={user.role} />;
  const overview = await (await getServerCaller()).campaigns.overview({ campaignId }).catch(() => null);
  if (!overview) notFound();
  const { campaign } = overview;
  const t = await getTranslations("CampaignLabels");
  return (
    <>
      <div className="mb-2 text-sm">
        <Link href="/admin/campaigns" className="text-indigo-700 hover:underline">
          <span aria-hidden className="inline-block rtl:rotate-180">
            ←
          </span>{" "}
          {t("backToCampaigns")}
        </Link>
      </div>
      <div className="mb-4 flex flex-wrap items-center gap-3">
        <h1 className="text-2xl font-semibold tracking-tight text-slate-900">{campaign.name}</h1>
        <StatusBadge status={campaign.status} />
        <span className="text-sm text-slate-600">{t(`kind.${campaign.kind}`)}</span>
      </div>
      <CampaignTabs campaignId={campaign.id} />
      <div className="mt-6">{children}</div>
    </>
  );
}
