"use client";
// A campaign's working page: the setup checklist, its state (pause, resume, archive), batches
// (close the current one, open the next), and model variants (add, edit, test the connection).
// An archived campaign is read-only, so the page offers no change but Restore.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { useState } from "react";
import type { ModelVariant } from "@/db/schema";
import { modelLabel } from "@/lib/model-label";
import { Alert, Button, Card, cx, TextField } from "../../../_components/ui";
import { errorMessage, useTRPC } from "../../../_lib/trpc";
import { ConnectionTestResult } from "../_components/connection-test-result";
import { useCampaignFormat } from "../_components/use-campaign-format";
import { VariantForm } from "../_components/variant-form";

type StatusAction = "pause" | "resume" | "archive" | "restore";

export function CampaignOverview({ campaignId }: { campaignId: string }) {
  const trpc = useTRPC();
  const t = useTranslations("CampaignOverview");
  const format = useCampaignFormat();
  const router = useRouter();
  const queryClient = useQueryClient();
  const overview = useQuery(trpc.campaigns.overview.queryOptions({ campaignId }));
  const refresh = async () => {
    await queryClient.invalidateQueries(trpc.campaigns.overview.queryFilter({ campaignId }));
    router.refresh();
  };
  const setStatus = useMutation(trpc.campaigns.setStatus.mutationOptions({ onSuccess: refresh }));
  const openNext = useMutation(trpc.batches.openNext.mutationOptions({ onSuccess: refresh }));
  const closeBatch = useMutation(trpc.batches.close.mutationOptions({ onSuccess: refresh }));
  const [batchLabel, setBatchLabel] = useState("");

  if (overview.error) return <Alert>{errorMessage(overview.error)}</Alert>;
  if (!overview.data) return <p className="text-sm text-slate-500">{t("loading")}</p>;
  const { campaign, batches, variants, setup } = overview.data;
  const isArchived = campaign.status === "archived";
  const openBatch = batches.find((batch) => batch.status === "open");
  const statusError = setStatus.error ?? openNext.error ?? closeBatch.error;
  const actions: { action: StatusAction; variant: "secondary" | "danger" }[] =
    campaign.status === "active"
      ? [
          { action: "pause", variant: "secondary" },
          { action: "archive", variant: "danger" },
        ]
      : campaign.status === "paused"
        ? [
            { action: "resume", variant: "secondary" },
            { action: "archive", variant: "danger" },
          ]
        : campaign.status === "archived"
          ? [{ action: "restore", variant: "secondary" }]
          : [{ action: "archive", variant: "danger" }];

  function changeStatus(action: StatusAction) {
    if (action === "archive" && !window.confirm(t("confirmArchive", { name: campaign.name }))) {
      return;
    }
    setStatus.mutate({ campaignId, action });
  }

  return (
    <div className="space-y-6">
      {campaign.status === "draft" && <SetupChecklist campaignId={campaignId} setup={setup} />}
      <Card title={t("state")}>
        <p className="text-sm text-slate-700">
          {campaign.status === "draft" && t("stateDraft")}
          {campaign.status === "active" && t("stateActive")}
          {campaign.status === "paused" && t("statePaused")}
          {campaign.status === "archived" && t("stateArchived")}
        </p>
        <div className="mt-3 flex gap-2">
          {actions.map(({ action, variant }) => (
            <Button
              key={action}
              variant={variant}
              disabled={setStatus.isPending}
              onClick={() => changeStatus(action)}
            >
              {t(action)}
            </Button>
          ))}
        </div>
        {statusError && (
          <div className="mt-3">
            <Alert>{errorMessage(statusError)}</Alert>
          </div>
        )}
        {setStatus.data?.status === "paused" && setStatus.variables?.action === "restore" && (
          <div className="mt-3">
            <Alert tone="success">{t("restored")}</Alert>
          </div>
        )}
      </Card>

      <Card title={t("batches")} description={t("batchesHint")}>
        {!isArchived && (
          <div className="flex flex-wrap items-end gap-3">
            <div className="w-64">
              <TextField
                id="batch-label"
                label={t("batchLabel")}
                maxLength={100}
                value={batchLabel}
                onChange={(event) => setBatchLabel(event.target.value)}
              />
            </div>
            <Button
              disabled={openNext.isPending || (batches.length === 0 && !setup.isReadyToOpen)}
              onClick={() =>
                openNext.mutate({ campaignId, label: batchLabel }, { onSuccess: () => setBatchLabel("") })
              }
            >
              {openBatch
                ? t("closeAndOpen", { number: openBatch.number })
                : batches.length === 0
                  ? t("openFirst")
                  : t("openNext")}
            </Button>
            {openBatch && (
              <Button
                variant="secondary"
                disabled={closeBatch.isPending}
                onClick={() => closeBatch.mutate({ campaignId })}
              >
                {t("closeBatch", { number: openBatch.number })}
              </Button>
            )}
          </div>
        )}
        <div className="mt-4 overflow-x-auto">
          <table className="min-w-full divide-y divide-slate-200 text-sm">
            <caption className="sr-only">{t("batches")}</caption>
            <thead>
              <tr className="text-start text-xs font-semibold uppercase tracking-wide text-slate-500">
                <th scope="col" className="py-2 pe-4">
                  {t("batch")}
                </th>
                <th scope="col" className="py-2 pe-4">
                  {t("state")}
                </th>
                <th scope="col" className="py-2 pe-4">
                  {t("opened")}
                </th>
                <th scope="col" className="py-2 pe-4">
                  {t("closed")}
                </th>
                <th scope="col" className="py-2 pe-4">
                  {t("versions")}
                </th>
                <th scope="col" className="py-2 text-end">
                  {t("comparisons")}
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {batches.length === 0 && (
                <tr>
                  <td colSpan={6} className="py-4 text-center text-slate-500">
                    {t("noBatch")}
                  </td>
                </tr>
              )}
              {batches.map((batch) => (
                <tr key={batch.id}>
                  <td className="py-2 pe-4 font-medium">
                    {format.count(batch.number)}. {batch.label}
                  </td>
                  <td className="py-2 pe-4">{batch.status === "open" ? t("batchOpen") : t("batchClosed")}</td>
                  <td className="py-2 pe-4 whitespace-nowrap text-slate-600">
                    {batch.openedAt ? format.moment(batch.openedAt) : "—"}
                  </td>
                  <td className="py-2 pe-4 whitespace-nowrap text-slate-600">
                    {batch.closedAt ? format.moment(batch.closedAt) : "—"}
                  </td>
                  <td className="py-2 pe-4 text-slate-700">
                    {batch.versions.map((entry) => `${entry.variant} ${entry.version}`).join(", ") || "—"}
                  </td>
                  <td className="py-2 text-end tabular-nums">{format.count(batch.comparisons)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Card>

      <Variants
        campaignId={campaignId}
        variants={variants}
        isArchived={isArchived}
        isBlindedForReviewers={campaign.isBlindedForReviewers}
        onChange={refresh}
      />
    </div>
  );
}

function Variants({
  campaignId,
  variants,
  isArchived,
  isBlindedForReviewers,
  onChange,
}: {
  campaignId: string;
  variants: ModelVariant[];
  isArchived: boolean;
  isBlindedForReviewers: boolean;
  onChange: () => Promise<void>;
}) {
  const trpc = useTRPC();
  const t = useTranslations("CampaignOverview");
  const [editing, setEditing] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const create = useMutation(
    trpc.variants.create.mutationOptions({
      onSuccess: async () => {
        setAdding(false);
        await onChange();
      },
    }),
  );
  const update = useMutation(trpc.variants.update.mutationOptions({ onSuccess: onChange }));

  return (
    <Card
      title={t("variants")}
      description={isBlindedForReviewers ? t("variantsBlinded") : t("variantsVisible")}
    >
      {update.data?.versionChanged && (
        <div className="mb-3">
          <Alert tone="info">
            {update.data.batchVersion
              ? t("versionChangedRecorded", {
                  name: update.data.variant.name,
                  version: update.data.variant.versionLabel,
                  recorded: update.data.batchVersion,
                })
              : t("versionChanged", {
                  name: update.data.variant.name,
                  version: update.data.variant.versionLabel,
                })}
          </Alert>
        </div>
      )}
      <ul className="divide-y divide-slate-100">
        {variants.length === 0 && <li className="py-3 text-sm text-slate-500">{t("noVariants")}</li>}
        {variants.map((variant) =>
          editing === variant.id ? (
            <li key={variant.id} className="py-4">
              <VariantForm
                idPrefix={`edit-${variant.id}`}
                campaignId={campaignId}
                initial={variant}
                submitLabel={t("saveVariant")}
                pending={update.isPending}
                error={update.error}
                onSubmit={(values) =>
                  update.mutate({ variantId: variant.id, ...values }, { onSuccess: () => setEditing(null) })
                }
                onCancel={() => setEditing(null)}
              />
            </li>
          ) : (
            <VariantRow
              key={variant.id}
              variant={variant}
              onEdit={isArchived ? null : () => setEditing(variant.id)}
            />
          ),
        )}
      </ul>
      {!isArchived && (
        <div className="mt-4 border-t border-slate-100 pt-4">
          {adding ? (
            <section aria-label={t("addVariant")}>
              <h3 className="mb-3 text-sm font-semibold text-slate-900">{t("addVariant")}</h3>
              <VariantForm
                idPrefix="new-variant"
                campaignId={campaignId}
                suggestedTemperature={variants.length === 0 ? 0.7 : 1.0}
                submitLabel={t("addVariantSubmit")}
                pending={create.isPending}
                error={create.error}
                onSubmit={(values) => create.mutate({ campaignId, ...values })}
                onCancel={() => setAdding(false)}
              />
            </section>
          ) : (
            <Button variant="secondary" onClick={() => setAdding(true)}>
              {t("addVariant")}
            </Button>
          )}
        </div>
      )}
    </Card>
  );
}

/** `onEdit` is null where the variant cannot change (an archived campaign). */
function VariantRow({ variant, onEdit }: { variant: ModelVariant; onEdit: (() => void) | null }) {
  const trpc = useTRPC();
  const t = useTranslations("CampaignOverview");
  const test = useMutation(trpc.variants.testConnection.mutationOptions());
  const endpoint =
    variant.endpointKind === "openai"
      ? `${variant.baseUrl} · ${variant.model}`
      : variant.baseUrl
        ? t("localEngineAt", { model: modelLabel(variant), url: variant.baseUrl })
        : t("localEngine", { model: modelLabel(variant) });
  return (
    <li className="py-3" aria-label={t("variant", { name: variant.name })}>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="text-sm">
          <p className="font-medium text-slate-900">
            {variant.name} <span className="font-normal text-slate-500">({variant.versionLabel})</span>
            {!variant.isActive && <span className="ms-2 text-xs text-slate-500">{t("inactive")}</span>}
          </p>
          <p className="text-slate-600">{endpoint}</p>
          <p className="text-xs text-slate-500">
            {t("sampling", { temperature: variant.temperature, topP: variant.topP })}
            {variant.topK ? t("topK", { topK: variant.topK }) : ""}
            {t("maxTokens", { count: variant.maxTokens })}
            {variant.apiKeyEnv ? t("keyFrom", { env: variant.apiKeyEnv }) : ""}
          </p>
        </div>
        <div className="flex gap-2">
          <Button
            variant="secondary"
            disabled={test.isPending}
            aria-label={t("testConnectionOf", { name: variant.name })}
            onClick={() => test.mutate({ variantId: variant.id })}
          >
            {test.isPending ? t("testing") : t("testConnection")}
          </Button>
          {onEdit && (
            <Button variant="secondary" aria-label={t("editOf", { name: variant.name })} onClick={onEdit}>
              {t("edit")}
            </Button>
          )}
        </div>
      </div>
      {test.error && (
        <div className="mt-2">
          <Alert>{errorMessage(test.error)}</Alert>
        </div>
      )}
      {test.data && (
        <ConnectionTestResult label={t("connectionTestOf", { name: variant.name })} result={test.data} />
      )}
    </li>
  );
}

type Setup = { hasVariants: boolean; hasMembers: boolean; hasGuidelines: boolean; hasOpenBatch: boolean };

/** A draft's setup in the order an admin works through it; the first batch opens at the end. */
function SetupChecklist({ campaignId, setup }: { campaignId: string; setup: Setup }) {
  const t = useTranslations("CampaignOverview");
  const format = useCampaignFormat();
  const steps = [
    { done: setup.hasVariants, step: "stepVariants", href: null },
    { done: setup.hasMembers, step: "stepMembers", href: `/admin/campaigns/${campaignId}/settings` },
    { done: setup.hasGuidelines, step: "stepGuidelines", href: `/admin/campaigns/${campaignId}/guidelines` },
    { done: setup.hasOpenBatch, step: "stepBatch", href: null },
  ] as const;
  return (
    <Card title={t("setup")} description={t("setupHint")}>
      <ol className="space-y-2 text-sm" aria-label={t("setupChecklist")}>
        {steps.map((step, index) => (
          <li key={step.step} className="flex items-start gap-2">
            <span
              aria-hidden
              className={cx(
                "mt-0.5 inline-flex h-5 w-5 shrink-0 items-center justify-center rounded-full text-xs font-semibold",
                step.done ? "bg-emerald-100 text-emerald-800" : "bg-slate-100 text-slate-600",
              )}
            >
              {step.done ? "✓" : format.count(index + 1)}
            </span>
            <span>
              <span className="font-medium text-slate-900">
                {step.href && !step.done ? (
                  <Link href={step.href} className="text-indigo-700 hover:underline">
                    {t(step.step)}
                  </Link>
                ) : (
                  t(step.step)
                )}
              </span>
              <span className="sr-only">{step.done ? t("done") : t("toDo")}</span>
              <span className="block text-xs text-slate-500">{t(`${step.step}Hint`)}</span>
            </span>
          </li>
        ))}
      </ol>
    </Card>
  );
}
