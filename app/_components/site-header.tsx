// The bar at the top of every page: where you can go with your role, and who you are.
import Link from "next/link";
import { getCurrentUser } from "@/server/auth/current-user";
import { hasRole, ROLE_LABELS } from "@/server/auth/roles";
import { SignOutButton } from "./sign-out-button";

export async function SiteHeader() {
  const user = await getCurrentUser();
  return (
    <header className="border-b border-slate-200 bg-white">
      <div className="mx-auto flex max-w-6xl items-center justify-between gap-4 px-6 py-3">
        <nav aria-label="Main" className="flex items-center gap-6 text-sm">
          <Link href="/" className="text-base font-semibold tracking-tight text-slate-900">
            Arbiter
          </Link>
          {user && (
            <Link href="/campaigns" className="text-slate-600 hover:text-slate-900">
              Annotate
            </Link>
          )}
          {user && (
            <>
              <Link href="/annotate/pair" className="text-slate-600 hover:text-slate-900">
                Rate pairs
              </Link>
              <Link href="/review/feedback" className="text-slate-600 hover:text-slate-900">
                Feedback
              </Link>
            </>
          )}
          {user && hasRole(user.role, "reviewer") && (
            <Link href="/review" className="text-slate-600 hover:text-slate-900">
              Review
            </Link>
          )}
          {user && hasRole(user.role, "admin") && (
            <>
              <Link href="/admin/campaigns" className="text-slate-600 hover:text-slate-900">
                Campaigns
              </Link>
              <Link href="/admin/users" className="text-slate-600 hover:text-slate-900">
                Users
              </Link>
              <Link href="/admin/audit" className="text-slate-600 hover:text-slate-900">
                Audit log
              </Link>
              <Link href="/admin/exports" className="text-slate-600 hover:text-slate-900">
                Exports
              </Link>
              <Link href="/admin/reports" className="text-slate-600 hover:text-slate-900">
                Reports
              </Link>
            </>
          )}
        </nav>
        {user && (
          <div className="flex items-center gap-3 text-sm">
            <span className="text-slate-600">
              {user.email}{" "}
              <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700">
                {ROLE_LABELS[user.role]}
              </span>
            </span>
            <SignOutButton />
          </div>
        )}
      </div>
    </header>
  );
}
