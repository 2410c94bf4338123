import Link from "next/link";
import { PageHeader } from "./_components/ui";
import { requireUser } from "@/server/auth/current-user";
import { hasRole, ROLE_LABELS } from "@/server/auth/roles";

export default async function HomePage() {
  const user = await requireUser("/");
  const isAdmin = hasRole(user.role, "admin");
  return (
    <>
      <PageHeader
        title={`Welcome${user.name ? `, ${user.name}` : ""}`}
        description={`You are signed in as ${user.email} with the ${ROLE_LABELS[user.role].toLowerCase()} role.`}
      />
      <div className="grid gap-4 sm:grid-cols-2">
        <Link
          href="/campaigns"
          className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm hover:border-indigo-300"
        >
          <h2 className="font-semibold text-slate-900">Annotate</h2>
          <p className="mt-1 text-sm text-slate-600">
            Write prompts, compare responses side by side and say which is better.
          </p>
        </Link>
        {isAdmin && (
          <>
            <Link
              href="/admin/users"
              className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm hover:border-indigo-300"
            >
              <h2 className="font-semibold text-slate-900">Users</h2>
              <p className="mt-1 text-sm text-slate-600">Invite people, change roles, deactivate accounts.</p>
            </Link>
            <Link
              href="/admin/audit"
              className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm hover:border-indigo-300"
            >
              <h2 className="font-semibold text-slate-900">Audit log</h2>
              <p className="mt-1 text-sm text-slate-600">
                Every administrative action, who took it and when.
              </p>
            </Link>
          </>
        )}
      </div>
    </>
  );
}
