"use client";
// The campaign dashboard: headline figures, charts, a table per batch and the per-annotator
// table (sortable, paginated), for the whole campaign or one batch.
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Alert, Card, SelectField } from "../../../../_components/ui";
import { errorMessage, useTRPC } from "../../../../_lib/trpc";
import { percent, seconds } from "../../_components/labels";
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

const alphaText = (value: number | null | undefined) =>
  value === null || value === undefined ? "—" : value.toFixed(2);

export function CampaignDashboard({ campaignId }: { campaignId: string }) {
  const trpc = useTRPC();
  const [batchId, setBatchId] = useState("");
  const dashboard = useQuery(trpc.dashboard.get.queryOptions({ campaignId, batchId: batchId || undefined }));
  if (dashboard.error) return <Alert>{errorMessage(dashboard.error)}</Alert>;
  if (!dashboard.data) return <p className="text-sm text-slate-500">Loading the dashboard…</p>;
  const data = dashboard.data;
  const reviewed = data.totals.review.accepted + data.totals.review.rejected;
  return (
    <div className="space-y-6">
      <div className="max-w-xs">
        <SelectField
          id="dashboard-batch"
          label="Batch"
          value={batchId}
          onChange={(event) => setBatchId(event.target.value)}
        >
          <option value="">All batches</option>
          {data.batches.map((batch) => (
            <option key={batch.id} value={batch.id}>
              {batch.number}. {batch.label}
            </option>
          ))}
        </SelectField>
      </div>

      <div role="group" aria-label="Figures" className="grid gap-4 sm:grid-cols-3 lg:grid-cols-6">
        <Stat label="Comparisons" value={data.totals.comparisons.toLocaleString("en-US")} />
        <Stat
          label="Second ratings"
          value={data.totals.pairRatings.toLocaleString("en-US")}
          hint="overlap and gold"
        />
        <Stat label="Median time" value={seconds(data.totals.medianTimeMs)} />
        <Stat
          label="Agreement"
          value={percent(data.agreement.percentAgreement)}
          hint={`${data.agreement.items} overlap items`}
        />
        <Stat
          label="Krippendorff's α"
          value={alphaText(data.agreement.alpha)}
          hint="ordinal, signed strength"
        />
        <Stat
          label="Gold accuracy"
          value={percent(data.gold.accuracy)}
          hint={`${data.gold.rated} gold ratings`}
        />
      </div>
      <p className="text-sm text-slate-600">
        Reviewed {reviewed.toLocaleString("en-US")}: {data.totals.review.accepted.toLocaleString("en-US")}{" "}
        accepted, {data.totals.review.rejected.toLocaleString("en-US")} rejected;{" "}
        {data.totals.review.pending.toLocaleString("en-US")} not reviewed.
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

      <Card title="Batches">
        <div className="overflow-x-auto">
          <table className="min-w-full divide-y divide-slate-200 text-sm">
            <caption className="sr-only">Figures per batch</caption>
            <thead>
              <tr className="text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
                <th scope="col" className="py-2 pr-4">
                  Batch
                </th>
                <th scope="col" className="py-2 pr-4 text-right">
                  Comparisons
                </th>
                <th scope="col" className="py-2 pr-4 text-right">
                  Second ratings
                </th>
                <th scope="col" className="py-2 pr-4 text-right">
                  Median time
                </th>
                <th scope="col" className="py-2 pr-4 text-right">
                  Overlap items
                </th>
                <th scope="col" className="py-2 pr-4 text-right">
                  Agreement
                </th>
                <th scope="col" className="py-2 text-right">
                  α
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {data.perBatch.map((batch) => (
                <tr key={batch.batchId}>
                  <td className="py-2 pr-4 font-medium">{batch.label}</td>
                  <td className="py-2 pr-4 text-right tabular-nums">
                    {batch.comparisons.toLocaleString("en-US")}
                  </td>
                  <td className="py-2 pr-4 text-right tabular-nums">
                    {batch.pairRatings.toLocaleString("en-US")}
                  </td>
                  <td className="py-2 pr-4 text-right tabular-nums">{seconds(batch.medianTimeMs)}</td>
                  <td className="py-2 pr-4 text-right tabular-nums">{batch.agreement.items}</td>
                  <td className="py-2 pr-4 text-right tabular-nums">
                    {percent(batch.agreement.percentAgreement)}
                  </td>
                  <td className="py-2 text-right tabular-nums">{alphaText(batch.agreement.alpha)}</td>
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

const COLUMNS: { key: SortKey; label: string; numeric: boolean }[] = [
  { key: "email", label: "Annotator", numeric: false },
  { key: "comparisons", label: "Comparisons", numeric: true },
  { key: "pairRatings", label: "Second ratings", numeric: true },
  { key: "medianTimeMs", label: "Median time", numeric: true },
  { key: "skipReportRate", label: "Skip / report rate", numeric: true },
  { key: "agreement", label: "Agreement", numeric: true },
  { key: "alpha", label: "α", numeric: true },
  { key: "goldAccuracy", label: "Gold accuracy", numeric: true },
  { key: "rejected", label: "Rejected", numeric: true },
  { key: "rejectionRate", label: "Rejection rate", numeric: true },
];

function AnnotatorTable({ campaignId, batchId }: { campaignId: string; batchId?: string }) {
  const trpc = useTRPC();
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
    <Card title="Annotators" description="Click a column heading to sort by it.">
      {table.error && <Alert>{errorMessage(table.error)}</Alert>}
      <div className="overflow-x-auto">
        <table className="min-w-full divide-y divide-slate-200 text-sm">
          <caption className="sr-only">Annotators</caption>
          <thead>
            <tr className="text-xs font-semibold uppercase tracking-wide text-slate-500">
              {COLUMNS.map((column) => (
                <th
                  key={column.key}
                  scope="col"
                  aria-sort={
                    sort === column.key ? (direction === "asc" ? "ascending" : "descending") : "none"
                  }
                  className={`py-2 pr-4 ${column.numeric ? "text-right" : "text-left"}`}
                >
                  <button
                    type="button"
                    onClick={() => sortBy(column.key)}
                    className="uppercase hover:text-slate-900"
                  >
                    {column.label}
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
                  Nobody has worked in this campaign yet.
                </td>
              </tr>
            )}
            {table.data?.items.map((row) => (
              <tr key={row.annotatorId}>
                <td className="py-2 pr-4 font-medium">{row.email}</td>
                <td className="py-2 pr-4 text-right tabular-nums">
                  {row.comparisons.toLocaleString("en-US")}
                </td>
                <td className="py-2 pr-4 text-right tabular-nums">
                  {row.pairRatings.toLocaleString("en-US")}
                </td>
                <td className="py-2 pr-4 text-right tabular-nums">{seconds(row.medianTimeMs)}</td>
                <td className="py-2 pr-4 text-right tabular-nums">{percent(row.skipReportRate, 1)}</td>
                <td className="py-2 pr-4 text-right tabular-nums">
                  {percent(row.agreement)}
                  {row.agreementItems > 0 && (
                    <span className="text-xs text-slate-500"> ({row.agreementItems})</span>
                  )}
                </td>
                <td className="py-2 pr-4 text-right tabular-nums">{alphaText(row.alpha)}</td>
                <td className="py-2 pr-4 text-right tabular-nums">
                  {percent(row.goldAccuracy)}
                  {row.goldRated > 0 && <span className="text-xs text-slate-500"> ({row.goldRated})</span>}
                </td>
                <td className="py-2 pr-4 text-right tabular-nums">{row.rejected}</td>
                <td className="py-2 text-right tabular-nums">{percent(row.rejectionRate)}</td>
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
          label="Annotator pages"
        />
      )}
    </Card>
  );
}
