"use client";
// The campaign list: filter by status or name, newest first, paginated.
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { Alert, Card, SelectField, TextField } from "../../_components/ui";
import { errorMessage, useTRPC } from "../../_lib/trpc";
import { KIND_LABELS } from "./_components/labels";
import { Pager } from "../../_components/pager";
import { StatusBadge } from "./_components/status-badge";

type StatusFilter = "" | "all" | "draft" | "active" | "paused" | "archived";

export function CampaignList() {
  const trpc = useTRPC();
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
          label="Search by name"
          type="search"
          value={search}
          onChange={(event) => {
            setSearch(event.target.value);
            setPage(1);
          }}
        />
        <SelectField
          id="campaign-status-filter"
          label="Status"
          value={status}
          onChange={(event) => {
            setStatus(event.target.value as StatusFilter);
            setPage(1);
          }}
        >
          <option value="">Not archived</option>
          <option value="all">All</option>
          <option value="draft">Draft</option>
          <option value="active">Collecting</option>
          <option value="paused">Paused</option>
          <option value="archived">Archived</option>
        </SelectField>
      </div>
      {list.error && <Alert>{errorMessage(list.error)}</Alert>}
      <div className="overflow-x-auto">
        <table className="min-w-full divide-y divide-slate-200 text-sm">
          <caption className="sr-only">Campaigns</caption>
          <thead>
            <tr className="text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
              <th scope="col" className="py-2 pr-4">
                Name
              </th>
              <th scope="col" className="py-2 pr-4">
                Kind
              </th>
              <th scope="col" className="py-2 pr-4">
                Status
              </th>
              <th scope="col" className="py-2 pr-4">
                Open batch
              </th>
              <th scope="col" className="py-2 text-right">
                Comparisons
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {list.isPending && (
              <tr>
                <td colSpan={5} className="py-6 text-center text-slate-500">
                  Loading campaigns…
                </td>
              </tr>
            )}
            {list.data?.items.length === 0 && (
              <tr>
                <td colSpan={5} className="py-6 text-center text-slate-500">
                  No campaigns match. Create one to start collecting.
                </td>
              </tr>
            )}
            {list.data?.items.map((campaign) => (
              <tr key={campaign.id}>
                <td className="py-2 pr-4 font-medium">
                  <Link href={`/admin/campaigns/${campaign.id}`} className="text-indigo-700 hover:underline">
                    {campaign.name}
                  </Link>
                </td>
                <td className="py-2 pr-4 text-slate-700">{KIND_LABELS[campaign.kind]}</td>
                <td className="py-2 pr-4">
                  <StatusBadge status={campaign.status} />
                </td>
                <td className="py-2 pr-4 text-slate-700">
                  {campaign.openBatch
                    ? campaign.openBatch.label || `Batch ${campaign.openBatch.number}`
                    : "—"}
                </td>
                <td className="py-2 text-right tabular-nums">
                  {campaign.comparisons.toLocaleString("en-US")}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {list.data && <Pager page={list.data.page} pageCount={list.data.pageCount} onPage={setPage} />}
    </Card>
  );
}
