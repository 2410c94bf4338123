import type { Metadata } from "next";
import { Forbidden } from "../../_components/forbidden";
import { PageHeader } from "../../_components/ui";
import { ExportsAdmin } from "./exports-admin";
import { requireRole } from "@/server/auth/current-user";

export const metadata: Metadata = { title: "Exports" };

export default async function ExportsPage() {
  const { user, isAllowed } = await requireRole("admin", "/admin/exports");
  if (!isAllowed) return <Forbidden required="admin" actual={user.role} />;
  return (
    <>
      <PageHeader
        title="Exports"
        description="Preference datasets for reward-model and DPO training (TRL, Anthropic HH, KTO, raw), with Llama 2 margins and safety rule."
      />
      <ExportsAdmin />
    </>
  );
}
