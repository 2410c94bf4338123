"use client";
// Every export, newest first: who, when, what it took, how many rows, and each file's sha256;
// a completed one can be downloaded again (the same data and options give the same files).
import { useQuery } from "@tanstack/react-query";
import { useFormatter, useTranslations } from "next-intl";
import { useState } from "react";
import { Pager } from "../../_components/pager";
import { Alert, Button, Card, cx } from "../../_components/ui";
import { useErrorText } from "../../_lib/error-text";
import { useTRPC } from "../../_lib/trpc";
import { useDescribeOptions } from "./labels";

const STATUS_STYLES = {
  running: "bg-sky-50 text-sky-700 ring-sky-200",
  completed: "bg-emerald-50 text-emerald-700 ring-emerald-200",
  failed: "bg-red-50 text-red-700 ring-red-200",
  cancelled: "bg-slate-100 text-slate-600 ring-slate-200",
  interrupted: "bg-amber-50 text-amber-800 ring-amber-200",
};

export function PastExports({
  isDownloading,
  onDownloadAgain,
}: {
  isDownloading: boolean;
  onDownloadAgain: (output: string, options: unknown) => void;
}) {
  const errorMessage = useErrorText();
  const trpc = useTRPC();
  const t = useTranslations("AdminExports");
  const format = useFormatter();
  const describeOptions = useDescribeOptions();
  const [page, setPage] = useState(1);
  const list = useQuery({
    ...trpc.exports.list.queryOptions({ page, pageSize: 10 }),
    refetchInterval: (query) =>
      query.state.data?.items.some((item) => item.status === "running" && !item.isStalled) ? 2000 : false,
  });

  return (
    <Card title={t("pastExports")} description={t("pastExportsText")}>
      {list.error && <Alert>{errorMessage(list.error)}</Alert>}
      <div className="overflow-x-auto">
        <table className="min-w-full divide-y divide-slate-200 text-sm">
          <caption className="sr-only">{t("pastExports")}</caption>
          <thead>
            <tr className="text-start text-xs font-semibold uppercase tracking-wide text-slate-500">
              <th scope="col" className="py-2 pe-4">
                {t("when")}
              </th>
              <th scope="col" className="py-2 pe-4">
                {t("who")}
              </th>
              <th scope="col" className="py-2 pe-4">
                {t("format")}
              </th>
              <th scope="col" className="py-2 pe-4">
                {t("filters")}
              </th>
              <th scope="col" className="py-2 pe-4">
                {t("rows")}
              </th>
              <th scope="col" className="py-2 pe-4">
                {t("files")}
              </th>
              <th scope="col" className="py-2">
                {t("status")}
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 align-top">
            {list.data?.items.length === 0 && (
              <tr>
                <td colSpan={7} className="py-6 text-center text-slate-500">
                  {t("noneYet")}
                </td>
              </tr>
            )}
            {list.data?.items.map((item) => {
              const status = item.isStalled ? "interrupted" : item.status;
              return (
                <tr key={item.id}>
                  <td className="py-2 pe-4 whitespace-nowrap text-slate-600">
                    <time dateTime={item.createdAt.toISOString()}>
                      {format.dateTime(item.createdAt, { dateStyle: "medium", timeStyle: "medium" })} UTC
                    </time>
                  </td>
                  <td className="py-2 pe-4">
                    {item.createdByEmail ?? (item.via === "cli" ? t("commandLine") : t("removedUser"))}
                  </td>
                  <td className="py-2 pe-4 whitespace-nowrap">
                    {item.format} · {item.output}
                  </td>
                  <td className="py-2 pe-4 text-slate-700">{describeOptions(item.options)}</td>
                  <td className="py-2 pe-4 whitespace-nowrap">
                    {Object.entries(item.rowCounts)
                      .map(([split, rows]) => `${format.number(rows)} ${split}`)
                      .join(", ") || "—"}
                  </td>
                  <td className="py-2 pe-4">
                    {item.files.map((file) => (
                      <div key={file.name} className="font-mono text-xs" title={file.sha256}>
                        {file.name} <span className="text-slate-500">sha256 {file.sha256.slice(0, 16)}…</span>
                      </div>
                    ))}
                  </td>
                  <td className="py-2">
                    <span
                      className={cx(
                        "rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset",
                        STATUS_STYLES[status],
                      )}
                    >
                      {status === "running"
                        ? t("running", {
                            share: item.progressTotal
                              ? Math.floor((100 * item.progressDone) / item.progressTotal) / 100
                              : 0,
                          })
                        : t(`exportStatus.${status}`)}
                    </span>
                    {item.error && <p className="mt-1 max-w-xs text-xs text-slate-600">{item.error}</p>}
                    {status === "completed" && (
                      <Button
                        variant="secondary"
                        className="mt-2 block"
                        disabled={isDownloading}
                        onClick={() => onDownloadAgain(item.output, item.options)}
                      >
                        {t("downloadAgain")}
                      </Button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {list.data && (
        <Pager
          page={list.data.page}
          pageCount={list.data.pageCount}
          onPage={setPage}
          label={t("pastPages")}
          previous={t("newer")}
          next={t("older")}
        />
      )}
    </Card>
  );
}
