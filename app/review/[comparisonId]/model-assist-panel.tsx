"use client";
// What the campaign's LLM judge and reward model made of the comparison, for reviewers and admins
// (the procedure is a reviewer one: annotators never get it). Shown under the annotator's
// judgement; polls while a job is still waiting.
import { useQuery } from "@tanstack/react-query";
import { STRENGTH_LABELS } from "@/lib/constants";
import { Alert, Card } from "../../_components/ui";
import { errorMessage, useTRPC } from "../../_lib/trpc";

const POLL_MS = 3000;
const isWaiting = (status: string | undefined) => status === "queued" || status === "running";
const STATE_LABELS: Record<string, string> = {
  queued: "waiting",
  running: "running",
  failed: "failed",
  skipped: "skipped: the campaign's assistant was turned off",
  removed: "did not finish",
};

export function ModelAssistPanel({ comparisonId }: { comparisonId: string }) {
  const trpc = useTRPC();
  const assist = useQuery({
    ...trpc.judging.comparison.queryOptions({ comparisonId }),
    refetchInterval: (query) =>
      isWaiting(query.state.data?.judge?.status) || isWaiting(query.state.data?.rewardModel?.status)
        ? POLL_MS
        : false,
  });
  if (assist.error) return <Alert>{errorMessage(assist.error)}</Alert>;
  if (!assist.data) return null;
  const { judge, rewardModel } = assist.data;
  return (
    <>
      {judge && (
        <Card title="Judge's verdict">
          {judge.status !== "done" ? (
            <p className="text-sm text-slate-600">
              The judge has not answered yet ({STATE_LABELS[judge.status]}).
              {judge.error && <span className="block text-red-700">{judge.error}</span>}
            </p>
          ) : (
            <div className="space-y-2 text-sm">
              <p className="font-medium">
                {judge.outcome === "unsure"
                  ? "Unsure: the two orders did not agree"
                  : `${judge.winner} · ${judge.strength ? STRENGTH_LABELS[judge.strength] : ""}`}
              </p>
              {judge.rationale && <p className="text-slate-700">{judge.rationale}</p>}
              <ul className="text-xs text-slate-500">
                {judge.runs.map((run) => (
                  <li key={run.shown}>
                    Shown {run.shown}: {run.winner === "tie" ? "tie" : run.winner},{" "}
                    {STRENGTH_LABELS[run.strength].toLowerCase()}
                  </li>
                ))}
              </ul>
              {judge.model && <p className="text-xs text-slate-500">Judge: {judge.model}</p>}
            </div>
          )}
        </Card>
      )}
      {rewardModel && (
        <Card title="Reward model scores">
          {rewardModel.status !== "done" && (
            <p className="mb-2 text-sm text-slate-600">
              Scoring has not finished ({STATE_LABELS[rewardModel.status]}).
              {rewardModel.error && <span className="block text-red-700">{rewardModel.error}</span>}
            </p>
          )}
          <dl className="flex flex-wrap gap-6 text-sm">
            {rewardModel.scores.map((entry) => (
              <div key={entry.label}>
                <dt className="text-xs uppercase tracking-wide text-slate-500">{entry.label}</dt>
                <dd className="tabular-nums">{entry.score === null ? "—" : entry.score.toFixed(4)}</dd>
              </div>
            ))}
          </dl>
        </Card>
      )}
    </>
  );
}
