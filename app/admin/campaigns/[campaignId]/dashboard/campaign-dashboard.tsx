"use client";
// The campaign dashboard: headline figures, charts, a table per batch and the per-annotator
// table (sortable, paginated), for the whole campaign or one batch.
import { useQuery } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { Alert, Card, SelectField } from "../../../../_components/ui";
import { errorMessage, useTRPC } from "../../../../_lib/trpc";
import { useCampaignFormat } from "../../_components/use-campaign-format";
import { Pager } from "../../../../_components/pager";
import { MedianTimeChart, PerBatchChart, PerDayChart, SafetyBinChart, StrengthChart } from "./charts";

type SortKey =
  | "email"
  | "comparisons"
  | "pairRatings"
  | "medianTimeMs"
  | "skipReportRate"
  | "agreement"
  | "alpha"
  | "goldAccuracy"
  | "rejected"
  | "rejectionRate";

function Stat({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <div
      role="group"
      aria-label={label}
      className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm"
    >
      {/* A list of its own: a named group may not stand between a <dl> and its terms. */}
      <dl>
        <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</dt>
        <dd className="mt-1 text-2xl font-semibold tabular-nums text-slate-900">{value}</dd>
        {hint && <dd className="text-xs text-slate-500">{hint}</dd>}
      </dl>
    </div>
  );
}

export function CampaignDashboard({ campaignId }: { campaignId: string }) {
  const trpc = useTRPC();
  const t = useTranslations("CampaignDashboard");
  const format = useCampaignFormat();
  const alphaText = useAlphaText();
  const [batchId, setBatchId] = useState("");
  const dashboard = useQuery(trpc.dashboard.get.queryOptions({ campaignId, batchId: batchId || undefined }));
  if (dashboard.error) return <Alert>{errorMessage(dashboard.error)}</Alert>;
  if (!dashboard.data) return <p className="text-sm text-slate-500">{t("loading")}</p>;
  const data = dashboard.data;
  const reviewed = data.totals.review.accepted + data.totals.review.rejected;
  return (
    <div className="space-y-6">
      <div className="max-w-xs">
        <SelectField
          id="dashboard-batch"
          label={t("batch")}
          value={batchId}
          onChange={(event) => setBatchId(event.target.value)}
        >
          <option value="">{t("allBatches")}</option>
          {data.batches.map((batch) => (
            <option key={batch.id} value={batch.id}>
              {format.count(batch.number)}. {batch.label}
            </option>
          ))}
        </SelectField>
      </div>

      <div role="group" aria-label={t("figures")} className="grid gap-4 sm:grid-cols-3 lg:grid-cols-6">
        <Stat label={t("comparisons")} value={format.count(data.totals.comparisons)} />
        <Stat
          label={t("secondRatings")}
          value={format.count(data.totals.pairRatings)}
          hint={t("secondRatingsHint")}
        />
        <Stat label={t("medianTime")} value={format.seconds(data.totals.medianTimeMs)} />
        <Stat
          label={t("agreement")}
          value={format.percent(data.agreement.percentAgreement)}
          hint={t("overlapItems", { count: data.agreement.items })}
        />
        <Stat label={t("alpha")} value={alphaText(data.agreement.alpha)} hint={t("alphaHint")} />
        <Stat
          label={t("goldAccuracy")}
          value={format.percent(data.gold.accuracy)}
          hint={t("goldRatings", { count: data.gold.rated })}
        />
      </div>
      <p className="text-sm text-slate-600">
        {t("reviewed", {
          reviewed,
          accepted: data.totals.review.accepted,
          rejected: data.totals.review.rejected,
          pending: data.totals.review.pending,
        })}
      </p>

      <div className="grid gap-4 lg:grid-cols-2">
        <PerDayChart data={data.perDay} />
        <PerBatchChart data={data.perBatch} />
        <StrengthChart data={data.perBatch} />
        {data.campaign.kind === "safety" ? (
          <SafetyBinChart data={data.safetyBins} />
        ) : (
          <MedianTimeChart data={data.perBatch} />
        )}
        {data.campaign.kind === "safety" && <MedianTimeChart data={data.perBatch} />}
      </div>

      <Card title={t("batches")}>
        <div className="overflow-x-auto">
          <table className="min-w-full divide-y divide-slate-200 text-sm">
            <caption className="sr-only">{t("perBatch")}</caption>
            <thead>
              <tr className="text-start text-xs font-semibold uppercase tracking-wide text-slate-500">
                <th scope="col" className="py-2 pe-4">
                  {t("batch")}
                </th>
                <th scope="col" className="py-2 pe-4 text-end">
                  {t("comparisons")}
                </th>
                <th scope="col" className="py-2 pe-4 text-end">
                  {t("secondRatings")}
                </th>
                <th scope="col" className="py-2 pe-4 text-end">
                  {t("medianTime")}
                </th>
                <th scope="col" className="py-2 pe-4 text-end">
                  {t("overlapItemsColumn")}
                </th>
                <th scope="col" className="py-2 pe-4 text-end">
                  {t("agreement")}
                </th>
                <th scope="col" className="py-2 text-end">
                  {t("alphaShort")}
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {data.perBatch.map((batch) => (
                <tr key={batch.batchId}>
                  <td className="py-2 pe-4 font-medium">{batch.label}</td>
                  <td className="py-2 pe-4 text-end tabular-nums">{format.count(batch.comparisons)}</td>
                  <td className="py-2 pe-4 text-end tabular-nums">{format.count(batch.pairRatings)}</td>
                  <td className="py-2 pe-4 text-end tabular-nums">{format.seconds(batch.medianTimeMs)}</td>
                  <td className="py-2 pe-4 text-end tabular-nums">{format.count(batch.agreement.items)}</td>
                  <td className="py-2 pe-4 text-end tabular-nums">
                    {format.percent(batch.agreement.percentAgreement)}
                  </td>
                  <td className="py-2 text-end tabular-nums">{alphaText(batch.agreement.alpha)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Card>

      <AnnotatorTable campaignId={campaignId} batchId={batchId || undefined} />
    </div>
  );
}

/** Krippendorff's α to two decimals, a dash when there is none. */
function useAlphaText() {
  const format = useCampaignFormat();
  return (value: number | null | undefined) =>
    value === null || value === undefined ? "—" : format.number(value, 2);
}

/** The annotator table's columns; `label` is the heading's message key. */
const COLUMNS: { key: SortKey; label: string; numeric: boolean }[] = [
  { key: "email", label: "annotator", numeric: false },
  { key: "comparisons", label: "comparisons", numeric: true },
  { key: "pairRatings", label: "secondRatings", numeric: true },
  { key: "medianTimeMs", label: "medianTime", numeric: true },
  { key: "skipReportRate", label: "skipReportRate", numeric: true },
  { key: "agreement", label: "agreement", numeric: true },
  { key: "alpha", label: "alphaShort", numeric: true },
  { key: "goldAccuracy", label: "goldAccuracy", numeric: true },
  { key: "rejected", label: "rejected", numeric: true },
  { key: "rejectionRate", label: "rejectionRate", numeric: true },
];

function AnnotatorTable({ campaignId, batchId }: { campaignId: string; batchId?: string }) {
  const trpc = useTRPC();
  const t = useTranslations("CampaignDashboard");
  const format = useCampaignFormat();
  const alphaText = useAlphaText();
  const [sort, setSort] = useState<SortKey>("comparisons");
  const [direction, setDirection] = useState<"asc" | "desc">("desc");
  const [page, setPage] = useState(1);
  const table = useQuery(
    trpc.dashboard.annotators.queryOptions({ campaignId, batchId, sort, direction, page, pageSize: 25 }),
  );
  function sortBy(key: SortKey) {
    if (key === sort) setDirection(direction === "asc" ? "desc" : "asc");
    else {
      setSort(key);
      setDirection(key === "email" ? "asc" : "desc");
    }
    setPage(1);
  }
  return (
    <Card title={t("annotators")} description={t("sortHint")}>
      {table.error && <Alert>{errorMessage(table.error)}</Alert>}
      <div className="overflow-x-auto">
        <table className="min-w-full divide-y divide-slate-200 text-sm">
          <caption className="sr-only">{t("annotators")}</caption>
          <thead>
            <tr className="text-xs font-semibold uppercase tracking-wide text-slate-500">
              {COLUMNS.map((column) => (
                <th
                  key={column.key}
                  scope="col"
                  aria-sort={
                    sort === column.key ? (direction === "asc" ? "ascending" : "descending") : "none"
                  }
                  className={`py-2 pe-4 ${column.numeric ? "text-end" : "text-start"}`}
                >
                  <button
                    type="button"
                    onClick={() => sortBy(column.key)}
                    className="uppercase hover:text-slate-900"
                  >
                    {t(column.label)}
                    {sort === column.key ? (direction === "asc" ? " ↑" : " ↓") : ""}
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {table.data?.items.length === 0 && (
              <tr>
                <td colSpan={COLUMNS.length} className="py-6 text-center text-slate-500">
                  {t("nobody")}
                </td>
              </tr>
            )}
            {table.data?.items.map((row) => (
              <tr key={row.annotatorId}>
                <td className="py-2 pe-4 font-medium">{row.email}</td>
                <td className="py-2 pe-4 text-end tabular-nums">{format.count(row.comparisons)}</td>
                <td className="py-2 pe-4 text-end tabular-nums">{format.count(row.pairRatings)}</td>
                <td className="py-2 pe-4 text-end tabular-nums">{format.seconds(row.medianTimeMs)}</td>
                <td className="py-2 pe-4 text-end tabular-nums">{format.percent(row.skipReportRate, 1)}</td>
                <td className="py-2 pe-4 text-end tabular-nums">
                  {format.percent(row.agreement)}
                  {row.agreementItems > 0 && (
                    <span className="text-xs text-slate-500"> ({format.count(row.agreementItems)})</span>
                  )}
                </td>
                <td className="py-2 pe-4 text-end tabular-nums">{alphaText(row.alpha)}</td>
                <td className="py-2 pe-4 text-end tabular-nums">
                  {format.percent(row.goldAccuracy)}
                  {row.goldRated > 0 && (
                    <span className="text-xs text-slate-500"> ({format.count(row.goldRated)})</span>
                  )}
                </td>
                <td className="py-2 pe-4 text-end tabular-nums">{format.count(row.rejected)}</td>
                <td className="py-2 text-end tabular-nums">{format.percent(row.rejectionRate)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {table.data && (
        <Pager
          page={table.data.page}
          pageCount={table.data.pageCount}
          onPage={setPage}
          label={t("annotatorPages")}
        />
      )}
    </Card>
  );
}
