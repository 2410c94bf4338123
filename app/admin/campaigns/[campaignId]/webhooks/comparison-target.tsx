"use client";
// The campaign's target number of comparisons: reaching it sends the "quota.reached" event.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { FormEvent } from "react";
import { Alert, Button, Card, TextField } from "../../../../_components/ui";
import { errorMessage, useTRPC } from "../../../../_lib/trpc";
import { numberOrNull } from "../../_components/fields";

export function ComparisonTarget({ campaignId }: { campaignId: string }) {
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
    <Card
      title="Comparison target"
      description='When the campaign has this many comparisons, webhooks that subscribe to "Quota reached" are told once.'
    >
      <form onSubmit={onSubmit} className="flex flex-wrap items-end gap-3" noValidate>
        <TextField
          id="target-comparisons"
          name="targetComparisons"
          type="number"
          label="Target (comparisons; empty for none)"
          min={1}
          defaultValue={target.data.targetComparisons ?? ""}
        />
        <Button type="submit" disabled={save.isPending}>
          Save target
        </Button>
      </form>
      {target.data.targetReachedAt && (
        <p className="mt-2 text-sm text-emerald-700">
          Reached {target.data.targetReachedAt.toLocaleString()}.
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
