"use client";
// The Integrity tab: annotators by risk with the evidence behind each flag, a drill-down to
// their comparisons and a one-click deactivation; the plain and style-controlled leaderboards
// side by side (with or without flagged votes) and how many votes would flip #1; flagged turns,
// near-duplicate prompts and each variant pair's position-bias and tie rates. The report is
// computed in the background; this page only reads the stored one.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useFormatter, useTranslations } from "next-intl";
import { useState } from "react";
import { Pager } from "../../../../_components/pager";
import { Alert, Button, Card } from "../../../../_components/ui";
import { errorMessage, useTRPC } from "../../../../_lib/trpc";
import { useCampaignFormat } from "../../_components/use-campaign-format";

const POLL_MS = 2000;

/** A requested report that has not finished: waiting for a worker, or running. */
const isComputing = (status: string | undefined) => status === "queued" || status === "running";

function Ranking({
  caption,
  entries,
}: {
  caption: string;
  entries: { variant: string; score: number; low: number; high: number }[];
}) {
  const t = useTranslations("CampaignIntegrity");
  const format = useCampaignFormat();
  return (
    <table className="min-w-full divide-y divide-slate-200 text-sm">
      <caption className="pb-2 text-start text-sm font-semibold text-slate-800">{caption}</caption>
      <thead>
        <tr className="text-start text-xs font-semibold uppercase tracking-wide text-slate-500">
          <th scope="col" className="py-2 pe-4">
            {t("rank")}
          </th>
          <th scope="col" className="py-2 pe-4">
            {t("variant")}
          </th>
          <th scope="col" className="py-2 pe-4 text-end">
            {t("score")}
          </th>
          <th scope="col" className="py-2 text-end">
            {t("interval")}
          </th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {entries.map((entry, rank) => (
          <tr key={entry.variant}>
            <td className="py-2 pe-4 tabular-nums">{format.count(rank + 1)}</td>
            <td className="py-2 pe-4 font-medium">{entry.variant}</td>
            <td className="py-2 pe-4 text-end tabular-nums">{format.score(entry.score)}</td>
            <td className="py-2 text-end tabular-nums">
              {entry.low === entry.high
                ? "—"
                : t("range", { low: format.score(entry.low), high: format.score(entry.high) })}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function AnnotatorComparisons({
  campaignId,
  annotatorId,
  email,
}: {
  campaignId: string;
  annotatorId: string;
  email: string;
}) {
  const trpc = useTRPC();
  const t = useTranslations("CampaignIntegrity");
  const format = useCampaignFormat();
  const [page, setPage] = useState(1);
  const list = useQuery(
    trpc.integrity.annotatorComparisons.queryOptions({ campaignId, annotatorId, page, pageSize: 20 }),
  );
  if (list.error) return <Alert>{errorMessage(list.error)}</Alert>;
  if (!list.data) return <p className="text-sm text-slate-500">{t("loadingComparisons")}</p>;
  return (
    <div className="space-y-2">
      <table className="min-w-full divide-y divide-slate-200 text-sm">
        <caption className="pb-2 text-start text-sm font-semibold text-slate-800">
          {t("comparisonsBy", { email })}
        </caption>
        <thead>
          <tr className="text-start text-xs font-semibold uppercase tracking-wide text-slate-500">
            <th scope="col" className="py-2 pe-4">
              {t("when")}
            </th>
            <th scope="col" className="py-2 pe-4">
              {t("kind")}
            </th>
            <th scope="col" className="py-2 pe-4">
              {t("prompt")}
            </th>
            <th scope="col" className="py-2 pe-4">
              {t("chose")}
            </th>
            <th scope="col" className="py-2 pe-4">
              {t("over")}
            </th>
            <th scope="col" className="py-2 pe-4">
              {t("strength")}
            </th>
            <th scope="col" className="py-2 text-end">
              {t("time")}
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {list.data.items.map((item) => (
            <tr key={item.id}>
              <td className="py-2 pe-4 whitespace-nowrap">{format.moment(new Date(item.createdAt))}</td>
              <td className="py-2 pe-4">{t(`sources.${item.source}`)}</td>
              <td className="py-2 pe-4">{item.prompt}</td>
              <td className="py-2 pe-4">
                {item.chosenVariant}
                {item.chosenSlot ? ` (${item.chosenSlot})` : ""}
              </td>
              <td className="py-2 pe-4">{item.rejectedVariant}</td>
              <td className="py-2 pe-4">{format.strength(item.strength)}</td>
              <td className="py-2 text-end tabular-nums">{format.seconds(item.timeSpentMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager
        page={page}
        pageCount={list.data.pageCount}
        onPage={setPage}
        label={t("comparisonsBy", { email })}
      />
    </div>
  );
}

export function Integrity({ campaignId }: { campaignId: string }) {
  const trpc = useTRPC();
  const t = useTranslations("CampaignIntegrity");
  const format = useCampaignFormat();
  const formatter = useFormatter();
  const time = (moment: string | Date) =>
    `${formatter.dateTime(new Date(moment), { timeStyle: "medium" })} UTC`;
  const queryClient = useQueryClient();
  const [withFlagged, setWithFlagged] = useState(false);
  const [openAnnotator, setOpenAnnotator] = useState<string | null>(null);
  const state = useQuery({
    ...trpc.integrity.report.queryOptions({ campaignId }),
    refetchInterval: (query) => (isComputing(query.state.data?.latest?.status) ? POLL_MS : false),
  });
  const request = useMutation(
    trpc.integrity.requestReport.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.integrity.report.queryFilter()),
    }),
  );
  const deactivate = useMutation(
    trpc.users.setActive.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.integrity.report.queryFilter()),
    }),
  );
  const [deactivated, setDeactivated] = useState<Set<string>>(new Set());
  const sendToReview = useMutation(trpc.integrity.sendToReview.mutationOptions());
  const [sent, setSent] = useState<{ email: string; annotatorId: string; pending: number } | null>(null);
  const latest = state.data?.latest;
  const computing = isComputing(latest?.status);
  const report = state.data?.report;
  const board = report ? (withFlagged ? report.withFlagged : report.leaderboard) : null;

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center gap-4">
        <Button onClick={() => request.mutate({ campaignId })} disabled={request.isPending || computing}>
          {computing ? t("computing") : t("compute")}
        </Button>
        <p className="text-sm text-slate-600" role="status">
          {latest?.status === "queued" && t("queued", { time: time(latest.startedAt) })}
          {latest?.status === "running" &&
            t("running", {
              time: time(latest.startedAt),
              done: latest.progress.done,
              total: latest.progress.total === null ? t("unknownTotal") : format.count(latest.progress.total),
            })}
          {state.data?.computedAt && t("reportOf", { date: format.moment(new Date(state.data.computedAt)) })}
        </p>
        {latest?.status === "running" && latest.progress.total !== null && (
          <progress
            aria-label={t("progress")}
            className="w-40"
            max={latest.progress.total}
            value={latest.progress.done}
          />
        )}
      </div>
      {state.error && <Alert>{errorMessage(state.error)}</Alert>}
      {request.error && <Alert>{errorMessage(request.error)}</Alert>}
      {deactivate.error && <Alert>{errorMessage(deactivate.error)}</Alert>}
      {sendToReview.error && <Alert>{errorMessage(sendToReview.error)}</Alert>}
      {sent && (
        <Alert tone="info">
          {t("sent", { count: sent.pending, email: sent.email })}{" "}
          <Link className="underline" href={`/review?campaign=${campaignId}&annotator=${sent.annotatorId}`}>
            {t("openQueue")}
          </Link>
        </Alert>
      )}
      {latest?.status === "failed" && <Alert>{latest.error}</Alert>}
      {state.data && !report && !computing && <Alert tone="info">{t("noReport")}</Alert>}
      {report && board && (
        <>
          <Card title={t("byRisk")} description={t("byRiskHint", { count: report.comparisons })}>
            <div className="overflow-x-auto">
              <table className="min-w-full divide-y divide-slate-200 text-sm">
                <caption className="sr-only">{t("byRisk")}</caption>
                <thead>
                  <tr className="text-start text-xs font-semibold uppercase tracking-wide text-slate-500">
                    <th scope="col" className="py-2 pe-4">
                      {t("annotator")}
                    </th>
                    <th scope="col" className="py-2 pe-4 text-end">
                      {t("comparisons")}
                    </th>
                    <th scope="col" className="py-2 pe-4">
                      {t("flagsColumn")}
                    </th>
                    <th scope="col" className="py-2 pe-4 text-end">
                      {t("competence")}
                    </th>
                    <th scope="col" className="py-2 pe-4 text-end">
                      {t("tooFast")}
                    </th>
                    <th scope="col" className="py-2 pe-4 text-end">
                      {t("responseA")}
                    </th>
                    <th scope="col" className="py-2 pe-4 text-end">
                      {t("followsConsensus")}
                    </th>
                    <th scope="col" className="py-2 pe-4 text-end">
                      {t("gold")}
                    </th>
                    <th scope="col" className="py-2">
                      {t("actions")}
                    </th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {report.annotators.map((annotator) => (
                    <tr key={annotator.annotatorId} className="align-top">
                      <td className="py-2 pe-4">
                        <div className="font-medium">{annotator.email}</div>
                        {annotator.reasons.length > 0 && (
                          <ul className="mt-1 list-disc ps-4 text-xs text-slate-600">
                            {annotator.reasons.map((reason) => (
                              <li key={reason}>{reason}</li>
                            ))}
                          </ul>
                        )}
                      </td>
                      <td className="py-2 pe-4 text-end tabular-nums">
                        {format.count(annotator.comparisons)}
                      </td>
                      <td className="py-2 pe-4">
                        {annotator.flags.length === 0
                          ? "—"
                          : annotator.flags.map((flag) => (
                              <span
                                key={flag}
                                className="me-1 inline-block rounded bg-red-50 px-1.5 py-0.5 text-xs font-medium text-red-700"
                              >
                                {t(`flags.${flag}`)}
                              </span>
                            ))}
                      </td>
                      <td className="py-2 pe-4 text-end tabular-nums">
                        {annotator.competence === null ? "—" : format.number(annotator.competence, 2)}
                      </td>
                      <td className="py-2 pe-4 text-end tabular-nums">
                        {format.percent(annotator.tooFastShare)}
                      </td>
                      <td className="py-2 pe-4 text-end tabular-nums">
                        {format.percent(annotator.positionA.share)}
                      </td>
                      <td className="py-2 pe-4 text-end tabular-nums">
                        {format.percent(annotator.consensusAgreement.share)}
                      </td>
                      <td className="py-2 pe-4 text-end tabular-nums">
                        {annotator.goldAccuracy.share === null
                          ? "—"
                          : t("goldOf", {
                              share: format.percent(annotator.goldAccuracy.share),
                              count: annotator.goldAccuracy.items,
                            })}
                      </td>
                      <td className="space-x-2 py-2 whitespace-nowrap">
                        <Button
                          variant="secondary"
                          aria-expanded={openAnnotator === annotator.annotatorId}
                          aria-label={t("comparisonsBy", { email: annotator.email })}
                          onClick={() =>
                            setOpenAnnotator(
                              openAnnotator === annotator.annotatorId ? null : annotator.annotatorId,
                            )
                          }
                        >
                          {t("comparisons")}
                        </Button>
                        <Button
                          variant="secondary"
                          aria-label={t("sendToReviewOf", { email: annotator.email })}
                          disabled={sendToReview.isPending}
                          onClick={() =>
                            sendToReview.mutate(
                              { campaignId, annotatorId: annotator.annotatorId },
                              {
                                onSuccess: ({ pending }) =>
                                  setSent({
                                    email: annotator.email,
                                    annotatorId: annotator.annotatorId,
                                    pending,
                                  }),
                              },
                            )
                          }
                        >
                          {t("sendToReview")}
                        </Button>
                        <Button
                          variant="danger"
                          aria-label={t("deactivateOf", { email: annotator.email })}
                          disabled={deactivated.has(annotator.annotatorId) || deactivate.isPending}
                          onClick={() =>
                            deactivate.mutate(
                              { userId: annotator.annotatorId, isActive: false },
                              {
                                onSuccess: () =>
                                  setDeactivated(new Set(deactivated).add(annotator.annotatorId)),
                              },
                            )
                          }
                        >
                          {deactivated.has(annotator.annotatorId) ? t("deactivated") : t("deactivate")}
                        </Button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {openAnnotator && (
              <div className="mt-4">
                <AnnotatorComparisons
                  campaignId={campaignId}
                  annotatorId={openAnnotator}
                  email={
                    report.annotators.find((annotator) => annotator.annotatorId === openAnnotator)?.email ??
                    ""
                  }
                />
              </div>
            )}
          </Card>

          <Card title={t("leaderboard")} description={t("leaderboardHint")}>
            <label className="mb-4 flex items-center gap-2 text-sm text-slate-700">
              <input
                type="checkbox"
                checked={withFlagged}
                onChange={(event) => setWithFlagged(event.target.checked)}
              />
              {t("includeFlagged")}
            </label>
            <div className="grid gap-6 md:grid-cols-2">
              <Ranking caption={t("plain")} entries={board.plain} />
              <Ranking caption={t("styleControlled")} entries={board.styleControlled} />
            </div>
            <p className="mt-4 text-sm text-slate-700">
              {report.robustness.votesToFlipTop === null
                ? t("noFlip")
                : t(report.robustness.votesToFlipTopExact ? "flipExact" : "flipAtMost", {
                    count: report.robustness.votesToFlipTop,
                    battles: report.battles,
                  })}{" "}
              {t("leftOut", {
                turns: report.excludedFromLeaderboard.flaggedTurns,
                annotators: report.excludedFromLeaderboard.flaggedAnnotators,
                prompts: report.excludedFromLeaderboard.overRepresentedPrompts,
              })}
            </p>
          </Card>

          <Card title={t("pairs")} description={t("pairsHint")}>
            <table className="min-w-full divide-y divide-slate-200 text-sm">
              <caption className="sr-only">{t("pairs")}</caption>
              <thead>
                <tr className="text-start text-xs font-semibold uppercase tracking-wide text-slate-500">
                  <th scope="col" className="py-2 pe-4">
                    {t("pair")}
                  </th>
                  <th scope="col" className="py-2 pe-4 text-end">
                    {t("battles")}
                  </th>
                  <th scope="col" className="py-2 pe-4 text-end">
                    {t("responseAWon")}
                  </th>
                  <th scope="col" className="py-2 text-end">
                    {t("ties")}
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {report.pairs.map((pair) => (
                  <tr key={pair.variants.join(" vs ")}>
                    <td className="py-2 pe-4">{t("versus", { a: pair.variants[0], b: pair.variants[1] })}</td>
                    <td className="py-2 pe-4 text-end tabular-nums">{format.count(pair.battles)}</td>
                    <td className="py-2 pe-4 text-end tabular-nums">{format.percent(pair.responseAShare)}</td>
                    <td className="py-2 text-end tabular-nums">{format.percent(pair.tieShare)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Card>

          <Card title={t("flagged")}>
            <p className="text-sm text-slate-700">
              {t("flaggedSummary", {
                leaks: report.flaggedTurns["identity-leak"],
                questions: report.flaggedTurns["identity-question"],
                duplicates: report.flaggedTurns["near-duplicate"],
                clusters: report.duplicateClusters.length,
              })}
            </p>
            <ul className="mt-3 space-y-2 text-sm">
              {report.duplicateClusters.slice(0, 20).map((cluster) => (
                <li key={cluster[0]} className="rounded border border-slate-200 p-2">
                  {cluster.map((prompt, i) => (
                    <div key={i} className={i === 0 ? "font-medium" : "text-slate-600"}>
                      {prompt}
                    </div>
                  ))}
                </li>
              ))}
            </ul>
          </Card>
        </>
      )}
    </div>
  );
}
