"use client";
// The Webhooks tab: URLs that are told when something happens in the campaign (signed POSTs sent
// from the job queue), each with its latest deliveries and a button that sends a test event.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useFormatter, useTranslations } from "next-intl";
import type { FormEvent } from "react";
import { WEBHOOK_EVENTS, type WebhookDeliveryStatus, type WebhookEvent } from "@/lib/constants";
import { Alert, Button, Card, TextField } from "../../../../_components/ui";
import { errorMessage, useTRPC } from "../../../../_lib/trpc";
import { useCampaignFormat } from "../../_components/use-campaign-format";
import { ComparisonTarget } from "./comparison-target";

const POLL_MS = 3000;

/** An event's message key (message keys cannot hold the event names' dots). */
const eventKey = (event: WebhookEvent) => `events.${event.replace(".", "_")}`;

const STATUS_STYLES: Record<string, string> = {
  delivered: "text-emerald-700",
  failed: "text-red-700",
  retrying: "text-amber-700",
  pending: "text-slate-600",
};

function AddWebhook({ campaignId }: { campaignId: string }) {
  const trpc = useTRPC();
  const t = useTranslations("CampaignWebhooks");
  const queryClient = useQueryClient();
  const create = useMutation(
    trpc.webhooks.create.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.webhooks.list.queryFilter()),
    }),
  );

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    create.mutate(
      {
        campaignId,
        url: String(form.get("url") ?? ""),
        events: form.getAll("events").map(String) as WebhookEvent[],
      },
      { onSuccess: () => formElement.reset() },
    );
  }

  return (
    <Card title={t("add")} description={t("addHint")}>
      <form onSubmit={onSubmit} className="space-y-4" noValidate>
        <TextField
          id="webhook-url"
          name="url"
          type="url"
          label={t("url")}
          placeholder="https://example.com/arbiter"
          required
          maxLength={2000}
        />
        <fieldset>
          <legend className="text-sm font-medium text-slate-700">{t("eventsLegend")}</legend>
          <div className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-sm text-slate-700">
            {WEBHOOK_EVENTS.map((event) => (
              <label key={event} className="flex items-center gap-2">
                <input
                  type="checkbox"
                  name="events"
                  value={event}
                  defaultChecked
                  className="rounded border-slate-300"
                />
                {t(eventKey(event))}
              </label>
            ))}
          </div>
        </fieldset>
        <Button type="submit" disabled={create.isPending}>
          {create.isPending ? t("adding") : t("addSubmit")}
        </Button>
      </form>
      <div className="mt-4 space-y-2">
        {create.error && <Alert>{errorMessage(create.error)}</Alert>}
        {create.data && (
          <Alert tone="success">
            {t("added")} <code className="break-all font-mono">{create.data.secret}</code>
          </Alert>
        )}
      </div>
    </Card>
  );
}

export function Webhooks({ campaignId }: { campaignId: string }) {
  const trpc = useTRPC();
  const t = useTranslations("CampaignWebhooks");
  const format = useCampaignFormat();
  const formatter = useFormatter();
  const queryClient = useQueryClient();
  const list = useQuery({ ...trpc.webhooks.list.queryOptions({ campaignId }), refetchInterval: POLL_MS });
  const invalidate = () => queryClient.invalidateQueries(trpc.webhooks.list.queryFilter());
  const remove = useMutation(trpc.webhooks.delete.mutationOptions({ onSuccess: invalidate }));
  const sendTest = useMutation(trpc.webhooks.sendTest.mutationOptions({ onSuccess: invalidate }));
  const setActive = useMutation(trpc.webhooks.setActive.mutationOptions({ onSuccess: invalidate }));
  const failure = remove.error ?? sendTest.error ?? setActive.error;

  return (
    <div className="space-y-6">
      <AddWebhook campaignId={campaignId} />
      <ComparisonTarget campaignId={campaignId} />
      {list.error && <Alert>{errorMessage(list.error)}</Alert>}
      {failure && <Alert>{errorMessage(failure)}</Alert>}
      {list.data?.length === 0 && <p className="text-sm text-slate-600">{t("none")}</p>}
      {list.data?.map((webhook) => (
        <Card key={webhook.id} title={webhook.url}>
          <p className="text-sm text-slate-600">
            {t("eventList", {
              events: formatter.list(
                webhook.events.map((event) => t(eventKey(event))),
                { type: "unit", style: "short" },
              ),
            })}{" "}
            <code className="font-mono">{webhook.secretPrefix}…</code>
            {!webhook.isActive && t("paused")}
          </p>
          <div className="mt-3 flex gap-2">
            <Button
              variant="secondary"
              disabled={sendTest.isPending}
              onClick={() => sendTest.mutate({ webhookId: webhook.id })}
            >
              {t("sendTest")}
            </Button>
            <Button
              variant="secondary"
              disabled={setActive.isPending}
              onClick={() => setActive.mutate({ webhookId: webhook.id, isActive: !webhook.isActive })}
            >
              {webhook.isActive ? t("pause") : t("resume")}
            </Button>
            <Button
              variant="danger"
              disabled={remove.isPending}
              onClick={() => {
                if (window.confirm(t("confirmRemove", { url: webhook.url })))
                  remove.mutate({ webhookId: webhook.id });
              }}
            >
              {t("remove")}
            </Button>
          </div>
          {webhook.deliveries.length > 0 && (
            <table className="mt-4 min-w-full divide-y divide-slate-200 text-sm">
              <caption className="pb-2 text-start text-sm font-semibold text-slate-800">
                {t("deliveries")}
              </caption>
              <thead>
                <tr className="text-start text-xs font-semibold uppercase tracking-wide text-slate-500">
                  <th scope="col" className="py-2 pe-4">
                    {t("event")}
                  </th>
                  <th scope="col" className="py-2 pe-4">
                    {t("status")}
                  </th>
                  <th scope="col" className="py-2 pe-4 text-end">
                    {t("attempts")}
                  </th>
                  <th scope="col" className="py-2 pe-4">
                    {t("lastAttempt")}
                  </th>
                  <th scope="col" className="py-2">
                    {t("answer")}
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {webhook.deliveries.map((delivery) => (
                  <tr key={delivery.id}>
                    <td className="py-2 pe-4 font-mono text-xs">{delivery.event}</td>
                    <td className={`py-2 pe-4 font-medium ${STATUS_STYLES[delivery.status]}`}>
                      {t(`statuses.${delivery.status as WebhookDeliveryStatus}`)}
                    </td>
                    <td className="py-2 pe-4 text-end tabular-nums">{format.count(delivery.attempts)}</td>
                    <td className="py-2 pe-4">
                      {delivery.lastAttemptAt ? format.moment(delivery.lastAttemptAt) : "—"}
                    </td>
                    <td className="py-2">
                      {delivery.error ??
                        (delivery.responseStatus
                          ? t("http", { status: String(delivery.responseStatus) })
                          : "—")}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
      ))}
    </div>
  );
}
