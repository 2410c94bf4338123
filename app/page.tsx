// Home: where each role starts. Annotators see their campaigns with their progress; reviewers
// and admins the places their work is.
import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { PageHeader } from "./_components/ui";
import { AnnotatorCampaigns } from "./campaigns/annotator-campaigns";
import { requireUser } from "@/server/auth/current-user";
import { hasRole } from "@/server/auth/roles";

/** Each place's title and text are messages under Home.places.<key>. */
const PLACES = [
  { href: "/admin/campaigns", key: "campaigns", role: "admin" },
  { href: "/review", key: "review", role: "reviewer" },
  { href: "/admin/reports", key: "reports", role: "admin" },
  { href: "/admin/exports", key: "exports", role: "admin" },
  { href: "/admin/users", key: "users", role: "admin" },
  { href: "/campaigns", key: "annotate", role: "annotator" },
] as const;

export default async function HomePage() {
  const user = await requireUser("/");
  const t = await getTranslations("Home");
  const roleName = (await getTranslations("Header"))(`role.${user.role}`);
  return (
    <>
      <PageHeader
        title={user.name ? t("welcomeNamed", { name: user.name }) : t("welcome")}
        description={t("signedInAs", { email: user.email, role: roleName.toLowerCase() })}
      />
      {user.role === "annotator" ? (
        <AnnotatorCampaigns page={1} />
      ) : (
        <div className="grid gap-4 sm:grid-cols-2">
          {PLACES.filter((place) => hasRole(user.role, place.role)).map((place) => (
            <Link
              key={place.href}
              href={place.href}
              className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm hover:border-indigo-300"
            >
              <h2 className="font-semibold text-slate-900">{t(`places.${place.key}.title`)}</h2>
              <p className="mt-1 text-sm text-slate-600">{t(`places.${place.key}.text`)}</p>
            </Link>
          ))}
        </div>
      )}
    </>
  );
}
