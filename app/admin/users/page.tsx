import type { Metadata } from "next";
import { Forbidden } from "../../_components/forbidden";
import { PageHeader } from "../../_components/ui";
import { UsersAdmin } from "./users-admin";
import { requireRole } from "@/server/auth/current-user";

export const metadata: Metadata = { title: "Users" };

export default async function UsersPage() {
  const { user, isAllowed } = await requireRole("admin", "/admin/users");
  if (!isAllowed) return <Forbidden required="admin" actual={user.role} />;
  return (
    <>
      <PageHeader
        title="Users"
        description="Invite people with a role, change roles, and deactivate accounts."
      />
      <UsersAdmin currentUserId={user.id} />
    </>
  );
}
