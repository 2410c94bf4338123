"use client";
// The reviewer's queue: comparisons of one campaign or all of them, by review status, oldest
// pending first. The filter lives in the URL, so "Back to the queue" and the browser's Back
// return to the same view.
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { STRENGTH_LABELS } from "@/lib/constants";
import { plural } from "@/lib/plural";
import { Alert, Card, SelectField } from "../_components/ui";
import { errorMessage, useTRPC } from "../_lib/trpc";
import { Pager } from "../_components/pager";
import { queueFilterOf, queueQueryOf, type QueueFilter } from "./queue-filter";

export function ReviewQueue() {
  const trpc = useTRPC();
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
  if (campaigns.data?.length === 0) return <Alert tone="info">No campaign has data to review yet.</Alert>;
  return (
    <Card>
      <div className="mb-4 grid gap-4 sm:grid-cols-3">
        <SelectField
          id="review-campaign"
          label="Campaign"
          value={filter.campaignId ?? ""}
          onChange={(event) => show({ campaignId: event.target.value || undefined })}
        >
          <option value="">All campaigns</option>
          {campaigns.data?.map((campaign) => (
            <option key={campaign.id} value={campaign.id}>
              {campaign.name}
            </option>
          ))}
        </SelectField>
        <SelectField
          id="review-status"
          label="Show"
          value={filter.status}
          onChange={(event) => show({ status: event.target.value as QueueFilter["status"] })}
        >
          <option value="pending">Not reviewed yet</option>
          <option value="accepted">Accepted</option>
          <option value="rejected">Rejected</option>
        </SelectField>
        <SelectField
          id="review-order"
          label="Order"
          value={filter.order}
          onChange={(event) => show({ order: event.target.value as QueueFilter["order"] })}
        >
          <option value="submitted">By submit time</option>
          <option value="judge-disagreement">LLM judge disagrees first</option>
        </SelectField>
      </div>
      {queue.error && <Alert>{errorMessage(queue.error)}</Alert>}
      {filter.annotatorId && (
        <p className="mb-2 text-sm text-slate-600">
          One annotator&apos;s comparisons only.{" "}
          <button
            type="button"
            className="text-indigo-700 underline"
            onClick={() => show({ annotatorId: undefined })}
          >
            Show every annotator&apos;s
          </button>
        </p>
      )}
      {queue.data && <p className="mb-2 text-sm text-slate-600">{plural(queue.data.total, "comparison")}</p>}
      <div className="overflow-x-auto">
        <table className="min-w-full divide-y divide-slate-200 text-sm">
          <caption className="sr-only">Comparisons to review</caption>
          <thead>
            <tr className="text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
              <th scope="col" className="py-2 pr-4">
                Prompt
              </th>
              <th scope="col" className="py-2 pr-4">
                Campaign
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
                <td colSpan={6} className="py-6 text-center text-slate-500">
                  {filter.status === "pending" ? "Nothing left to review here." : "Nothing here."}
                </td>
              </tr>
            )}
            {queue.data?.items.map((item) => (
              <tr key={item.id}>
                <td className="max-w-md truncate py-2 pr-4">
                  <Link href={`/review/${item.id}?from=${from}`} className="text-indigo-700 hover:underline">
                    {item.userMessage}
                  </Link>
                  {item.isChosenUnsafe && (
                    <span
                      className="ml-2 rounded bg-red-50 px-1.5 text-xs text-red-700"
                      title="The annotator preferred a response they marked unsafe"
                    >
                      unsafe chosen
                    </span>
                  )}
                  {item.isGold && (
                    <span className="ml-2 rounded bg-amber-100 px-1.5 text-xs text-amber-800">gold</span>
                  )}
                </td>
                <td className="py-2 pr-4 text-slate-700">{item.campaignName}</td>
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
      {queue.data && (
        <Pager page={queue.data.page} pageCount={queue.data.pageCount} onPage={(page) => show({ page })} />
      )}
    </Card>
  );
}
