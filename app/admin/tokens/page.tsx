import type { Metadata } from "next";
import { Forbidden } from "../../_components/forbidden";
import { PageHeader } from "../../_components/ui";
import { ApiTokens } from "../../account/tokens/api-tokens";
import { requireRole } from "@/server/auth/current-user";
import { scopesForRole } from "@/server/services/api-tokens/api-token-schemas";

export const metadata: Metadata = { title: "API tokens" };

export default async function AdminTokensPage() {
  const { user, isAllowed } = await requireRole("admin", "/admin/tokens");
  if (!isAllowed) return <Forbidden required="admin" actual={user.role} />;
  return (
    <>
      <PageHeader
        title="API tokens"
        description="Service tokens for pipelines, and every personal token, with their last use. Revoking takes effect at the token's next call."
      />
      <ApiTokens isAdminPage scopes={scopesForRole(user.role)} />
    </>
  );
}
