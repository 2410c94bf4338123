import type { Metadata } from "next";
import { PageHeader } from "../../_components/ui";
import { ApiTokens } from "./api-tokens";
import { requireUser } from "@/server/auth/current-user";
import { scopesForRole } from "@/server/services/api-tokens/api-token-schemas";

export const metadata: Metadata = { title: "API tokens" };

export default async function AccountTokensPage() {
  const user = await requireUser("/account/tokens");
  return (
    <>
      <PageHeader
        title="API tokens"
        description="Tokens let your scripts call Arbiter's HTTP API (/api/v1, described at /api/openapi.json) as you. They never sign anyone in to these pages."
      />
      <ApiTokens isAdminPage={false} scopes={scopesForRole(user.role)} />
    </>
  );
}
