import type { Metadata } from "next";
import Link from "next/link";
import { Forbidden } from "../../_components/forbidden";
import { PageHeader } from "../../_components/ui";
import { CampaignList } from "./campaign-list";
import { requireRole } from "@/server/auth/current-user";

export const metadata: Metadata = { title: "Campaigns" };

export default async function CampaignsPage() {
  const { user, isAllowed } = await requireRole("admin", "/admin/campaigns");
  if (!isAllowed) return <Forbidden required="admin" actual={user.role} />;
  return (
    <>
      <div className="flex items-start justify-between gap-4">
        <PageHeader
          title="Campaigns"
          description="Data collection efforts: settings, model variants, batches and quality."
        />
        <Link
          href="/admin/campaigns/new"
          className="rounded-md bg-indigo-600 px-3 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500"
        >
          New campaign
        </Link>
      </div>
      <CampaignList />
    </>
  );
}
