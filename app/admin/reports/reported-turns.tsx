"use client";
// The list of reported turns: each report with its prompt and responses (variant, status,
// error), and what an admin can do about it — test the variant's connection again, open the
// campaign to fix or deactivate the variant, and close the report with a reply.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import Link from "next/link";
import { useState } from "react";
import { plural } from "@/lib/plural";
import type { AppRouter } from "@/server/api/root";
import { Pager } from "../../_components/pager";
import { Alert, Button, Card, cx, SelectField } from "../../_components/ui";
import { errorMessage, useTRPC } from "../../_lib/trpc";
import { TextAreaField } from "../campaigns/_components/fields";

const KIND_LABELS = {
  empty: "Empty response",
  broken: "Broken response",
  failed: "Generation failed",
  other: "Other problem",
} as const;

export function ReportedTurns() {
  const trpc = useTRPC();
  const [state, setState] = useState<"open" | "resolved">("open");
  const [page, setPage] = useState(1);
  const reports = useQuery(trpc.problemReports.list.queryOptions({ state, page, pageSize: 20 }));
  return (
    <div className="space-y-4">
      <div className="flex items-end justify-between gap-4">
        <div className="w-56">
          <SelectField
            id="report-state"
            label="Show"
            value={state}
            onChange={(event) => {
              setState(event.target.value as "open" | "resolved");
              setPage(1);
            }}
          >
            <option value="open">Open reports</option>
            <option value="resolved">Resolved reports</option>
          </SelectField>
        </div>
        {reports.data && (
          <p className="text-sm text-slate-600">{plural(reports.data.total, `${state} report`)}</p>
        )}
      </div>
      {reports.error && <Alert>{errorMessage(reports.error)}</Alert>}
      {reports.data?.items.length === 0 && (
        <Alert tone="info">
          {state === "open" ? "No open reports: nothing needs your attention." : "No resolved reports yet."}
        </Alert>
      )}
      <ul className="space-y-4" aria-label="Reported turns">
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
  const trpc = useTRPC();
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
    <li aria-label={`Report by ${report.annotatorEmail} in ${report.campaignName}`}>
      <Card>
        <div className="flex flex-wrap items-baseline justify-between gap-2 text-sm">
          <p>
            <span className="font-semibold text-slate-900">{KIND_LABELS[report.kind]}</span> in{" "}
            <Link href={`/admin/campaigns/${report.campaignId}`} className="text-indigo-700 hover:underline">
              {report.campaignName}
            </Link>{" "}
            by {report.annotatorEmail}
          </p>
          <p className="text-slate-500">
            {report.createdAt.toISOString().replace("T", " ").slice(0, 16)} UTC
          </p>
        </div>
        {report.note && (
          <p className="mt-2 rounded-md bg-slate-50 p-2 text-sm text-slate-700">“{report.note}”</p>
        )}
        <h3 className="mt-4 text-xs font-semibold uppercase tracking-wide text-slate-500">Prompt</h3>
        <p className="mt-1 text-sm whitespace-pre-wrap text-slate-800">{report.userMessage}</p>
        <div className="mt-3 grid gap-3 md:grid-cols-2">
          {report.responses.map((response) => (
            <section
              key={response.position}
              aria-label={`Response ${"ABCD"[response.position]} of the report`}
              className={cx(
                "rounded-md border p-3 text-sm",
                response.status === "failed" ? "border-red-200 bg-red-50" : "border-slate-200",
              )}
            >
              <p className="text-xs font-medium text-slate-600">
                Response {"ABCD"[response.position]} · {response.variantName} {response.variantVersion} ·{" "}
                {response.status}
                {response.finishReason ? ` (${response.finishReason})` : ""}
              </p>
              {response.error && <p className="mt-1 text-red-800">{response.error}</p>}
              <p className="mt-1 max-h-40 overflow-auto whitespace-pre-wrap text-slate-800">
                {response.text || <span className="text-slate-400">(no text)</span>}
              </p>
            </section>
          ))}
        </div>
        {report.resolvedAt ? (
          <p className="mt-4 text-sm text-slate-600">
            Resolved by {report.resolvedByEmail ?? "an admin"} on{" "}
            {report.resolvedAt.toISOString().replace("T", " ").slice(0, 16)} UTC
            {report.reply ? `: “${report.reply}”` : " without a reply."}
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
                Fix or deactivate a variant
              </Link>
            </div>
            <TextAreaField
              id={`reply-${report.id}`}
              label="Reply to the annotator (optional)"
              hint="They read it with their feedback, e.g. that the server is fixed and they can send the prompt again."
              rows={2}
              maxLength={2000}
              value={reply}
              onChange={(event) => setReply(event.target.value)}
            />
            <Button
              disabled={resolve.isPending}
              onClick={() => resolve.mutate({ reportId: report.id, reply })}
            >
              {reply.trim() ? "Reply and resolve" : "Resolve"}
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
  const trpc = useTRPC();
  const test = useMutation(trpc.variants.testConnection.mutationOptions());
  return (
    <span className="inline-flex flex-col">
      <Button variant="secondary" disabled={test.isPending} onClick={() => test.mutate({ variantId })}>
        {test.isPending ? "Testing…" : `Test ${name} again`}
      </Button>
      {test.data && (
        <span
          role="status"
          className={cx("mt-1 text-xs", test.data.ok ? "text-emerald-700" : "text-red-700")}
        >
          {test.data.ok
            ? `${name} answers now.`
            : `${name}: ${test.data.steps.find((step) => !step.ok)?.detail ?? "failed"}`}
        </span>
      )}
      {test.error && <span className="mt-1 text-xs text-red-700">{errorMessage(test.error)}</span>}
    </span>
  );
}
