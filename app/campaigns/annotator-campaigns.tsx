// The annotator's campaigns as cards, with their progress today and in total: on the
// campaigns page and on an annotator's home.
import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { Alert } from "../_components/ui";
import { getServerCaller } from "@/server/api/server-caller";

export async function AnnotatorCampaigns({ page }: { page: number }) {
  const caller = await getServerCaller();
  const campaigns = await caller.annotation.campaigns({ page, pageSize: 20 });
  const t = await getTranslations("Campaigns");
  const pager = await getTranslations("Pager");
  return (
    <>
      {campaigns.items.length === 0 ? (
        <Alert tone="info">{t("none")}</Alert>
      ) : (
        <ul className="grid gap-4 sm:grid-cols-2" aria-label={t("listLabel")}>
          {campaigns.items.map((campaign) => (
            <li
              key={campaign.id}
              className="flex flex-col rounded-lg border border-slate-200 bg-white p-5 shadow-sm"
            >
              <div className="flex items-start justify-between gap-2">
                <h2 className="font-semibold text-slate-900">{campaign.name}</h2>
                <span className="shrink-0 rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700">
                  {campaign.kind === "safety" ? t("safety") : t("helpfulness")}
                  {campaign.status === "paused" ? t("paused") : ""}
                </span>
              </div>
              {campaign.description && <p className="mt-1 text-sm text-slate-600">{campaign.description}</p>}
              <p className="mt-3 text-sm text-slate-700">
                {campaign.dailyQuota === null
                  ? t("today", { count: campaign.comparisonsToday })
                  : t("todayOfQuota", { count: campaign.comparisonsToday, quota: campaign.dailyQuota })}{" "}
                · {t("inTotal", { count: campaign.comparisonsTotal })}
                {!campaign.hasAcknowledgedGuidelines && t("guidelinesToRead")}
              </p>
              {campaign.dailyQuota !== null && (
                <progress
                  className="mt-2 h-2 w-full"
                  max={campaign.dailyQuota}
                  value={Math.min(campaign.comparisonsToday, campaign.dailyQuota)}
                  aria-label={t("progressLabel", { name: campaign.name })}
                />
              )}
              {campaign.status === "paused" ? (
                <p className="mt-4 text-sm text-slate-600">
                  {t("pausedNotice")}{" "}
                  <Link href={`/annotate/${campaign.id}`} className="text-indigo-700 hover:underline">
                    {t("readGuidelines")}
                  </Link>
                </p>
              ) : (
                <Link
                  href={`/annotate/${campaign.id}`}
                  className="mt-4 self-start rounded-md bg-indigo-600 px-3 py-2 text-sm font-semibold text-white hover:bg-indigo-500"
                >
                  {/* The visible words begin the link's name (WCAG 2.5.3); the campaign tells the cards apart. */}
                  {campaign.hasConversationInProgress ? t("continue") : t("annotate")}
                  <span className="sr-only">{t("inCampaign", { name: campaign.name })}</span>
                </Link>
              )}
            </li>
          ))}
        </ul>
      )}
      {campaigns.pageCount > 1 && (
        <nav aria-label={pager("pages")} className="mt-6 flex gap-4 text-sm">
          {page > 1 && <Link href={`/campaigns?page=${page - 1}`}>{t("previousPage")}</Link>}
          <span>{pager("pageOf", { page: campaigns.page, count: campaigns.pageCount })}</span>
          {page < campaigns.pageCount && <Link href={`/campaigns?page=${page + 1}`}>{t("nextPage")}</Link>}
        </nav>
      )}
    </>
  );
}
