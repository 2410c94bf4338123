"use client";
// The annotator's comparisons, newest first, a page at a time, optionally one campaign's.
import { useQuery } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import Link from "next/link";
import { useState } from "react";
import { Pager } from "../../_components/pager";
import { Alert, Card, cx, SelectField } from "../../_components/ui";
import { useErrorText } from "../../_lib/error-text";
import { useTRPC } from "../../_lib/trpc";
import { useUtc } from "../../_lib/use-utc";
import { useLabels } from "../../annotate/_components/use-labels";
import { useWorkFormat } from "./work-format";

const REVIEW_STYLES = {
  accepted: "bg-emerald-50 text-emerald-700",
  rejected: "bg-red-50 text-red-700",
  pending: "bg-slate-100 text-slate-700",
} as const;

export function WorkHistory({ campaigns }: { campaigns: { campaignId: string; campaignName: string }[] }) {
  const errorMessage = useErrorText();
  const t = useTranslations("Work");
  const review = useTranslations("Labels");
  const labels = useLabels();
  const format = useWorkFormat();
  const utc = useUtc();
  const trpc = useTRPC();
  const [page, setPage] = useState(1);
  const [campaignId, setCampaignId] = useState("");
  const history = useQuery(
    trpc.account.workHistory.queryOptions({ page, pageSize: 20, campaignId: campaignId || undefined }),
  );
  return (
    <Card title={t("history")} description={t("historyDescription")}>
      {campaigns.length > 1 && (
        <div className="mb-4 max-w-xs">
          <SelectField
            id="history-campaign"
            label={t("campaign")}
            value={campaignId}
            onChange={(event) => {
              setCampaignId(event.target.value);
              setPage(1);
            }}
          >
            <option value="">{t("allCampaigns")}</option>
            {campaigns.map((campaign) => (
              <option key={campaign.campaignId} value={campaign.campaignId}>
                {campaign.campaignName}
              </option>
            ))}
          </SelectField>
        </div>
      )}
      {history.error && <Alert>{errorMessage(history.error)}</Alert>}
      {history.data?.total === 0 && <p className="text-sm text-slate-600">{t("noComparisons")}</p>}
      <ul className="divide-y divide-slate-100" aria-label={t("historyList")}>
        {history.data?.items.map((item) => (
          <li key={item.id} className="py-3 text-sm">
            <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
              <span
                className={cx(
                  "rounded-full px-2 py-0.5 text-xs font-medium",
                  REVIEW_STYLES[item.reviewStatus],
                )}
              >
                {review(`review.${item.reviewStatus}`)}
              </span>
              <span className="text-slate-700">{item.campaignName}</span>
              <span className="text-slate-600">
                {item.task === "dialogue" ? t("yourDialogue") : t("ratedPair")} ·{" "}
                {labels.strength(item.strength)} · {format.duration(item.timeSpentMs)} ·{" "}
                <time dateTime={item.createdAt.toISOString()}>{utc(item.createdAt)}</time>
              </span>
            </div>
            <p className="mt-1 break-words">
              <Link href={`/review/${item.id}`} className="text-indigo-700 hover:underline">
                {item.userMessage}
              </Link>
            </p>
          </li>
        ))}
      </ul>
      {history.data && (
        <Pager
          page={history.data.page}
          pageCount={history.data.pageCount}
          onPage={setPage}
          label={t("historyPages")}
        />
      )}
    </Card>
  );
}
