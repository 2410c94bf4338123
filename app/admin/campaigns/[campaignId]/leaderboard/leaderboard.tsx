"use client";
// The model leaderboard: Bradley–Terry scores with bootstrap 95% intervals, shared ranks and
// preliminary marks, each variant version's record, and the pairwise win-rate and battle-count
// matrices.
import { useQuery } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { useState } from "react";
import {
  CartesianGrid,
  ErrorBar,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { Alert, Card, SelectField } from "../../../../_components/ui";
import { errorMessage, useTRPC } from "../../../../_lib/trpc";
import { useCampaignFormat } from "../../_components/use-campaign-format";
import { Figure } from "../dashboard/charts";
import { JudgeSideBySide } from "./judge-side-by-side";

/**
 * Pale for 0%, indigo for 100%: how often the row's variant beat the column's. The shade jumps
 * where the text turns white, so that both dark and white text keep a 4.5:1 contrast (WCAG 1.4.3).
 */
function heat(rate: number | null) {
  if (rate === null) return undefined;
  const isDark = rate > 0.6;
  const alpha = isDark ? 0.85 + 0.15 * ((rate - 0.6) / 0.4) : 0.08 + 0.6 * rate;
  return {
    backgroundColor: `rgba(79, 70, 229, ${alpha.toFixed(2)})`,
    color: isDark ? "white" : undefined,
  };
}

export function Leaderboard({ campaignId }: { campaignId: string }) {
  const trpc = useTRPC();
  const t = useTranslations("CampaignLeaderboard");
  const format = useCampaignFormat();
  const [batchId, setBatchId] = useState("");
  const [includeRejected, setIncludeRejected] = useState(false);
  const [includeFlaggedTurns, setIncludeFlaggedTurns] = useState(false);
  const dashboard = useQuery(trpc.dashboard.get.queryOptions({ campaignId }));
  const board = useQuery(
    trpc.leaderboard.get.queryOptions({
      campaignId,
      batchId: batchId || undefined,
      includeRejected,
      includeFlaggedTurns,
    }),
  );
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end gap-6">
        <div className="w-64">
          <SelectField
            id="leaderboard-batch"
            label={t("batch")}
            value={batchId}
            onChange={(event) => setBatchId(event.target.value)}
          >
            <option value="">{t("allBatches")}</option>
            {dashboard.data?.batches.map((batch) => (
              <option key={batch.id} value={batch.id}>
                {format.count(batch.number)}. {batch.label}
              </option>
            ))}
          </SelectField>
        </div>
        <label className="flex items-center gap-2 pb-2 text-sm text-slate-700">
          <input
            type="checkbox"
            checked={includeRejected}
            onChange={(event) => setIncludeRejected(event.target.checked)}
          />
          {t("includeRejected")}
        </label>
        <label className="flex items-center gap-2 pb-2 text-sm text-slate-700">
          <input
            type="checkbox"
            checked={includeFlaggedTurns}
            onChange={(event) => setIncludeFlaggedTurns(event.target.checked)}
          />
          {t("includeFlagged")}
        </label>
      </div>
      {board.error && <Alert>{errorMessage(board.error)}</Alert>}
      {board.data && board.data.players.length === 0 && <Alert tone="info">{t("noBattles")}</Alert>}
      {board.data && board.data.players.length > 0 && (
        <>
          <Card
            title={t("scores")}
            description={`${t("scoresHint", {
              battles: board.data.battles,
              rounds: board.data.bootstrapRounds,
              preliminary: board.data.preliminaryBattles,
            })}${
              board.data.flaggedTurnBattles > 0
                ? t("flaggedLeftOut", { count: board.data.flaggedTurnBattles })
                : ""
            }${
              board.data.overRepresentedBattles > 0
                ? t("duplicatesLeftOut", { count: board.data.overRepresentedBattles })
                : ""
            }`}
          >
            <div className="overflow-x-auto">
              <table className="min-w-full divide-y divide-slate-200 text-sm">
                <caption className="sr-only">{t("caption")}</caption>
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
                    <th scope="col" className="py-2 pe-4 text-end">
                      {t("interval")}
                    </th>
                    <th scope="col" className="py-2 pe-4 text-end">
                      {t("battles")}
                    </th>
                    <th scope="col" className="py-2 text-end">
                      {t("record")}
                    </th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {board.data.players.map((player) => (
                    <tr key={player.label}>
                      <td className="py-2 pe-4 tabular-nums">{format.count(player.rank)}</td>
                      <td className="py-2 pe-4 font-medium">
                        {player.label}
                        {player.isPreliminary && (
                          <span className="ms-2 rounded bg-amber-50 px-1.5 py-0.5 text-xs font-normal text-amber-800 ring-1 ring-amber-200">
                            {t("preliminary")}
                          </span>
                        )}
                        {player.model && (
                          <span className="block text-xs font-normal text-slate-600">{player.model}</span>
                        )}
                      </td>
                      <td className="py-2 pe-4 text-end tabular-nums">{format.score(player.score)}</td>
                      <td className="py-2 pe-4 text-end tabular-nums">
                        {player.interval
                          ? t("range", {
                              low: format.score(player.interval.lower),
                              high: format.score(player.interval.upper),
                            })
                          : "—"}
                      </td>
                      <td className="py-2 pe-4 text-end tabular-nums">{format.count(player.battles)}</td>
                      <td className="py-2 text-end tabular-nums">
                        {t("recordValue", { wins: player.wins, losses: player.losses, ties: player.ties })}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Card>

          <JudgeSideBySide
            filters={{ campaignId, batchId: batchId || undefined, includeRejected, includeFlaggedTurns }}
            humans={board.data.players}
          />

          <Figure title={t("scoresChart")}>
            <ResponsiveContainer width="100%" height="100%">
              <ScatterChart margin={{ left: 24, right: 24 }}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis
                  type="number"
                  dataKey="score"
                  domain={["auto", "auto"]}
                  tick={{ fontSize: 11 }}
                  name={t("score")}
                />
                <YAxis
                  type="category"
                  dataKey="label"
                  width={180}
                  tick={{ fontSize: 11 }}
                  name={t("variant")}
                />
                <Tooltip formatter={(value) => format.score(Number(value))} />
                <Scatter
                  data={board.data.players.map((player) => ({
                    label: player.label,
                    score: player.score,
                    error: player.interval
                      ? [player.score - player.interval.lower, player.interval.upper - player.score]
                      : [0, 0],
                  }))}
                  fill="#4f46e5"
                  isAnimationActive={false}
                >
                  <ErrorBar dataKey="error" direction="x" stroke="#312e81" />
                </Scatter>
              </ScatterChart>
            </ResponsiveContainer>
          </Figure>

          <Card title={t("winRates")} description={t("winRatesHint")}>
            <Matrix
              caption={t("winRates")}
              labels={board.data.players.map((player) => player.label)}
              cells={board.data.winRates}
              render={(rate) => format.percent(rate)}
              style={heat}
            />
          </Card>
          <Card title={t("battleCounts")} description={t("battleCountsHint")}>
            <Matrix
              caption={t("battleCounts")}
              labels={board.data.players.map((player) => player.label)}
              cells={board.data.battleCounts}
              render={(count) => (count ? format.count(count) : "—")}
            />
          </Card>
        </>
      )}
    </div>
  );
}

function Matrix<T extends number | null>({
  caption,
  labels,
  cells,
  render,
  style,
}: {
  caption: string;
  labels: string[];
  cells: T[][];
  render: (value: T) => string;
  style?: (value: T) => React.CSSProperties | undefined;
}) {
  return (
    <div className="overflow-x-auto">
      <table className="text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <td />
            {labels.map((label) => (
              <th key={label} scope="col" className="px-2 py-1 text-start text-xs font-medium text-slate-600">
                {label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {cells.map((row, i) => (
            <tr key={labels[i]}>
              <th scope="row" className="py-1 pe-3 text-start text-xs font-medium text-slate-600">
                {labels[i]}
              </th>
              {row.map((value, j) => (
                <td
                  key={labels[j]}
                  className="min-w-20 px-2 py-1 text-center tabular-nums"
                  style={i === j ? undefined : style?.(value)}
                >
                  {i === j ? "" : render(value)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
