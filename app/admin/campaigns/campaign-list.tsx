"use client";
// The campaign list: filter by status or name, newest first, paginated.
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { Alert, Card, SelectField, TextField } from "../../_components/ui";
import { errorMessage, useTRPC } from "../../_lib/trpc";
import { Pager } from "../../_components/pager";
import { StatusBadge } from "./_components/status-badge";
import { useCampaignFormat } from "./_components/use-campaign-format";

type StatusFilter = "" | "all" | "draft" | "active" | "paused" | "archived";

export function CampaignList() {
  const trpc = useTRPC();
  const t = useTranslations("CampaignList");
  const format = useCampaignFormat();
  const [page, setPage] = useState(1);
  const [status, setStatus] = useState<StatusFilter>("");
  const [search, setSearch] = useState("");
  const list = useQuery(
    trpc.campaigns.list.queryOptions({
      page,
      pageSize: 25,
      status: status || undefined,
      search: search || undefined,
    }),
  );
  return (
    <Card>
      <div className="mb-4 grid gap-4 sm:grid-cols-[2fr_1fr]">
        <TextField
          id="campaign-search"
          label={t("search")}
          type="search"
          value={search}
          onChange={(event) => {
            setSearch(event.target.value);
            setPage(1);
          }}
        />
        <SelectField
          id="campaign-status-filter"
          label={t("status")}
          value={status}
          onChange={(event) => {
            setStatus(event.target.value as StatusFilter);
            setPage(1);
          }}
        >
          <option value="">{t("notArchived")}</option>
          <option value="all">{t("all")}</option>
          {(["draft", "active", "paused", "archived"] as const).map((value) => (
            <option key={value} value={value}>
              {format.status(value)}
            </option>
          ))}
        </SelectField>
      </div>
      {list.error && <Alert>{errorMessage(list.error)}</Alert>}
      <div className="overflow-x-auto">
        <table className="min-w-full divide-y divide-slate-200 text-sm">
          <caption className="sr-only">{t("caption")}</caption>
          <thead>
            <tr className="text-start text-xs font-semibold uppercase tracking-wide text-slate-500">
              <th scope="col" className="py-2 pe-4">
                {t("name")}
              </th>
              <th scope="col" className="py-2 pe-4">
                {t("kind")}
              </th>
              <th scope="col" className="py-2 pe-4">
                {t("status")}
              </th>
              <th scope="col" className="py-2 pe-4">
                {t("openBatch")}
              </th>
              <th scope="col" className="py-2 text-end">
                {t("comparisons")}
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {list.isPending && (
              <tr>
                <td colSpan={5} className="py-6 text-center text-slate-500">
                  {t("loading")}
                </td>
              </tr>
            )}
            {list.data?.items.length === 0 && (
              <tr>
                <td colSpan={5} className="py-6 text-center text-slate-500">
                  {t("empty")}
                </td>
              </tr>
            )}
            {list.data?.items.map((campaign) => (
              <tr key={campaign.id}>
                <td className="py-2 pe-4 font-medium">
                  <Link href={`/admin/campaigns/${campaign.id}`} className="text-indigo-700 hover:underline">
                    {campaign.name}
                  </Link>
                </td>
                <td className="py-2 pe-4 text-slate-700">{format.kind(campaign.kind)}</td>
                <td className="py-2 pe-4">
                  <StatusBadge status={campaign.status} />
                </td>
                <td className="py-2 pe-4 text-slate-700">
                  {campaign.openBatch
                    ? campaign.openBatch.label || t("batch", { number: campaign.openBatch.number })
                    : "—"}
                </td>
                <td className="py-2 text-end tabular-nums">{format.count(campaign.comparisons)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {list.data && <Pager page={list.data.page} pageCount={list.data.pageCount} onPage={setPage} />}
    </Card>
  );
}
