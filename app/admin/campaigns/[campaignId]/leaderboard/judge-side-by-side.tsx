"use client";
// The annotators' ranking beside the one the campaign's LLM judge gives on the same comparisons
// (both Bradley–Terry on the Elo scale): where they differ, the judge and the humans disagree on
// which variant is better. Shown once the judge has judged something.
import { useQuery } from "@tanstack/react-query";
import { Alert, Card } from "../../../../_components/ui";
import { errorMessage, useTRPC } from "../../../../_lib/trpc";

interface Player {
  label: string;
  rank: number;
  score: number;
  battles: number;
}

const cell = "py-2 pr-4 text-right tabular-nums";

function Standing({ player }: { player: Player | undefined }) {
  if (!player)
    return (
      <td colSpan={3} className={cell}>
        —
      </td>
    );
  return (
    <>
      <td className={cell}>{player.rank}</td>
      <td className={cell}>{player.score.toFixed(1)}</td>
      <td className={cell}>{player.battles.toLocaleString("en-US")}</td>
    </>
  );
}

export function JudgeSideBySide({
  filters,
  humans,
}: {
  filters: { campaignId: string; batchId?: string; includeRejected: boolean; includeFlaggedTurns: boolean };
  humans: Player[];
}) {
  const trpc = useTRPC();
  const judge = useQuery(trpc.leaderboard.get.queryOptions({ ...filters, voter: "judge" }));
  if (judge.error) return <Alert>{errorMessage(judge.error)}</Alert>;
  if (!judge.data || judge.data.players.length === 0) return null;
  const judged = new Map(judge.data.players.map((player) => [player.label, player]));
  const labels = [...humans.map((player) => player.label), ...judged.keys()].filter(
    (label, index, all) => all.indexOf(label) === index,
  );
  const byHumans = new Map(humans.map((player) => [player.label, player]));
  return (
    <Card
      title="Annotators and LLM judge side by side"
      description={`The same leaderboard from the annotators' choices and from the judge's verdicts (${judge.data.battles.toLocaleString("en-US")} judged battles; a verdict whose two orders disagreed counts as a tie, as "negligibly better" does). Turns flagged for identity leaks and near-duplicate prompts are not left out of the judge's.`}
    >
      <div className="overflow-x-auto">
        <table className="min-w-full divide-y divide-slate-200 text-sm">
          <caption className="sr-only">Annotators and LLM judge side by side</caption>
          <thead>
            <tr className="text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
              <th scope="col" className="py-2 pr-4">
                Variant
              </th>
              <th scope="col" className="py-2 pr-4 text-right">
                Annotators&apos; rank
              </th>
              <th scope="col" className="py-2 pr-4 text-right">
                Annotators&apos; score
              </th>
              <th scope="col" className="py-2 pr-4 text-right">
                Battles
              </th>
              <th scope="col" className="py-2 pr-4 text-right">
                Judge&apos;s rank
              </th>
              <th scope="col" className="py-2 pr-4 text-right">
                Judge&apos;s score
              </th>
              <th scope="col" className="py-2 pr-4 text-right">
                Judged battles
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {labels.map((label) => (
              <tr key={label}>
                <th scope="row" className="py-2 pr-4 text-left font-medium">
                  {label}
                </th>
                <Standing player={byHumans.get(label)} />
                <Standing player={judged.get(label)} />
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}
