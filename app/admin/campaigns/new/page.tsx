import type { Metadata } from "next";
import { Forbidden } from "../../../_components/forbidden";
import { PageHeader } from "../../../_components/ui";
import { NewCampaign } from "./new-campaign";
import { requireRole } from "@/server/auth/current-user";

export const metadata: Metadata = { title: "New campaign" };

export default async function NewCampaignPage() {
  const { user, isAllowed } = await requireRole("admin", "/admin/campaigns/new");
  if (!isAllowed) return <Forbidden required="admin" actual={user.role} />;
  return (
    <>
      <PageHeader
        title="New campaign"
        description="It starts as a draft: add model variants, then open the first batch to start collecting."
      />
      <NewCampaign />
    </>
  );
}
