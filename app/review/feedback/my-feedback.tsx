"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { Alert, Card, cx } from "../../_components/ui";
import { errorMessage, useTRPC } from "../../_lib/trpc";
import { Pager } from "../../_components/pager";

export function MyFeedback() {
  const trpc = useTRPC();
  const [page, setPage] = useState(1);
  const feedback = useQuery(trpc.review.myFeedback.queryOptions({ page, pageSize: 25 }));
  return (
    <Card>
      {feedback.error && <Alert>{errorMessage(feedback.error)}</Alert>}
      {feedback.data?.items.length === 0 && (
        <p className="text-sm text-slate-500">No reviews of your work yet.</p>
      )}
      <ul className="divide-y divide-slate-100">
        {feedback.data?.items.map((item) => (
          <li key={item.id} className="py-3 text-sm">
            <div className="flex flex-wrap items-center gap-2">
              <span
                className={cx(
                  "rounded-full px-2 py-0.5 text-xs font-medium",
                  item.decision === "rejected" ? "bg-red-50 text-red-700" : "bg-emerald-50 text-emerald-700",
                )}
              >
                {item.decision === "rejected" ? "Rejected" : "Accepted"}
              </span>
              <span className="text-slate-600">{item.campaignName}</span>
              <span className="text-slate-500">
                {item.createdAt.toISOString().replace("T", " ").slice(0, 16)} UTC
              </span>
            </div>
            <p className="mt-1">
              <Link href={`/review/${item.comparisonId}`} className="text-indigo-700 hover:underline">
                {item.userMessage}
              </Link>
            </p>
            {item.comment && <p className="mt-1 rounded-md bg-slate-50 p-2 text-slate-700">{item.comment}</p>}
          </li>
        ))}
      </ul>
      {feedback.data && (
        <Pager page={feedback.data.page} pageCount={feedback.data.pageCount} onPage={setPage} />
      )}
    </Card>
  );
}
