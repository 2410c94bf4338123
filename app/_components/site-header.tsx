// The bar at the top of every page: where you can go with your role, and who you are.
import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { getCurrentUser } from "@/server/auth/current-user";
import { hasRole } from "@/server/auth/roles";
import { getServerCaller } from "@/server/api/server-caller";
import { NEW_FEEDBACK_SHOWN_MAX } from "@/server/services/quality/feedback-inbox";
import { getTheme } from "../_lib/preferences";
import { LocaleSwitcher } from "./locale-switcher";
import { SignOutButton } from "./sign-out-button";
import { ThemeSwitcher } from "./theme-switcher";

export async function SiteHeader() {
  const user = await getCurrentUser();
  const t = await getTranslations("Header");
  // Reviews and report replies since the person last opened their feedback.
  // A count that cannot be read leaves the badge off rather than the page without its header.
  const newFeedback = user
    ? await (
        await getServerCaller()
      ).review
        .newFeedbackCount()
        .then((count) => count.total)
        .catch(() => 0)
    : 0;
  return (
    <header className="border-b border-slate-200 bg-white">
      <div className="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-x-4 gap-y-2 px-4 py-3 sm:px-6">
        <nav aria-label={t("mainNav")} className="flex flex-wrap items-center gap-x-5 gap-y-2 text-sm">
          <Link href="/" className="text-base font-semibold tracking-tight text-slate-900">
            Arbiter
          </Link>
          {user && (
            <Link href="/campaigns" className="text-slate-600 hover:text-slate-900">
              {t("annotate")}
            </Link>
          )}
          {user && (
            <>
              <Link href="/annotate/pair" className="text-slate-600 hover:text-slate-900">
                {t("ratePairs")}
              </Link>
              <Link href="/review/feedback" className="text-slate-600 hover:text-slate-900">
                {t("feedback")}
                {newFeedback > 0 && " "}
                {newFeedback > 0 && (
                  <span className="rounded-full bg-indigo-600 px-1.5 py-0.5 text-xs font-semibold text-white">
                    {newFeedback > NEW_FEEDBACK_SHOWN_MAX ? `${NEW_FEEDBACK_SHOWN_MAX}+` : newFeedback}
                    <span className="sr-only"> {t("newFeedback")}</span>
                  </span>
                )}
              </Link>
            </>
          )}
          {user && hasRole(user.role, "reviewer") && (
            <Link href="/review" className="text-slate-600 hover:text-slate-900">
              {t("review")}
            </Link>
          )}
          {user && hasRole(user.role, "admin") && (
            <>
              <Link href="/admin/campaigns" className="text-slate-600 hover:text-slate-900">
                {t("campaigns")}
              </Link>
              <Link href="/admin/users" className="text-slate-600 hover:text-slate-900">
                {t("users")}
              </Link>
              <Link href="/admin/audit" className="text-slate-600 hover:text-slate-900">
                {t("auditLog")}
              </Link>
              <Link href="/admin/exports" className="text-slate-600 hover:text-slate-900">
                {t("exports")}
              </Link>
              <Link href="/admin/reports" className="text-slate-600 hover:text-slate-900">
                {t("reports")}
              </Link>
              <Link href="/admin/tokens" className="text-slate-600 hover:text-slate-900">
                {t("apiTokens")}
              </Link>
            </>
          )}
        </nav>
        {user && (
          <div className="flex min-w-0 flex-wrap items-center gap-3 text-sm">
            <span className="min-w-0 break-all text-slate-600">
              {user.email}{" "}
              <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700">
                {t(`role.${user.role}`)}
              </span>
            </span>
            <Link href="/account/work" className="text-slate-600 hover:text-slate-900">
              {t("myWork")}
            </Link>
            <Link href="/account/tokens" className="text-slate-600 hover:text-slate-900">
              {t("myApiTokens")}
            </Link>
            <SignOutButton />
          </div>
        )}
        <div className="flex flex-wrap items-center gap-3">
          <LocaleSwitcher isSignedIn={user !== null} />
          <ThemeSwitcher initial={await getTheme()} />
        </div>
      </div>
    </header>
  );
}
