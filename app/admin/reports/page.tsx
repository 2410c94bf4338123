import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { Forbidden } from "../../_components/forbidden";
import { PageHeader } from "../../_components/ui";
import { ReportedTurns } from "./reported-turns";
import { requireRole } from "@/server/auth/current-user";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("AdminReports"))("title") };
}

export default async function ReportsPage() {
  const { user, isAllowed } = await requireRole("admin", "/admin/reports");
  if (!isAllowed) return <Forbidden required="admin" actual={user.role} />;
  const t = await getTranslations("AdminReports");
  return (
    <>
      <PageHeader title={t("title")} description={t("description")} />
      <ReportedTurns />
    </>
  );
}
