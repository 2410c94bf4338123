"use client";
// The Model assist tab: the campaign's LLM judge and reward model, how far their background jobs
// have got, and how they compare with the humans per batch: the judge's agreement by strength
// level, confusion matrix and Cohen's kappa; the reward model's accuracy by strength level (the
// Llama 2 Table 8 view).
import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { STRENGTH_LABELS, STRENGTHS } from "@/lib/constants";
import { Alert, Card } from "../../../../_components/ui";
import { errorMessage, useTRPC } from "../../../../_lib/trpc";
import { percent } from "../../_components/labels";
import { JudgeForm, RewardModelForm } from "./assistant-forms";

const POLL_MS = 3000;

interface Progress {
  queued: number;
  done: number;
  pending: number;
  failed: number;
  lastError: string | null;
}

function ProgressLine({ what, progress }: { what: string; progress: Progress }) {
  return (
    <div className="text-sm">
      <p>
        <span className="font-medium">{what}:</span> {progress.done} of {progress.queued} done
        {progress.pending > 0 && `, ${progress.pending} waiting`}
        {progress.failed > 0 && `, ${progress.failed} failed`}
      </p>
      {progress.lastError && <p className="text-red-700">Last error: {progress.lastError}</p>}
    </div>
  );
}

const headerCell = "py-2 pr-4 text-left text-xs font-semibold uppercase tracking-wide text-slate-500";

interface JudgeFigures {
  judged: number;
  agreement: number | null;
  kappa: number | null;
  confusion: number[][];
  byStrength: {
    strength: string;
    judged: number;
    agreed: number;
    unsure: number;
    agreement: number | null;
  }[];
}

interface RewardFigures {
  scored: number;
  accuracy: number | null;
  byStrength: { strength: string; scored: number; accuracy: number | null }[];
}

interface BatchFigures {
  name: string;
  judge: JudgeFigures;
  rewardModel: RewardFigures;
}

/** A table with a row per batch and a column per strength level, then the given columns. */
function BatchTable({
  caption,
  after,
  rows,
  cells,
}: {
  caption: string;
  after: string[];
  rows: BatchFigures[];
  cells: (row: BatchFigures) => ReactNode;
}) {
  return (
    <table className="min-w-full divide-y divide-slate-200 text-sm">
      <caption className="pb-2 text-left font-semibold text-slate-800">{caption}</caption>
      <thead>
        <tr>
          <th scope="col" className={headerCell}>
            Batch
          </th>
          {STRENGTHS.map((strength) => (
            <th key={strength} scope="col" className={headerCell}>
              {STRENGTH_LABELS[strength]}
            </th>
          ))}
          {after.map((heading) => (
            <th key={heading} scope="col" className={headerCell}>
              {heading}
            </th>
          ))}
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {rows.map((row) => (
          <tr key={row.name}>
            <th scope="row" className="py-2 pr-4 text-left font-medium">
              {row.name}
            </th>
            {cells(row)}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function JudgeAgreementTable({ rows }: { rows: BatchFigures[] }) {
  return (
    <BatchTable
      caption="Judge agreement with the annotators, by the annotator's strength"
      after={["All", "Cohen's kappa"]}
      rows={rows}
      cells={(row) => (
        <>
          {row.judge.byStrength.map((level) => (
            <td key={level.strength} className="py-2 pr-4">
              {percent(level.agreement)}{" "}
              <span className="text-xs text-slate-500">
                ({level.agreed}/{level.judged}
                {level.unsure > 0 && `, ${level.unsure} unsure`})
              </span>
            </td>
          ))}
          <td className="py-2 pr-4">
            {percent(row.judge.agreement)}{" "}
            <span className="text-xs text-slate-500">({row.judge.judged})</span>
          </td>
          <td className="py-2 pr-4">{row.judge.kappa === null ? "—" : row.judge.kappa.toFixed(2)}</td>
        </>
      )}
    />
  );
}

function ConfusionMatrix({ name, confusion }: { name: string; confusion: number[][] }) {
  const labels = ["A (shown first)", "B (shown second)", "Unsure"];
  return (
    <table className="text-sm">
      <caption className="pb-2 text-left font-semibold text-slate-800">
        {name}: annotator (rows) against judge (columns)
      </caption>
      <thead>
        <tr>
          <td />
          {labels.map((label) => (
            <th key={label} scope="col" className={headerCell}>
              Judge: {label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {confusion.slice(0, 2).map((row, index) => (
          <tr key={labels[index]}>
            <th scope="row" className="py-1 pr-4 text-left font-medium">
              Annotator: {labels[index]}
            </th>
            {row.map((count, column) => (
              <td key={labels[column]} className="py-1 pr-4 tabular-nums">
                {count}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function RewardAccuracyTable({ rows }: { rows: BatchFigures[] }) {
  return (
    <BatchTable
      caption="Reward model accuracy against the annotators' choice, by strength"
      after={["Average"]}
      rows={rows}
      cells={(row) => (
        <>
          {row.rewardModel.byStrength.map((level) => (
            <td key={level.strength} className="py-2 pr-4">
              {percent(level.accuracy)} <span className="text-xs text-slate-500">({level.scored})</span>
            </td>
          ))}
          <td className="py-2 pr-4">
            {percent(row.rewardModel.accuracy)}{" "}
            <span className="text-xs text-slate-500">({row.rewardModel.scored})</span>
          </td>
        </>
      )}
    />
  );
}

export function ModelAssist({ campaignId }: { campaignId: string }) {
  const trpc = useTRPC();
  const settings = useQuery(trpc.judging.settings.queryOptions({ campaignId }));
  const overview = useQuery({
    ...trpc.judging.overview.queryOptions({ campaignId }),
    refetchInterval: (query) =>
      query.state.data &&
      query.state.data.progress.judge.pending + query.state.data.progress.rewardModel.pending > 0
        ? POLL_MS
        : false,
  });
  if (settings.error) return <Alert>{errorMessage(settings.error)}</Alert>;
  if (!settings.data) return <p className="text-sm text-slate-500">Loading…</p>;
  const figures = overview.data;
  const rows: BatchFigures[] = figures
    ? [
        ...figures.statistics.batches.map((batch) => ({ name: `Batch ${batch.batchNumber}`, ...batch })),
        { name: "All batches", ...figures.statistics.overall },
      ]
    : [];
  return (
    <div className="space-y-6">
      <Card title="Progress">
        {overview.error && <Alert>{errorMessage(overview.error)}</Alert>}
        {figures ? (
          <div className="space-y-2">
            <ProgressLine what="Judge" progress={figures.progress.judge} />
            <ProgressLine what="Reward model" progress={figures.progress.rewardModel} />
          </div>
        ) : (
          <p className="text-sm text-slate-500">Loading…</p>
        )}
      </Card>
      {figures && figures.statistics.batches.length > 0 && (
        <Card title="Judge and reward model against the annotators">
          <div className="space-y-6 overflow-x-auto">
            <JudgeAgreementTable rows={rows} />
            <div className="flex flex-wrap gap-8">
              {rows.map((row) => (
                <ConfusionMatrix key={row.name} name={row.name} confusion={row.judge.confusion} />
              ))}
            </div>
            <RewardAccuracyTable rows={rows} />
          </div>
        </Card>
      )}
      <JudgeForm campaignId={campaignId} judge={settings.data.judge} defaults={settings.data.defaults} />
      <RewardModelForm campaignId={campaignId} rewardModel={settings.data.rewardModel} />
    </div>
  );
}
