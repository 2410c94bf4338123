// The annotator's campaigns as cards, with their progress today and in total: on the
// campaigns page and on an annotator's home.
import Link from "next/link";
import { Alert } from "../_components/ui";
import { plural } from "@/lib/plural";
import { getServerCaller } from "@/server/api/server-caller";

export async function AnnotatorCampaigns({ page }: { page: number }) {
  const caller = await getServerCaller();
  const campaigns = await caller.annotation.campaigns({ page, pageSize: 20 });
  return (
    <>
      {campaigns.items.length === 0 ? (
        <Alert tone="info">
          No annotation campaigns are open to you yet. Your admin will let you know when work is ready.
        </Alert>
      ) : (
        <ul className="grid gap-4 sm:grid-cols-2" aria-label="Your campaigns">
          {campaigns.items.map((campaign) => (
            <li
              key={campaign.id}
              className="flex flex-col rounded-lg border border-slate-200 bg-white p-5 shadow-sm"
            >
              <div className="flex items-start justify-between gap-2">
                <h2 className="font-semibold text-slate-900">{campaign.name}</h2>
                <span className="shrink-0 rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700">
                  {campaign.kind === "safety" ? "Safety" : "Helpfulness"}
                  {campaign.status === "paused" ? " · paused" : ""}
                </span>
              </div>
              {campaign.description && <p className="mt-1 text-sm text-slate-600">{campaign.description}</p>}
              <p className="mt-3 text-sm text-slate-700">
                {campaign.dailyQuota === null
                  ? `${plural(campaign.comparisonsToday, "comparison")} today`
                  : `${campaign.comparisonsToday} of ${plural(campaign.dailyQuota, "comparison")} today`}{" "}
                · {campaign.comparisonsTotal.toLocaleString("en-US")} in total
                {!campaign.hasAcknowledgedGuidelines && " · guidelines to read"}
              </p>
              {campaign.dailyQuota !== null && (
                <progress
                  className="mt-2 h-2 w-full"
                  max={campaign.dailyQuota}
                  value={Math.min(campaign.comparisonsToday, campaign.dailyQuota)}
                  aria-label={`Today's progress in ${campaign.name}`}
                />
              )}
              {campaign.status === "paused" ? (
                <p className="mt-4 text-sm text-slate-600">
                  Paused by an admin: no new work for now.{" "}
                  <Link href={`/annotate/${campaign.id}`} className="text-indigo-700 hover:underline">
                    Read the guidelines
                  </Link>
                </p>
              ) : (
                <Link
                  href={`/annotate/${campaign.id}`}
                  className="mt-4 self-start rounded-md bg-indigo-600 px-3 py-2 text-sm font-semibold text-white hover:bg-indigo-500"
                >
                  {/* The visible words begin the link's name (WCAG 2.5.3); the campaign tells the cards apart. */}
                  {campaign.hasConversationInProgress ? "Continue" : "Annotate"}
                  <span className="sr-only"> in {campaign.name}</span>
                </Link>
              )}
            </li>
          ))}
        </ul>
      )}
      {campaigns.pageCount > 1 && (
        <nav aria-label="Pages" className="mt-6 flex gap-4 text-sm">
          {page > 1 && <Link href={`/campaigns?page=${page - 1}`}>Previous page</Link>}
          <span>
            Page {campaigns.page} of {campaigns.pageCount}
          </span>
          {page < campaigns.pageCount && <Link href={`/campaigns?page=${page + 1}`}>Next page</Link>}
        </nav>
      )}
    </>
  );
}
