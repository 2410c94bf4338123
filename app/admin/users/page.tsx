import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { Forbidden } from "../../_components/forbidden";
import { PageHeader } from "../../_components/ui";
import { UsersAdmin } from "./users-admin";
import { requireRole } from "@/server/auth/current-user";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("AdminUsers"))("title") };
}

export default async function UsersPage() {
  const { user, isAllowed } = await requireRole("admin", "/admin/users");
  if (!isAllowed) return <Forbidden required="admin" actual={user.role} />;
  const t = await getTranslations("AdminUsers");
  return (
    <>
      <PageHeader title={t("title")} description={t("description")} />
      <UsersAdmin currentUserId={user.id} />
    </>
  );
}
