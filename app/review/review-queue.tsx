"use client";
// The reviewer's queue: comparisons of one campaign or all of them, by review status, oldest
// pending first. The filter lives in the URL, so "Back to the queue" and the browser's Back
// return to the same view.
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useTranslations } from "next-intl";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { Alert, Card, SelectField } from "../_components/ui";
import { useErrorText } from "../_lib/error-text";
import { useTRPC } from "../_lib/trpc";
import { useUtc } from "../_lib/use-utc";
import { useLabels } from "../annotate/_components/use-labels";
import { Pager } from "../_components/pager";
import { queueFilterOf, queueQueryOf, type QueueFilter } from "./queue-filter";

export function ReviewQueue() {
  const errorMessage = useErrorText();
  const trpc = useTRPC();
  const t = useTranslations("Review");
  const labels = useLabels();
  const utc = useUtc();
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const campaigns = useQuery(trpc.review.campaigns.queryOptions());
  const filter = queueFilterOf(searchParams);
  const queue = useQuery(trpc.review.queue.queryOptions({ ...filter, pageSize: 25 }));
  const show = (change: Partial<QueueFilter>) => {
    const next = { ...filter, page: 1, ...change };
    router.replace(`${pathname}?${queueQueryOf(next)}`, { scroll: false });
  };
  /** Each comparison remembers the queue it was opened from, for "Back" and "Accept & next". */
  const from = encodeURIComponent(queueQueryOf(filter));
  if (campaigns.error) return <Alert>{errorMessage(campaigns.error)}</Alert>;
  if (campaigns.data?.length === 0) return <Alert tone="info">{t("noCampaign")}</Alert>;
  return (
    <Card>
      <div className="mb-4 grid gap-4 sm:grid-cols-3">
        <SelectField
          id="review-campaign"
          label={t("campaign")}
          value={filter.campaignId ?? ""}
          onChange={(event) => show({ campaignId: event.target.value || undefined })}
        >
          <option value="">{t("allCampaigns")}</option>
          {campaigns.data?.map((campaign) => (
            <option key={campaign.id} value={campaign.id}>
              {campaign.name}
            </option>
          ))}
        </SelectField>
        <SelectField
          id="review-status"
          label={t("show")}
          value={filter.status}
          onChange={(event) => show({ status: event.target.value as QueueFilter["status"] })}
        >
          <option value="pending">{t("decision.pending")}</option>
          <option value="accepted">{t("decision.accepted")}</option>
          <option value="rejected">{t("decision.rejected")}</option>
        </SelectField>
        <SelectField
          id="review-order"
          label={t("order")}
          value={filter.order}
          onChange={(event) => show({ order: event.target.value as QueueFilter["order"] })}
        >
          <option value="submitted">{t("bySubmitTime")}</option>
          <option value="judge-disagreement">{t("judgeDisagreesFirst")}</option>
        </SelectField>
      </div>
      {queue.error && <Alert>{errorMessage(queue.error)}</Alert>}
      {filter.annotatorId && (
        <p className="mb-2 text-sm text-slate-600">
          {t("oneAnnotator")}{" "}
          <button
            type="button"
            className="text-indigo-700 underline"
            onClick={() => show({ annotatorId: undefined })}
          >
            {t("everyAnnotator")}
          </button>
        </p>
      )}
      {queue.data && (
        <p className="mb-2 text-sm text-slate-600">{t("comparisons", { count: queue.data.total })}</p>
      )}
      <div className="overflow-x-auto">
        <table className="min-w-full divide-y divide-slate-200 text-sm">
          <caption className="sr-only">{t("caption")}</caption>
          <thead>
            <tr className="text-start text-xs font-semibold uppercase tracking-wide text-slate-500">
              <th scope="col" className="py-2 pe-4">
                {t("prompt")}
              </th>
              <th scope="col" className="py-2 pe-4">
                {t("campaign")}
              </th>
              <th scope="col" className="py-2 pe-4">
                {t("annotator")}
              </th>
              <th scope="col" className="py-2 pe-4">
                {t("batch")}
              </th>
              <th scope="col" className="py-2 pe-4">
                {t("strength")}
              </th>
              <th scope="col" className="py-2">
                {t("submitted")}
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {queue.data?.items.length === 0 && (
              <tr>
                <td colSpan={6} className="py-6 text-center text-slate-500">
                  {filter.status === "pending" ? t("nothingLeft") : t("nothing")}
                </td>
              </tr>
            )}
            {queue.data?.items.map((item) => (
              <tr key={item.id}>
                <td className="max-w-md truncate py-2 pe-4">
                  <Link href={`/review/${item.id}?from=${from}`} className="text-indigo-700 hover:underline">
                    {item.userMessage}
                  </Link>
                  {item.isChosenUnsafe && (
                    <span
                      className="ms-2 rounded bg-red-50 px-1.5 text-xs text-red-700"
                      title={t("unsafeChosenTitle")}
                    >
                      {t("unsafeChosen")}
                    </span>
                  )}
                  {item.isGold && (
                    <span className="ms-2 rounded bg-amber-100 px-1.5 text-xs text-amber-800">
                      {t("gold")}
                    </span>
                  )}
                </td>
                <td className="py-2 pe-4 text-slate-700">{item.campaignName}</td>
                <td className="py-2 pe-4 text-slate-700">{item.annotatorEmail}</td>
                <td className="py-2 pe-4 tabular-nums">{item.batchNumber}</td>
                <td className="py-2 pe-4">{labels.strength(item.strength)}</td>
                <td className="py-2 whitespace-nowrap text-slate-600">{utc(item.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {queue.data && (
        <Pager page={queue.data.page} pageCount={queue.data.pageCount} onPage={(page) => show({ page })} />
      )}
    </Card>
  );
}
