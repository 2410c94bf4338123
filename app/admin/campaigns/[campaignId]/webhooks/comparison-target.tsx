"use client";
// The campaign's target number of comparisons: reaching it sends the "quota.reached" event.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import type { FormEvent } from "react";
import { Alert, Button, Card, TextField } from "../../../../_components/ui";
import { useErrorText } from "../../../../_lib/error-text";
import { useTRPC } from "../../../../_lib/trpc";
import { numberOrNull } from "../../_components/fields";
import { useCampaignFormat } from "../../_components/use-campaign-format";

export function ComparisonTarget({ campaignId }: { campaignId: string }) {
  const t = useTranslations("CampaignComparisonTarget");
  const format = useCampaignFormat();
  const errorMessage = useErrorText();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const target = useQuery(trpc.webhooks.target.queryOptions({ campaignId }));
  const save = useMutation(
    trpc.webhooks.setTarget.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.webhooks.target.queryFilter()),
    }),
  );
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    save.mutate({ campaignId, targetComparisons: numberOrNull(form.get("targetComparisons")) });
  }
  if (!target.data) return target.error ? <Alert>{errorMessage(target.error)}</Alert> : null;
  return (
    <Card title={t("title")} description={t("hint")}>
      <form onSubmit={onSubmit} className="flex flex-wrap items-end gap-3" noValidate>
        <TextField
          id="target-comparisons"
          name="targetComparisons"
          type="number"
          label={t("target")}
          min={1}
          defaultValue={target.data.targetComparisons ?? ""}
        />
        <Button type="submit" disabled={save.isPending}>
          {t("save")}
        </Button>
      </form>
      {target.data.targetReachedAt && (
        <p className="mt-2 text-sm text-emerald-700">
          {t("reached", { at: format.moment(target.data.targetReachedAt) })}
        </p>
      )}
      {save.error && (
        <div className="mt-2">
          <Alert>{errorMessage(save.error)}</Alert>
        </div>
      )}
    </Card>
  );
}
