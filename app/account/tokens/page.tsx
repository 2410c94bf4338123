import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { PageHeader } from "../../_components/ui";
import { ApiTokens } from "./api-tokens";
import { requireUser } from "@/server/auth/current-user";
import { scopesForRole } from "@/server/services/api-tokens/api-token-schemas";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("ApiTokens"))("title") };
}

export default async function AccountTokensPage() {
  const user = await requireUser("/account/tokens");
  const t = await getTranslations("ApiTokens");
  return (
    <>
      <PageHeader title={t("title")} description={t("description")} />
      <ApiTokens isAdminPage={false} scopes={scopesForRole(user.role)} />
    </>
  );
}
