import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { Forbidden } from "../../_components/forbidden";
import { PageHeader } from "../../_components/ui";
import { ApiTokens } from "../../account/tokens/api-tokens";
import { requireRole } from "@/server/auth/current-user";
import { scopesForRole } from "@/server/services/api-tokens/api-token-schemas";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("ApiTokens"))("title") };
}

export default async function AdminTokensPage() {
  const { user, isAllowed } = await requireRole("admin", "/admin/tokens");
  const t = await getTranslations("ApiTokens");
  if (!isAllowed) return <Forbidden required="admin" actual={user.role} />;
  return (
    <>
      <PageHeader title={t("title")} description={t("adminDescription")} />
      <ApiTokens isAdminPage scopes={scopesForRole(user.role)} />
    </>
  );
}
