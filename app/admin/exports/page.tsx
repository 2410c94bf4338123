import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { Forbidden } from "../../_components/forbidden";
import { PageHeader } from "../../_components/ui";
import { ExportsAdmin } from "./exports-admin";
import { requireRole } from "@/server/auth/current-user";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("AdminExports"))("title") };
}

export default async function ExportsPage() {
  const { user, isAllowed } = await requireRole("admin", "/admin/exports");
  if (!isAllowed) return <Forbidden required="admin" actual={user.role} />;
  const t = await getTranslations("AdminExports");
  return (
    <>
      <PageHeader title={t("title")} description={t("description")} />
      <ExportsAdmin />
    </>
  );
}
