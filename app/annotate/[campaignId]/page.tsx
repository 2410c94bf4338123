import type { Metadata } from "next";
import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { PageHeader } from "../../_components/ui";
import { ParticipantBar } from "../../participate/participant-bar";
import { AnnotationWorkspaceView } from "../_components/workspace";
import { getServerCaller } from "@/server/api/server-caller";
import { requireUser } from "@/server/auth/current-user";
import { hasRole } from "@/server/auth/roles";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("Workspace"))("title") };
}

export default async function AnnotatePage({ params }: { params: Promise<{ campaignId: string }> }) {
  const { campaignId } = await params;
  const user = await requireUser(`/annotate/${campaignId}`);
  // The name for the heading; the workspace itself loads on the client (it changes as you work).
  const t = await getTranslations("Workspace");
  const caller = await getServerCaller();
  const workspace = await caller.annotation.workspace({ campaignId }).catch(() => null);
  const participation = await caller.crowd.participation();
  return (
    <>
      {participation && <ParticipantBar initial={participation} />}
      <div className="mb-2 text-sm">
        <Link href="/campaigns" className="text-indigo-700 hover:underline">
          {t("backToCampaigns")}
        </Link>
      </div>
      <PageHeader
        title={workspace?.campaign.name ?? t("campaignFallback")}
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
