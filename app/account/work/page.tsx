import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { PageHeader } from "../../_components/ui";
import { WorkHistory } from "./work-history";
import { WorkSummary } from "./work-summary";
import { requireUser } from "@/server/auth/current-user";
import { getServerCaller } from "@/server/api/server-caller";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("Work"))("title") };
}

export default async function MyWorkPage() {
  await requireUser("/account/work");
  const t = await getTranslations("Work");
  const summary = await (await getServerCaller()).account.workSummary();
  return (
    <>
      <PageHeader title={t("title")} description={t("description")} />
      <div className="space-y-6">
        <WorkSummary summary={summary} />
        <WorkHistory
          campaigns={summary.campaigns.map(({ campaignId, campaignName }) => ({ campaignId, campaignName }))}
        />
      </div>
    </>
  );
}
