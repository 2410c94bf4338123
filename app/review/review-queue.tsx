"use client";
// The reviewer's queue: a campaign's comparisons by review status, oldest pending first.
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { STRENGTH_LABELS } from "@/lib/constants";
import { Alert, Card, SelectField } from "../_components/ui";
import { errorMessage, useTRPC } from "../_lib/trpc";
import { Pager } from "../_components/pager";

type Status = "pending" | "accepted" | "rejected";

export function ReviewQueue() {
  const trpc = useTRPC();
  const campaigns = useQuery(trpc.review.campaigns.queryOptions());
  const [chosen, setChosen] = useState("");
  const [status, setStatus] = useState<Status>("pending");
  const [page, setPage] = useState(1);
  const campaignId = chosen || campaigns.data?.[0]?.id || "";
  const queue = useQuery({
    ...trpc.review.queue.queryOptions({ campaignId, status, page, pageSize: 25 }),
    enabled: campaignId !== "",
  });
  if (campaigns.error) return <Alert>{errorMessage(campaigns.error)}</Alert>;
  if (campaigns.data?.length === 0) return <Alert tone="info">No campaign has data to review yet.</Alert>;
  return (
    <Card>
      <div className="mb-4 grid gap-4 sm:grid-cols-2">
        <SelectField
          id="review-campaign"
          label="Campaign"
          value={campaignId}
          onChange={(event) => {
            setChosen(event.target.value);
            setPage(1);
          }}
        >
          {campaigns.data?.map((campaign) => (
            <option key={campaign.id} value={campaign.id}>
              {campaign.name}
            </option>
          ))}
        </SelectField>
        <SelectField
          id="review-status"
          label="Show"
          value={status}
          onChange={(event) => {
            setStatus(event.target.value as Status);
            setPage(1);
          }}
        >
          <option value="pending">Not reviewed yet</option>
          <option value="accepted">Accepted</option>
          <option value="rejected">Rejected</option>
        </SelectField>
      </div>
      {queue.error && <Alert>{errorMessage(queue.error)}</Alert>}
      {queue.data && (
        <p className="mb-2 text-sm text-slate-600">
          {queue.data.total.toLocaleString("en-US")} comparison{queue.data.total === 1 ? "" : "s"}
        </p>
      )}
      <div className="overflow-x-auto">
        <table className="min-w-full divide-y divide-slate-200 text-sm">
          <caption className="sr-only">Comparisons to review</caption>
          <thead>
            <tr className="text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
              <th scope="col" className="py-2 pr-4">
                Prompt
              </th>
              <th scope="col" className="py-2 pr-4">
                Annotator
              </th>
              <th scope="col" className="py-2 pr-4">
                Batch
              </th>
              <th scope="col" className="py-2 pr-4">
                Strength
              </th>
              <th scope="col" className="py-2">
                Submitted
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {queue.data?.items.length === 0 && (
              <tr>
                <td colSpan={5} className="py-6 text-center text-slate-500">
                  Nothing here.
                </td>
              </tr>
            )}
            {queue.data?.items.map((item) => (
              <tr key={item.id}>
                <td className="max-w-md truncate py-2 pr-4">
                  <Link href={`/review/${item.id}`} className="text-indigo-700 hover:underline">
                    {item.userMessage}
                  </Link>
                  {item.isGold && (
                    <span className="ml-2 rounded bg-amber-100 px-1.5 text-xs text-amber-800">gold</span>
                  )}
                </td>
                <td className="py-2 pr-4 text-slate-700">{item.annotatorEmail}</td>
                <td className="py-2 pr-4 tabular-nums">{item.batchNumber}</td>
                <td className="py-2 pr-4">{STRENGTH_LABELS[item.strength]}</td>
                <td className="py-2 whitespace-nowrap text-slate-600">
                  {item.createdAt.toISOString().replace("T", " ").slice(0, 16)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {queue.data && <Pager page={queue.data.page} pageCount={queue.data.pageCount} onPage={setPage} />}
    </Card>
  );
}
