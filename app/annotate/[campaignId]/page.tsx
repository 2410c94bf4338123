import type { Metadata } from "next";
import Link from "next/link";
import { PageHeader } from "../../_components/ui";
import { AnnotationWorkspaceView } from "../_components/workspace";
import { getServerCaller } from "@/server/api/server-caller";
import { requireUser } from "@/server/auth/current-user";
import { hasRole } from "@/server/auth/roles";

export const metadata: Metadata = { title: "Annotate" };

export default async function AnnotatePage({ params }: { params: Promise<{ campaignId: string }> }) {
  const { campaignId } = await params;
  const user = await requireUser(`/annotate/${campaignId}`);
  // The name for the heading; the workspace itself loads on the client (it changes as you work).
  const caller = await getServerCaller();
  const workspace = await caller.annotation.workspace({ campaignId }).catch(() => null);
  return (
    <>
      <div className="mb-2 text-sm">
        <Link href="/campaigns" className="text-indigo-700 hover:underline">
          ← Your campaigns
        </Link>
      </div>
      <PageHeader
        title={workspace?.campaign.name ?? "Campaign"}
        description={workspace?.campaign.description || undefined}
      />
      <AnnotationWorkspaceView
        campaignId={campaignId}
        userId={user.id}
        isAdmin={hasRole(user.role, "admin")}
      />
    </>
  );
}
