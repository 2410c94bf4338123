"use client";
// What the campaign's LLM judge and reward model made of the comparison, for reviewers and admins
// (the procedure is a reviewer one: annotators never get it). Shown under the annotator's
// judgement; polls while a job is still waiting.
import { useQuery } from "@tanstack/react-query";
import { useFormatter, useTranslations } from "next-intl";
import { Alert, Card } from "../../_components/ui";
import { useErrorText } from "../../_lib/error-text";
import { useTRPC } from "../../_lib/trpc";
import { useLabels } from "../../annotate/_components/use-labels";
import { useResponseLabel } from "./response-label";

const POLL_MS = 3000;
const isWaiting = (status: string | undefined) => status === "queued" || status === "running";

export function ModelAssistPanel({ comparisonId }: { comparisonId: string }) {
  const errorMessage = useErrorText();
  const trpc = useTRPC();
  const t = useTranslations("ModelAssist");
  const labels = useLabels();
  const responseLabel = useResponseLabel();
  const format = useFormatter();
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
        <Card title={t("verdict")}>
          {judge.status !== "done" ? (
            <p className="text-sm text-slate-600">
              {t("judgeWaiting", { state: judge.status })}
              {judge.error && <span className="block text-red-700">{judge.error}</span>}
            </p>
          ) : (
            <div className="space-y-2 text-sm">
              <p className="font-medium">
                {judge.outcome === "unsure"
                  ? t("unsure")
                  : `${judge.winner ? responseLabel(judge.winner) : ""} · ${judge.strength ? labels.strength(judge.strength) : ""}`}
              </p>
              {judge.rationale && <p className="text-slate-700">{judge.rationale}</p>}
              <ul className="text-xs text-slate-500">
                {judge.runs.map((run) => (
                  <li key={run.shown}>
                    {t("run", {
                      shown: responseLabel(run.shown),
                      winner: run.winner === "tie" ? t("tie") : responseLabel(run.winner),
                      strength: labels.strength(run.strength),
                    })}
                  </li>
                ))}
              </ul>
              {judge.model && (
                <p className="text-xs text-slate-500">{t("judgeModel", { model: judge.model })}</p>
              )}
            </div>
          )}
        </Card>
      )}
      {rewardModel && (
        <Card title={t("scores")}>
          {rewardModel.status !== "done" && (
            <p className="mb-2 text-sm text-slate-600">
              {t("scoringWaiting", { state: rewardModel.status })}
              {rewardModel.error && <span className="block text-red-700">{rewardModel.error}</span>}
            </p>
          )}
          <dl className="flex flex-wrap gap-6 text-sm">
            {rewardModel.scores.map((entry) => (
              <div key={entry.label}>
                <dt className="text-xs uppercase tracking-wide text-slate-500">
                  {responseLabel(entry.label)}
                </dt>
                <dd className="tabular-nums">
                  {entry.score === null
                    ? "—"
                    : format.number(entry.score, { minimumFractionDigits: 4, maximumFractionDigits: 4 })}
                </dd>
              </div>
            ))}
          </dl>
        </Card>
      )}
    </>
  );
}
