"use client";
// The Model assist tab: the campaign's LLM judge and reward model, how far their background jobs
// have got, and how they compare with the humans per batch: the judge's agreement by strength
// level, confusion matrix and Cohen's kappa; the reward model's accuracy by strength level (the
// Llama 2 Table 8 view).
import { useQuery } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import type { ReactNode } from "react";
import { STRENGTHS } from "@/lib/constants";
import { Alert, Card } from "../../../../_components/ui";
import { errorMessage, useTRPC } from "../../../../_lib/trpc";
import { useCampaignFormat } from "../../_components/use-campaign-format";
import { BestOfNForm, JudgeForm, RewardModelForm } from "./assistant-forms";

const POLL_MS = 3000;

interface Progress {
  queued: number;
  done: number;
  pending: number;
  failed: number;
  lastError: string | null;
}

function ProgressLine({ what, progress }: { what: string; progress: Progress }) {
  const t = useTranslations("CampaignAssist");
  return (
    <div className="text-sm">
      <p>
        <span className="font-medium">{t("progressLine", { what })}</span>{" "}
        {t("progressDone", { done: progress.done, queued: progress.queued })}
        {progress.pending > 0 && t("waiting", { count: progress.pending })}
        {progress.failed > 0 && t("failed", { count: progress.failed })}
      </p>
      {progress.lastError && <p className="text-red-700">{t("lastError", { error: progress.lastError })}</p>}
    </div>
  );
}

const headerCell = "py-2 pe-4 text-start text-xs font-semibold uppercase tracking-wide text-slate-500";

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
  const t = useTranslations("CampaignAssist");
  const format = useCampaignFormat();
  return (
    <table className="min-w-full divide-y divide-slate-200 text-sm">
      <caption className="pb-2 text-start font-semibold text-slate-800">{caption}</caption>
      <thead>
        <tr>
          <th scope="col" className={headerCell}>
            {t("batch")}
          </th>
          {STRENGTHS.map((strength) => (
            <th key={strength} scope="col" className={headerCell}>
              {format.strength(strength)}
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
            <th scope="row" className="py-2 pe-4 text-start font-medium">
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
  const t = useTranslations("CampaignAssist");
  const format = useCampaignFormat();
  return (
    <BatchTable
      caption={t("judgeAgreement")}
      after={[t("all"), t("kappa")]}
      rows={rows}
      cells={(row) => (
        <>
          {row.judge.byStrength.map((level) => (
            <td key={level.strength} className="py-2 pe-4">
              {format.percent(level.agreement)}{" "}
              <span className="text-xs text-slate-500">
                {t("agreedOf", { agreed: level.agreed, judged: level.judged })}
                {level.unsure > 0 && t("unsure", { count: level.unsure })}
                {t("closeParen")}
              </span>
            </td>
          ))}
          <td className="py-2 pe-4">
            {format.percent(row.judge.agreement)}{" "}
            <span className="text-xs text-slate-500">{t("count", { count: row.judge.judged })}</span>
          </td>
          <td className="py-2 pe-4">{row.judge.kappa === null ? "—" : format.number(row.judge.kappa, 2)}</td>
        </>
      )}
    />
  );
}

function ConfusionMatrix({ name, confusion }: { name: string; confusion: number[][] }) {
  const t = useTranslations("CampaignAssist");
  const format = useCampaignFormat();
  const labels = [t("shownFirst"), t("shownSecond"), t("unsureLabel")];
  return (
    <table className="text-sm">
      <caption className="pb-2 text-start font-semibold text-slate-800">
        {t("confusionCaption", { name })}
      </caption>
      <thead>
        <tr>
          <td />
          {labels.map((label) => (
            <th key={label} scope="col" className={headerCell}>
              {t("judgeColumn", { label })}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {confusion.slice(0, 2).map((row, index) => (
          <tr key={labels[index]}>
            <th scope="row" className="py-1 pe-4 text-start font-medium">
              {t("annotatorRow", { label: labels[index] })}
            </th>
            {row.map((count, column) => (
              <td key={labels[column]} className="py-1 pe-4 tabular-nums">
                {format.count(count)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function RewardAccuracyTable({ rows }: { rows: BatchFigures[] }) {
  const t = useTranslations("CampaignAssist");
  const format = useCampaignFormat();
  return (
    <BatchTable
      caption={t("rewardAccuracy")}
      after={[t("average")]}
      rows={rows}
      cells={(row) => (
        <>
          {row.rewardModel.byStrength.map((level) => (
            <td key={level.strength} className="py-2 pe-4">
              {format.percent(level.accuracy)}{" "}
              <span className="text-xs text-slate-500">{t("count", { count: level.scored })}</span>
            </td>
          ))}
          <td className="py-2 pe-4">
            {format.percent(row.rewardModel.accuracy)}{" "}
            <span className="text-xs text-slate-500">{t("count", { count: row.rewardModel.scored })}</span>
          </td>
        </>
      )}
    />
  );
}

export function ModelAssist({ campaignId }: { campaignId: string }) {
  const trpc = useTRPC();
  const t = useTranslations("CampaignAssist");
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
  if (!settings.data) return <p className="text-sm text-slate-500">{t("loading")}</p>;
  const figures = overview.data;
  const rows: BatchFigures[] = figures
    ? [
        ...figures.statistics.batches.map((batch) => ({
          name: t("batchNumber", { number: batch.batchNumber }),
          ...batch,
        })),
        { name: t("allBatches"), ...figures.statistics.overall },
      ]
    : [];
  return (
    <div className="space-y-6">
      <Card title={t("progress")}>
        {overview.error && <Alert>{errorMessage(overview.error)}</Alert>}
        {figures ? (
          <div className="space-y-2">
            <ProgressLine what={t("judge")} progress={figures.progress.judge} />
            <ProgressLine what={t("rewardModel")} progress={figures.progress.rewardModel} />
          </div>
        ) : (
          <p className="text-sm text-slate-500">{t("loading")}</p>
        )}
      </Card>
      {figures && figures.statistics.batches.length > 0 && (
        <Card title={t("against")}>
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
      <BestOfNForm
        campaignId={campaignId}
        rewardModel={settings.data.rewardModel}
        variants={settings.data.variants}
      />
    </div>
  );
}
