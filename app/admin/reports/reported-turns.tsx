"use client";
// The list of reported turns: each report with its prompt and responses (variant, status,
// error), and what an admin can do about it — test the variant's connection again, open the
// campaign to fix or deactivate the variant, and close the report with a reply.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import Link from "next/link";
import { useTranslations } from "next-intl";
import { useState } from "react";
import type { AppRouter } from "@/server/api/root";
import { Pager } from "../../_components/pager";
import { Alert, Button, Card, cx, SelectField } from "../../_components/ui";
import { useErrorText } from "../../_lib/error-text";
import { useTRPC } from "../../_lib/trpc";
import { useUtc } from "../../_lib/use-utc";
import { useLabels } from "../../annotate/_components/use-labels";
import { TextAreaField } from "../campaigns/_components/fields";

export function ReportedTurns() {
  const errorMessage = useErrorText();
  const trpc = useTRPC();
  const t = useTranslations("AdminReports");
  const [state, setState] = useState<"open" | "resolved">("open");
  const [page, setPage] = useState(1);
  const reports = useQuery(trpc.problemReports.list.queryOptions({ state, page, pageSize: 20 }));
  return (
    <div className="space-y-4">
      <div className="flex items-end justify-between gap-4">
        <div className="w-56">
          <SelectField
            id="report-state"
            label={t("show")}
            value={state}
            onChange={(event) => {
              setState(event.target.value as "open" | "resolved");
              setPage(1);
            }}
          >
            <option value="open">{t("openReports")}</option>
            <option value="resolved">{t("resolvedReports")}</option>
          </SelectField>
        </div>
        {reports.data && (
          <p className="text-sm text-slate-600">{t("count", { count: reports.data.total, state })}</p>
        )}
      </div>
      {reports.error && <Alert>{errorMessage(reports.error)}</Alert>}
      {reports.data?.items.length === 0 && (
        <Alert tone="info">{state === "open" ? t("noneOpen") : t("noneResolved")}</Alert>
      )}
      <ul className="space-y-4" aria-label={t("title")}>
        {reports.data?.items.map((report) => (
          <ReportCard key={report.id} report={report} />
        ))}
      </ul>
      {reports.data && <Pager page={reports.data.page} pageCount={reports.data.pageCount} onPage={setPage} />}
    </div>
  );
}

type Report = inferRouterOutputs<AppRouter>["problemReports"]["list"]["items"][number];

function ReportCard({ report }: { report: Report }) {
  const errorMessage = useErrorText();
  const trpc = useTRPC();
  const t = useTranslations("AdminReports");
  const labels = useLabels();
  const utc = useUtc();
  const queryClient = useQueryClient();
  const [reply, setReply] = useState("");
  const resolve = useMutation(
    trpc.problemReports.resolve.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.problemReports.list.queryFilter()),
    }),
  );
  const variants = [
    ...new Map(
      report.responses
        .filter((response) => response.variantId)
        .map((response) => [response.variantId, response]),
    ).values(),
  ];
  return (
    <li aria-label={t("reportBy", { email: report.annotatorEmail, campaign: report.campaignName })}>
      <Card>
        <div className="flex flex-wrap items-baseline justify-between gap-2 text-sm">
          <p>
            {t.rich("kindInBy", {
              kind: report.kind,
              email: report.annotatorEmail,
              name: report.campaignName,
              strong: (chunks) => <span className="font-semibold text-slate-900">{chunks}</span>,
              campaign: (chunks) => (
                <Link
                  href={`/admin/campaigns/${report.campaignId}`}
                  className="text-indigo-700 hover:underline"
                >
                  {chunks}
                </Link>
              ),
            })}
          </p>
          <p className="text-slate-500">{utc(report.createdAt)}</p>
        </div>
        {report.note && (
          <p className="mt-2 rounded-md bg-slate-50 p-2 text-sm text-slate-700">“{report.note}”</p>
        )}
        <h3 className="mt-4 text-xs font-semibold uppercase tracking-wide text-slate-500">{t("prompt")}</h3>
        <p className="mt-1 text-sm whitespace-pre-wrap text-slate-800">{report.userMessage}</p>
        <div className="mt-3 grid gap-3 md:grid-cols-2">
          {report.responses.map((response) => (
            <section
              key={response.position}
              aria-label={t("responseOfReport", { response: labels.response(response.position) })}
              className={cx(
                "rounded-md border p-3 text-sm",
                response.status === "failed" ? "border-red-200 bg-red-50" : "border-slate-200",
              )}
            >
              <p className="text-xs font-medium text-slate-600">
                {labels.response(response.position)} · {response.variantName} {response.variantVersion} ·{" "}
                {t("status", { status: response.status })}
                {response.finishReason ? ` (${response.finishReason})` : ""}
              </p>
              {response.error && <p className="mt-1 text-red-800">{response.error}</p>}
              <p className="mt-1 max-h-40 overflow-auto whitespace-pre-wrap text-slate-800">
                {response.text || <span className="text-slate-400">{t("noText")}</span>}
              </p>
            </section>
          ))}
        </div>
        {report.resolvedAt ? (
          <p className="mt-4 text-sm text-slate-600">
            {report.reply
              ? t("resolvedWithReply", {
                  who: report.resolvedByEmail ?? t("anAdmin"),
                  date: utc(report.resolvedAt),
                  reply: report.reply,
                })
              : t("resolvedWithoutReply", {
                  who: report.resolvedByEmail ?? t("anAdmin"),
                  date: utc(report.resolvedAt),
                })}
          </p>
        ) : (
          <div className="mt-4 space-y-3 border-t border-slate-100 pt-4">
            <div className="flex flex-wrap gap-2">
              {variants.map((response) => (
                <TestVariant
                  key={response.variantId}
                  variantId={response.variantId!}
                  name={response.variantName}
                />
              ))}
              <Link
                href={`/admin/campaigns/${report.campaignId}`}
                className="inline-flex items-center rounded-md px-3 py-2 text-sm font-semibold text-indigo-700 ring-1 ring-inset ring-indigo-200 hover:bg-indigo-50"
              >
                {t("fixVariant")}
              </Link>
            </div>
            <TextAreaField
              id={`reply-${report.id}`}
              label={t("reply")}
              hint={t("replyHint")}
              rows={2}
              maxLength={2000}
              value={reply}
              onChange={(event) => setReply(event.target.value)}
            />
            <Button
              disabled={resolve.isPending}
              onClick={() => resolve.mutate({ reportId: report.id, reply })}
            >
              {reply.trim() ? t("replyAndResolve") : t("resolve")}
            </Button>
            {resolve.error && <Alert>{errorMessage(resolve.error)}</Alert>}
          </div>
        )}
      </Card>
    </li>
  );
}

/** "Retry the variant": the campaign page's connection test, from here. */
function TestVariant({ variantId, name }: { variantId: string; name: string }) {
  const errorMessage = useErrorText();
  const trpc = useTRPC();
  const t = useTranslations("AdminReports");
  const test = useMutation(trpc.variants.testConnection.mutationOptions());
  return (
    <span className="inline-flex flex-col">
      <Button variant="secondary" disabled={test.isPending} onClick={() => test.mutate({ variantId })}>
        {test.isPending ? t("testing") : t("testAgain", { name })}
      </Button>
      {test.data && (
        <span
          role="status"
          className={cx("mt-1 text-xs", test.data.ok ? "text-emerald-700" : "text-red-700")}
        >
          {test.data.ok
            ? t("answersNow", { name })
            : t("testFailed", {
                name,
                detail: test.data.steps.find((step) => !step.ok)?.detail ?? t("failed"),
              })}
        </span>
      )}
      {test.error && <span className="mt-1 text-xs text-red-700">{errorMessage(test.error)}</span>}
    </span>
  );
}
