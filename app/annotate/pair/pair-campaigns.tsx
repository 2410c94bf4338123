"use client";
// The campaigns where the annotator can rate pairs; "Rate pairs" claims the next task.
import { useMutation, useQuery } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { Alert, Button, Card } from "../../_components/ui";
import { useErrorText } from "../../_lib/error-text";
import { useTRPC } from "../../_lib/trpc";
import { Pager } from "../../_components/pager";

export function PairCampaigns() {
  const errorMessage = useErrorText();
  const t = useTranslations("Pairs");
  const trpc = useTRPC();
  const router = useRouter();
  const [page, setPage] = useState(1);
  const [nothingIn, setNothingIn] = useState<string | null>(null);
  const campaigns = useQuery(trpc.quality.pairCampaigns.queryOptions({ page, pageSize: 25 }));
  const claim = useMutation(
    trpc.quality.claimPair.mutationOptions({
      onSuccess: (task, input) => {
        if (task) router.push(`/annotate/pair/${task.taskId}`);
        else setNothingIn(input.campaignId);
      },
    }),
  );
  if (campaigns.error) return <Alert>{errorMessage(campaigns.error)}</Alert>;
  return (
    <Card>
      {claim.error && (
        <div className="mb-3">
          <Alert>{errorMessage(claim.error)}</Alert>
        </div>
      )}
      {campaigns.data?.items.length === 0 && <p className="text-sm text-slate-500">{t("noCampaign")}</p>}
      <ul className="divide-y divide-slate-100">
        {campaigns.data?.items.map((campaign) => (
          <li
            key={campaign.id}
            className="flex flex-wrap items-center justify-between gap-3 py-3"
            aria-label={campaign.name}
          >
            <div className="text-sm">
              <p className="font-medium text-slate-900">{campaign.name}</p>
              <p className="text-slate-600">
                {campaign.pendingTaskId
                  ? t("inProgress")
                  : campaign.status === "paused"
                    ? t("paused")
                    : nothingIn === campaign.id
                      ? t("nothingWaiting")
                      : campaign.waitingPairs >= 1000
                        ? t("waitingMany")
                        : t("waiting", { count: campaign.waitingPairs })}
              </p>
            </div>
            <Button
              disabled={claim.isPending || campaign.status === "paused"}
              aria-label={t("rateIn", { name: campaign.name })}
              onClick={() => {
                setNothingIn(null);
                claim.mutate({ campaignId: campaign.id });
              }}
            >
              {campaign.pendingTaskId ? t("continue") : t("rate")}
            </Button>
          </li>
        ))}
      </ul>
      {campaigns.data && (
        <Pager page={campaigns.data.page} pageCount={campaigns.data.pageCount} onPage={setPage} />
      )}
    </Card>
  );
}
