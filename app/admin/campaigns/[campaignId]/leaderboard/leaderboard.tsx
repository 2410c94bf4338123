"use client";
// The model leaderboard: Bradley–Terry scores with bootstrap 95% intervals, shared ranks and
// preliminary marks, each variant version's record, and the pairwise win-rate and battle-count
// matrices.
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { plural } from "@/lib/plural";
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
import { percent } from "../../_components/labels";
import { Figure } from "../dashboard/charts";

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
            label="Batch"
            value={batchId}
            onChange={(event) => setBatchId(event.target.value)}
          >
            <option value="">All batches</option>
            {dashboard.data?.batches.map((batch) => (
              <option key={batch.id} value={batch.id}>
                {batch.number}. {batch.label}
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
          Include comparisons a reviewer rejected
        </label>
        <label className="flex items-center gap-2 pb-2 text-sm text-slate-700">
          <input
            type="checkbox"
            checked={includeFlaggedTurns}
            onChange={(event) => setIncludeFlaggedTurns(event.target.checked)}
          />
          Include turns flagged for identity leaks
        </label>
      </div>
      {board.error && <Alert>{errorMessage(board.error)}</Alert>}
      {board.data && board.data.players.length === 0 && (
        <Alert tone="info">No battles yet: the leaderboard fills as annotators compare responses.</Alert>
      )}
      {board.data && board.data.players.length > 0 && (
        <>
          <Card
            title="Scores"
            description={`Bradley–Terry scores on the Elo scale (average 1000) from ${board.data.battles.toLocaleString("en-US")} battles; a tie ("negligibly better / unsure") counts half. 95% intervals from ${board.data.bootstrapRounds} bootstrap resamples. Variants share a rank until their intervals stop overlapping; one with fewer than ${board.data.preliminaryBattles} battles is preliminary: its score is still likely to move, and it shares its rank.${board.data.flaggedTurnBattles > 0 ? ` ${plural(board.data.flaggedTurnBattles, "battle")} of turns flagged for identity leaks left out.` : ""}${board.data.overRepresentedBattles > 0 ? ` ${plural(board.data.overRepresentedBattles, "battle")} of over-represented near-duplicate prompts left out.` : ""}`}
          >
            <div className="overflow-x-auto">
              <table className="min-w-full divide-y divide-slate-200 text-sm">
                <caption className="sr-only">Leaderboard</caption>
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
                    <th scope="col" className="py-2 pr-4 text-right">
                      95% interval
                    </th>
                    <th scope="col" className="py-2 pr-4 text-right">
                      Battles
                    </th>
                    <th scope="col" className="py-2 text-right">
                      Won / lost / tied
                    </th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {board.data.players.map((player) => (
                    <tr key={player.label}>
                      <td className="py-2 pr-4 tabular-nums">{player.rank}</td>
                      <td className="py-2 pr-4 font-medium">
                        {player.label}
                        {player.isPreliminary && (
                          <span className="ml-2 rounded bg-amber-50 px-1.5 py-0.5 text-xs font-normal text-amber-800 ring-1 ring-amber-200">
                            preliminary
                          </span>
                        )}
                        {player.model && (
                          <span className="block text-xs font-normal text-slate-600">{player.model}</span>
                        )}
                      </td>
                      <td className="py-2 pr-4 text-right tabular-nums">{player.score.toFixed(1)}</td>
                      <td className="py-2 pr-4 text-right tabular-nums">
                        {player.interval
                          ? `${player.interval.lower.toFixed(1)} – ${player.interval.upper.toFixed(1)}`
                          : "—"}
                      </td>
                      <td className="py-2 pr-4 text-right tabular-nums">
                        {player.battles.toLocaleString("en-US")}
                      </td>
                      <td className="py-2 text-right tabular-nums">
                        {player.wins} / {player.losses} / {player.ties}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Card>

          <Figure title="Scores with 95% intervals">
            <ResponsiveContainer width="100%" height="100%">
              <ScatterChart margin={{ left: 24, right: 24 }}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis
                  type="number"
                  dataKey="score"
                  domain={["auto", "auto"]}
                  tick={{ fontSize: 11 }}
                  name="Score"
                />
                <YAxis type="category" dataKey="label" width={180} tick={{ fontSize: 11 }} name="Variant" />
                <Tooltip formatter={(value) => Number(value).toFixed(1)} />
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

          <Card title="Win rates" description="How often the row's variant beat the column's (ties as half).">
            <Matrix
              caption="Win rates"
              labels={board.data.players.map((player) => player.label)}
              cells={board.data.winRates}
              render={(rate) => percent(rate)}
              style={heat}
            />
          </Card>
          <Card title="Battle counts" description="How many times each pair met.">
            <Matrix
              caption="Battle counts"
              labels={board.data.players.map((player) => player.label)}
              cells={board.data.battleCounts}
              render={(count) => (count ? count.toLocaleString("en-US") : "—")}
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
              <th key={label} scope="col" className="px-2 py-1 text-left text-xs font-medium text-slate-600">
                {label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {cells.map((row, i) => (
            <tr key={labels[i]}>
              <th scope="row" className="py-1 pr-3 text-left text-xs font-medium text-slate-600">
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
