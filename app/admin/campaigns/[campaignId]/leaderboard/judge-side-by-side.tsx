"use client";
// The annotators' ranking beside the one the campaign's LLM judge gives on the same comparisons
// (both Bradley–Terry on the Elo scale): where they differ, the judge and the humans disagree on
// which variant is better. Shown once the judge has judged something.
import { useQuery } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { Alert, Card } from "../../../../_components/ui";
import { useErrorText } from "../../../../_lib/error-text";
import { useTRPC } from "../../../../_lib/trpc";
import { useCampaignFormat } from "../../_components/use-campaign-format";

interface Player {
  label: string;
  rank: number;
  score: number;
  battles: number;
}

const cell = "py-2 pe-4 text-end tabular-nums";

function Standing({ player }: { player: Player | undefined }) {
  const format = useCampaignFormat();
  if (!player)
    return (
      <td colSpan={3} className={cell}>
        —
      </td>
    );
  return (
    <>
      <td className={cell}>{format.count(player.rank)}</td>
      <td className={cell}>{format.score(player.score)}</td>
      <td className={cell}>{format.count(player.battles)}</td>
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
  const t = useTranslations("CampaignJudgeLeaderboard");
  const errorMessage = useErrorText();
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
    <Card title={t("title")} description={t("hint", { battles: judge.data.battles })}>
      <div className="overflow-x-auto">
        <table className="min-w-full divide-y divide-slate-200 text-sm">
          <caption className="sr-only">{t("title")}</caption>
          <thead>
            <tr className="text-start text-xs font-semibold uppercase tracking-wide text-slate-500">
              <th scope="col" className="py-2 pe-4">
                {t("variant")}
              </th>
              {(
                ["humanRank", "humanScore", "battles", "judgeRank", "judgeScore", "judgedBattles"] as const
              ).map((column) => (
                <th key={column} scope="col" className="py-2 pe-4 text-end">
                  {t(column)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {labels.map((label) => (
              <tr key={label}>
                <th scope="row" className="py-2 pe-4 text-start font-medium">
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
