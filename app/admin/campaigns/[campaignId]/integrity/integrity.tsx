"use client";
// The Integrity tab: annotators by risk with the evidence behind each flag, a drill-down to
// their comparisons and a one-click deactivation; the plain and style-controlled leaderboards
// side by side (with or without flagged votes) and how many votes would flip #1; flagged turns,
// near-duplicate prompts and each variant pair's position-bias and tie rates. The report is
// computed in the background; this page only reads the stored one.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { plural } from "@/lib/plural";
import { Pager } from "../../../../_components/pager";
import { Alert, Button, Card } from "../../../../_components/ui";
import { errorMessage, useTRPC } from "../../../../_lib/trpc";
import { percent } from "../../_components/labels";

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
  return (
    <table className="min-w-full divide-y divide-slate-200 text-sm">
      <caption className="pb-2 text-left text-sm font-semibold text-slate-800">{caption}</caption>
      <thead>
        <tr className="text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
          <th scope="col" className="py-2 pr-4">
            Rank
          </th>
          <th scope="col" className="py-2 pr-4">
            Variant
          </th>
          <th scope="col" className="py-2 pr-4 text-right">
            Score
          </th>
          <th scope="col" className="py-2 text-right">
            95% interval
          </th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {entries.map((entry, rank) => (
          <tr key={entry.variant}>
            <td className="py-2 pr-4 tabular-nums">{rank + 1}</td>
            <td className="py-2 pr-4 font-medium">{entry.variant}</td>
            <td className="py-2 pr-4 text-right tabular-nums">{entry.score.toFixed(1)}</td>
            <td className="py-2 text-right tabular-nums">
              {entry.low === entry.high ? "—" : `${entry.low.toFixed(1)} – ${entry.high.toFixed(1)}`}
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
  const [page, setPage] = useState(1);
  const list = useQuery(
    trpc.integrity.annotatorComparisons.queryOptions({ campaignId, annotatorId, page, pageSize: 20 }),
  );
  if (list.error) return <Alert>{errorMessage(list.error)}</Alert>;
  if (!list.data) return <p className="text-sm text-slate-500">Loading comparisons…</p>;
  return (
    <div className="space-y-2">
      <table className="min-w-full divide-y divide-slate-200 text-sm">
        <caption className="pb-2 text-left text-sm font-semibold text-slate-800">
          Comparisons by {email}
        </caption>
        <thead>
          <tr className="text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
            <th scope="col" className="py-2 pr-4">
              When
            </th>
            <th scope="col" className="py-2 pr-4">
              Kind
            </th>
            <th scope="col" className="py-2 pr-4">
              Prompt
            </th>
            <th scope="col" className="py-2 pr-4">
              Chose
            </th>
            <th scope="col" className="py-2 pr-4">
              Over
            </th>
            <th scope="col" className="py-2 pr-4">
              Strength
            </th>
            <th scope="col" className="py-2 text-right">
              Time
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {list.data.items.map((item) => (
            <tr key={item.id}>
              <td className="py-2 pr-4 whitespace-nowrap">
                {new Date(item.createdAt).toLocaleString("en-US")}
              </td>
              <td className="py-2 pr-4">{item.source}</td>
              <td className="py-2 pr-4">{item.prompt}</td>
              <td className="py-2 pr-4">
                {item.chosenVariant}
                {item.chosenSlot ? ` (${item.chosenSlot})` : ""}
              </td>
              <td className="py-2 pr-4">{item.rejectedVariant}</td>
              <td className="py-2 pr-4">{item.strength.replaceAll("_", " ")}</td>
              <td className="py-2 text-right tabular-nums">{(item.timeSpentMs / 1000).toFixed(1)} s</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager page={page} pageCount={list.data.pageCount} onPage={setPage} label={`Comparisons by ${email}`} />
    </div>
  );
}

export function Integrity({ campaignId }: { campaignId: string }) {
  const trpc = useTRPC();
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
          {computing ? "Computing…" : "Compute integrity report"}
        </Button>
        <p className="text-sm text-slate-600" role="status">
          {latest?.status === "queued" &&
            `Waiting for a background worker since ${new Date(latest.startedAt).toLocaleTimeString("en-US")}.`}
          {latest?.status === "running" &&
            `Computing since ${new Date(latest.startedAt).toLocaleTimeString("en-US")}: ${latest.progress.done} of ${latest.progress.total ?? "?"} steps done.`}
          {state.data?.computedAt && ` Report of ${new Date(state.data.computedAt).toLocaleString("en-US")}.`}
        </p>
        {latest?.status === "running" && latest.progress.total !== null && (
          <progress
            aria-label="Integrity report progress"
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
          {plural(sent.pending, "comparison")} by {sent.email} {sent.pending === 1 ? "waits" : "wait"} in the
          review queue.{" "}
          <Link className="underline" href={`/review?campaign=${campaignId}&annotator=${sent.annotatorId}`}>
            Open the review queue
          </Link>
        </Alert>
      )}
      {latest?.status === "failed" && <Alert>{latest.error}</Alert>}
      {state.data && !report && !computing && (
        <Alert tone="info">
          No report yet: compute one to see annotators by risk and the style-controlled leaderboard.
        </Alert>
      )}
      {report && board && (
        <>
          <Card
            title="Annotators by risk"
            description={`${report.comparisons.toLocaleString("en-US")} comparisons. Too fast: under a quarter of the time reading both responses takes. Response A: share of choices of the first-shown response (binomial test). Follows consensus: share of choices the campaign's style-controlled Bradley–Terry model favours. Competence: MACE (Hovy et al. 2013) on items rated by several people or gold.`}
          >
            <div className="overflow-x-auto">
              <table className="min-w-full divide-y divide-slate-200 text-sm">
                <caption className="sr-only">Annotators by risk</caption>
                <thead>
                  <tr className="text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
                    <th scope="col" className="py-2 pr-4">
                      Annotator
                    </th>
                    <th scope="col" className="py-2 pr-4 text-right">
                      Comparisons
                    </th>
                    <th scope="col" className="py-2 pr-4">
                      Flags
                    </th>
                    <th scope="col" className="py-2 pr-4 text-right">
                      Competence
                    </th>
                    <th scope="col" className="py-2 pr-4 text-right">
                      Too fast
                    </th>
                    <th scope="col" className="py-2 pr-4 text-right">
                      Response A
                    </th>
                    <th scope="col" className="py-2 pr-4 text-right">
                      Follows consensus
                    </th>
                    <th scope="col" className="py-2 pr-4 text-right">
                      Gold
                    </th>
                    <th scope="col" className="py-2">
                      Actions
                    </th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {report.annotators.map((annotator) => (
                    <tr key={annotator.annotatorId} className="align-top">
                      <td className="py-2 pr-4">
                        <div className="font-medium">{annotator.email}</div>
                        {annotator.reasons.length > 0 && (
                          <ul className="mt-1 list-disc pl-4 text-xs text-slate-600">
                            {annotator.reasons.map((reason) => (
                              <li key={reason}>{reason}</li>
                            ))}
                          </ul>
                        )}
                      </td>
                      <td className="py-2 pr-4 text-right tabular-nums">{annotator.comparisons}</td>
                      <td className="py-2 pr-4">
                        {annotator.flags.length === 0
                          ? "—"
                          : annotator.flags.map((flag) => (
                              <span
                                key={flag}
                                className="mr-1 inline-block rounded bg-red-50 px-1.5 py-0.5 text-xs font-medium text-red-700"
                              >
                                {flag}
                              </span>
                            ))}
                      </td>
                      <td className="py-2 pr-4 text-right tabular-nums">
                        {annotator.competence === null ? "—" : annotator.competence.toFixed(2)}
                      </td>
                      <td className="py-2 pr-4 text-right tabular-nums">{percent(annotator.tooFastShare)}</td>
                      <td className="py-2 pr-4 text-right tabular-nums">
                        {percent(annotator.positionA.share)}
                      </td>
                      <td className="py-2 pr-4 text-right tabular-nums">
                        {percent(annotator.consensusAgreement.share)}
                      </td>
                      <td className="py-2 pr-4 text-right tabular-nums">
                        {annotator.goldAccuracy.share === null
                          ? "—"
                          : `${percent(annotator.goldAccuracy.share)} of ${annotator.goldAccuracy.items}`}
                      </td>
                      <td className="space-x-2 py-2 whitespace-nowrap">
                        <Button
                          variant="secondary"
                          aria-expanded={openAnnotator === annotator.annotatorId}
                          aria-label={`Comparisons by ${annotator.email}`}
                          onClick={() =>
                            setOpenAnnotator(
                              openAnnotator === annotator.annotatorId ? null : annotator.annotatorId,
                            )
                          }
                        >
                          Comparisons
                        </Button>
                        <Button
                          variant="secondary"
                          aria-label={`Send ${annotator.email} to review`}
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
                          Send to review
                        </Button>
                        <Button
                          variant="danger"
                          aria-label={`Deactivate ${annotator.email}`}
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
                          {deactivated.has(annotator.annotatorId) ? "Deactivated" : "Deactivate"}
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

          <Card
            title="Leaderboard, plain and style-controlled"
            description="Bradley–Terry on primary comparisons; style control adds the responses' length, headers, bold spans and list items as covariates (Chatbot Arena's method), so a variant that wins by writing more does not rank for it."
          >
            <label className="mb-4 flex items-center gap-2 text-sm text-slate-700">
              <input
                type="checkbox"
                checked={withFlagged}
                onChange={(event) => setWithFlagged(event.target.checked)}
              />
              Include identity-flagged turns and flagged annotators
            </label>
            <div className="grid gap-6 md:grid-cols-2">
              <Ranking caption="Plain Bradley–Terry" entries={board.plain} />
              <Ranking caption="Style-controlled Bradley–Terry" entries={board.styleControlled} />
            </div>
            <p className="mt-4 text-sm text-slate-700">
              {report.robustness.votesToFlipTop === null
                ? "No removal of votes changes the #1."
                : `Removing ${report.robustness.votesToFlipTopExact ? "" : "at most "}${report.robustness.votesToFlipTop.toLocaleString("en-US")} of ${report.battles.toLocaleString("en-US")} votes would change the #1.`}{" "}
              Left out: {report.excludedFromLeaderboard.flaggedTurns} votes on identity-flagged turns,{" "}
              {report.excludedFromLeaderboard.flaggedAnnotators} by flagged annotators,{" "}
              {report.excludedFromLeaderboard.overRepresentedPrompts} on over-represented prompts.
            </p>
          </Card>

          <Card
            title="Variant pairs"
            description="How often the first-shown response won, and how often the choice was a tie."
          >
            <table className="min-w-full divide-y divide-slate-200 text-sm">
              <caption className="sr-only">Variant pairs</caption>
              <thead>
                <tr className="text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
                  <th scope="col" className="py-2 pr-4">
                    Pair
                  </th>
                  <th scope="col" className="py-2 pr-4 text-right">
                    Battles
                  </th>
                  <th scope="col" className="py-2 pr-4 text-right">
                    Response A won
                  </th>
                  <th scope="col" className="py-2 text-right">
                    Ties
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {report.pairs.map((pair) => (
                  <tr key={pair.variants.join(" vs ")}>
                    <td className="py-2 pr-4">{pair.variants.join(" vs ")}</td>
                    <td className="py-2 pr-4 text-right tabular-nums">{pair.battles}</td>
                    <td className="py-2 pr-4 text-right tabular-nums">{percent(pair.responseAShare)}</td>
                    <td className="py-2 text-right tabular-nums">{percent(pair.tieShare)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Card>

          <Card title="Flagged turns and near-duplicate prompts">
            <p className="text-sm text-slate-700">
              {report.flaggedTurns["identity-leak"]} turns where a response names a model or vendor,{" "}
              {report.flaggedTurns["identity-question"]} prompts asking the model who it is,{" "}
              {report.flaggedTurns["near-duplicate"]} near-duplicate opening prompts in{" "}
              {report.duplicateClusters.length} clusters.
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
