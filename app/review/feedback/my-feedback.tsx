"use client";
// The annotator's feedback: reviews of their comparisons and the admins' replies to their
// problem reports. Opening it marks everything read (the navigation's badge goes), and what
// arrived since the last visit is marked new.
import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { Alert, Card, cx } from "../../_components/ui";
import { useErrorText } from "../../_lib/error-text";
import { useTRPC } from "../../_lib/trpc";
import { useUtc } from "../../_lib/use-utc";
import { Pager } from "../../_components/pager";

function NewMark({ at, seenAt }: { at: Date | null; seenAt: Date | null | undefined }) {
  // undefined: not known yet (the page is marking the feedback read).
  const t = useTranslations("Feedback");
  if (!at || seenAt === undefined || (seenAt && at <= seenAt)) return null;
  return (
    <span className="rounded-full bg-indigo-600 px-2 py-0.5 text-xs font-medium text-white">{t("new")}</span>
  );
}

export function MyFeedback() {
  const trpc = useTRPC();
  const router = useRouter();
  const markSeen = useMutation(
    trpc.review.markFeedbackSeen.mutationOptions({ onSuccess: () => router.refresh() }),
  );
  const { mutate: markFeedbackSeen } = markSeen;
  useEffect(() => markFeedbackSeen(), [markFeedbackSeen]);
  const seenAt = markSeen.data?.previouslySeenAt;
  return (
    <div className="space-y-6">
      <Reviews seenAt={seenAt} />
      <ProblemReports seenAt={seenAt} />
    </div>
  );
}

function ProblemReports({ seenAt }: { seenAt: Date | null | undefined }) {
  const errorMessage = useErrorText();
  const trpc = useTRPC();
  const t = useTranslations("Feedback");
  const utc = useUtc();
  const [page, setPage] = useState(1);
  const reports = useQuery(trpc.review.myProblemReports.queryOptions({ page, pageSize: 25 }));
  if (reports.data?.total === 0) return null;
  return (
    <Card title={t("reportsTitle")} description={t("reportsDescription")}>
      {reports.error && <Alert>{errorMessage(reports.error)}</Alert>}
      <ul className="divide-y divide-slate-100" aria-label={t("reportsTitle")}>
        {reports.data?.items.map((report) => (
          <li key={report.id} className="py-3 text-sm">
            <div className="flex flex-wrap items-center gap-2">
              <span
                className={cx(
                  "rounded-full px-2 py-0.5 text-xs font-medium",
                  report.resolvedAt ? "bg-emerald-50 text-emerald-700" : "bg-amber-50 text-amber-800",
                )}
              >
                {report.resolvedAt ? t("resolved") : t("open")}
              </span>
              <NewMark at={report.resolvedAt} seenAt={seenAt} />
              <span className="text-slate-600">{report.campaignName}</span>
              <span className="text-slate-500">{t("reportedAt", { date: utc(report.createdAt) })}</span>
            </div>
            <p className="mt-1 text-slate-900">{report.userMessage}</p>
            {report.note && <p className="mt-1 text-slate-600">{t("yourNote", { note: report.note })}</p>}
            {report.reply && (
              <p className="mt-1 rounded-md bg-slate-50 p-2 text-slate-700">
                <span className="font-medium">{t("adminReplied")}</span> {report.reply}
              </p>
            )}
          </li>
        ))}
      </ul>
      {reports.data && <Pager page={reports.data.page} pageCount={reports.data.pageCount} onPage={setPage} />}
    </Card>
  );
}

function Reviews({ seenAt }: { seenAt: Date | null | undefined }) {
  const errorMessage = useErrorText();
  const trpc = useTRPC();
  const t = useTranslations("Feedback");
  const review = useTranslations("Labels");
  const utc = useUtc();
  const [page, setPage] = useState(1);
  const feedback = useQuery(trpc.review.myFeedback.queryOptions({ page, pageSize: 25 }));
  return (
    <Card title={t("reviewsTitle")}>
      {feedback.error && <Alert>{errorMessage(feedback.error)}</Alert>}
      {feedback.data?.items.length === 0 && <p className="text-sm text-slate-500">{t("noReviews")}</p>}
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
                {review(`review.${item.decision}`)}
              </span>
              <NewMark at={item.createdAt} seenAt={seenAt} />
              <span className="text-slate-600">{item.campaignName}</span>
              <span className="text-slate-500">{utc(item.createdAt)}</span>
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
