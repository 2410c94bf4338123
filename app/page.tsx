// Home: where each role starts. Annotators see their campaigns with their progress; reviewers
// and admins the places their work is.
import Link from "next/link";
import { PageHeader } from "./_components/ui";
import { AnnotatorCampaigns } from "./campaigns/annotator-campaigns";
import { requireUser } from "@/server/auth/current-user";
import { hasRole, ROLE_LABELS } from "@/server/auth/roles";

const PLACES = [
  {
    href: "/admin/campaigns",
    title: "Campaigns",
    text: "Set up campaigns, their variants, members and batches; watch progress.",
    role: "admin",
  },
  {
    href: "/review",
    title: "Review",
    text: "Accept or reject comparisons, across every campaign.",
    role: "reviewer",
  },
  {
    href: "/admin/reports",
    title: "Reported turns",
    text: "Turns annotators reported as empty, broken or failed.",
    role: "admin",
  },
  { href: "/admin/exports", title: "Exports", text: "Preference datasets for training.", role: "admin" },
  {
    href: "/admin/users",
    title: "Users",
    text: "Invite people, change roles, deactivate accounts.",
    role: "admin",
  },
  {
    href: "/campaigns",
    title: "Annotate",
    text: "Write prompts, compare responses side by side and say which is better.",
    role: "annotator",
  },
] as const;

export default async function HomePage() {
  const user = await requireUser("/");
  return (
    <>
      <PageHeader
        title={`Welcome${user.name ? `, ${user.name}` : ""}`}
        description={`You are signed in as ${user.email} with the ${ROLE_LABELS[user.role].toLowerCase()} role.`}
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
              <h2 className="font-semibold text-slate-900">{place.title}</h2>
              <p className="mt-1 text-sm text-slate-600">{place.text}</p>
            </Link>
          ))}
        </div>
      )}
    </>
  );
}
