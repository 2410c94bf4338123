"use client";
// A campaign's working page: the setup checklist, its state (pause, resume, archive), batches
// (close the current one, open the next), and model variants (add, edit, test the connection).
// An archived campaign is read-only, so the page offers no change but Restore.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { ModelVariant } from "@/db/schema";
import { modelLabel } from "@/lib/model-label";
import { Alert, Button, Card, cx, TextField } from "../../../_components/ui";
import { errorMessage, useTRPC } from "../../../_lib/trpc";
import { ConnectionTestResult } from "../_components/connection-test-result";
import { VariantForm } from "../_components/variant-form";

type StatusAction = "pause" | "resume" | "archive" | "restore";

function dateTime(value: Date | null) {
  return value ? value.toISOString().replace("T", " ").slice(0, 16) : "—";
}

export function CampaignOverview({ campaignId }: { campaignId: string }) {
  const trpc = useTRPC();
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
  if (!overview.data) return <p className="text-sm text-slate-500">Loading the campaign…</p>;
  const { campaign, batches, variants, setup } = overview.data;
  const isArchived = campaign.status === "archived";
  const openBatch = batches.find((batch) => batch.status === "open");
  const statusError = setStatus.error ?? openNext.error ?? closeBatch.error;
  const actions: { action: StatusAction; label: string; variant: "secondary" | "danger" }[] =
    campaign.status === "active"
      ? [
          { action: "pause", label: "Pause", variant: "secondary" },
          { action: "archive", label: "Archive", variant: "danger" },
        ]
      : campaign.status === "paused"
        ? [
            { action: "resume", label: "Resume", variant: "secondary" },
            { action: "archive", label: "Archive", variant: "danger" },
          ]
        : campaign.status === "archived"
          ? [{ action: "restore", label: "Restore (comes back paused)", variant: "secondary" }]
          : [{ action: "archive", label: "Archive", variant: "danger" }];

  function changeStatus(action: StatusAction) {
    if (
      action === "archive" &&
      !window.confirm(
        `Archive "${campaign.name}"? Annotators stop seeing it and nothing in it can change until you restore it (it comes back paused).`,
      )
    ) {
      return;
    }
    setStatus.mutate({ campaignId, action });
  }

  return (
    <div className="space-y-6">
      {campaign.status === "draft" && <SetupChecklist campaignId={campaignId} setup={setup} />}
      <Card title="State">
        <p className="text-sm text-slate-700">
          {campaign.status === "draft" &&
            "A draft: annotators do not see it yet. Add at least two model variants, then open the first batch."}
          {campaign.status === "active" && "Collecting: annotators can work in it."}
          {campaign.status === "paused" && "Paused: annotators see it but cannot save new work."}
          {campaign.status === "archived" &&
            "Archived: read-only and hidden from annotators. Restoring brings it back paused; resume it to collect again."}
        </p>
        <div className="mt-3 flex gap-2">
          {actions.map(({ action, label, variant }) => (
            <Button
              key={action}
              variant={variant}
              disabled={setStatus.isPending}
              onClick={() => changeStatus(action)}
            >
              {label}
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
            <Alert tone="success">
              Restored: the campaign is paused. Resume it when it should collect again.
            </Alert>
          </div>
        )}
      </Card>

      <Card
        title="Batches"
        description="Every comparison belongs to the batch open when its dialogue started. Open the next batch when the variants change version."
      >
        {!isArchived && (
          <div className="flex flex-wrap items-end gap-3">
            <div className="w-64">
              <TextField
                id="batch-label"
                label="Label for the next batch (optional)"
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
                ? `Close batch ${openBatch.number} and open the next`
                : batches.length === 0
                  ? "Open the first batch"
                  : "Open the next batch"}
            </Button>
            {openBatch && (
              <Button
                variant="secondary"
                disabled={closeBatch.isPending}
                onClick={() => closeBatch.mutate({ campaignId })}
              >
                Close batch {openBatch.number}
              </Button>
            )}
          </div>
        )}
        <div className="mt-4 overflow-x-auto">
          <table className="min-w-full divide-y divide-slate-200 text-sm">
            <caption className="sr-only">Batches</caption>
            <thead>
              <tr className="text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
                <th scope="col" className="py-2 pr-4">
                  Batch
                </th>
                <th scope="col" className="py-2 pr-4">
                  State
                </th>
                <th scope="col" className="py-2 pr-4">
                  Opened
                </th>
                <th scope="col" className="py-2 pr-4">
                  Closed
                </th>
                <th scope="col" className="py-2 pr-4">
                  Variant versions
                </th>
                <th scope="col" className="py-2 text-right">
                  Comparisons
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {batches.length === 0 && (
                <tr>
                  <td colSpan={6} className="py-4 text-center text-slate-500">
                    No batch yet.
                  </td>
                </tr>
              )}
              {batches.map((batch) => (
                <tr key={batch.id}>
                  <td className="py-2 pr-4 font-medium">
                    {batch.number}. {batch.label}
                  </td>
                  <td className="py-2 pr-4">{batch.status === "open" ? "Open" : "Closed"}</td>
                  <td className="py-2 pr-4 whitespace-nowrap text-slate-600">{dateTime(batch.openedAt)}</td>
                  <td className="py-2 pr-4 whitespace-nowrap text-slate-600">{dateTime(batch.closedAt)}</td>
                  <td className="py-2 pr-4 text-slate-700">
                    {batch.versions.map((entry) => `${entry.variant} ${entry.version}`).join(", ") || "—"}
                  </td>
                  <td className="py-2 text-right tabular-nums">
                    {batch.comparisons.toLocaleString("en-US")}
                  </td>
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
      title="Model variants"
      description={`Each turn compares responses from different variants. ${
        isBlindedForReviewers
          ? "Only admins see variant names; annotators and reviewers never do (Settings: Blinded for reviewers)."
          : "Admins and reviewers see variant names (Settings: Blinded for reviewers is off); annotators never do."
      }`}
    >
      {update.data?.versionChanged && (
        <div className="mb-3">
          <Alert tone="info">
            {update.data.variant.name} is now {update.data.variant.versionLabel}
            {update.data.batchVersion ? `; the open batch recorded ${update.data.batchVersion}` : ""}. Open
            the next batch so its data is kept apart.
          </Alert>
        </div>
      )}
      <ul className="divide-y divide-slate-100">
        {variants.length === 0 && <li className="py-3 text-sm text-slate-500">No variants yet.</li>}
        {variants.map((variant) =>
          editing === variant.id ? (
            <li key={variant.id} className="py-4">
              <VariantForm
                idPrefix={`edit-${variant.id}`}
                campaignId={campaignId}
                initial={variant}
                submitLabel="Save variant"
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
            <section aria-label="Add a variant">
              <h3 className="mb-3 text-sm font-semibold text-slate-900">Add a variant</h3>
              <VariantForm
                idPrefix="new-variant"
                campaignId={campaignId}
                suggestedTemperature={variants.length === 0 ? 0.7 : 1.0}
                submitLabel="Add variant"
                pending={create.isPending}
                error={create.error}
                onSubmit={(values) => create.mutate({ campaignId, ...values })}
                onCancel={() => setAdding(false)}
              />
            </section>
          ) : (
            <Button variant="secondary" onClick={() => setAdding(true)}>
              Add a variant
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
  const test = useMutation(trpc.variants.testConnection.mutationOptions());
  const endpoint =
    variant.endpointKind === "openai"
      ? `${variant.baseUrl} · ${variant.model}`
      : `Local engine · ${modelLabel(variant)}${variant.baseUrl ? ` at ${variant.baseUrl}` : ""}`;
  return (
    <li className="py-3" aria-label={`Variant ${variant.name}`}>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="text-sm">
          <p className="font-medium text-slate-900">
            {variant.name} <span className="font-normal text-slate-500">({variant.versionLabel})</span>
            {!variant.isActive && <span className="ml-2 text-xs text-slate-500">inactive</span>}
          </p>
          <p className="text-slate-600">{endpoint}</p>
          <p className="text-xs text-slate-500">
            temperature {variant.temperature} · top-p {variant.topP}
            {variant.topK ? ` · top-k ${variant.topK}` : ""} · max {variant.maxTokens} tokens
            {variant.apiKeyEnv ? ` · key from $${variant.apiKeyEnv}` : ""}
          </p>
        </div>
        <div className="flex gap-2">
          <Button
            variant="secondary"
            disabled={test.isPending}
            aria-label={`Test connection of ${variant.name}`}
            onClick={() => test.mutate({ variantId: variant.id })}
          >
            {test.isPending ? "Testing…" : "Test connection"}
          </Button>
          {onEdit && (
            <Button variant="secondary" aria-label={`Edit ${variant.name}`} onClick={onEdit}>
              Edit
            </Button>
          )}
        </div>
      </div>
      {test.error && (
        <div className="mt-2">
          <Alert>{errorMessage(test.error)}</Alert>
        </div>
      )}
      {test.data && <ConnectionTestResult label={`Connection test of ${variant.name}`} result={test.data} />}
    </li>
  );
}

type Setup = { hasVariants: boolean; hasMembers: boolean; hasGuidelines: boolean; hasOpenBatch: boolean };

/** A draft's setup in the order an admin works through it; the first batch opens at the end. */
function SetupChecklist({ campaignId, setup }: { campaignId: string; setup: Setup }) {
  const steps = [
    {
      done: setup.hasVariants,
      label: "Add two model variants",
      hint: "Below, under Model variants; test each connection.",
      href: null,
    },
    {
      done: setup.hasMembers,
      label: "Choose who works in it",
      hint: "Everyone, or the people you pick.",
      href: `/admin/campaigns/${campaignId}/settings`,
    },
    {
      done: setup.hasGuidelines,
      label: "Write the guidelines",
      hint: "Annotators read and acknowledge them first.",
      href: `/admin/campaigns/${campaignId}/guidelines`,
    },
    {
      done: setup.hasOpenBatch,
      label: "Open the first batch",
      hint: "Under Batches, once the steps above are done; annotators can then start.",
      href: null,
    },
  ];
  return (
    <Card title="Set up the campaign" description="Work through these in order.">
      <ol className="space-y-2 text-sm" aria-label="Setup checklist">
        {steps.map((step, index) => (
          <li key={step.label} className="flex items-start gap-2">
            <span
              aria-hidden
              className={cx(
                "mt-0.5 inline-flex h-5 w-5 shrink-0 items-center justify-center rounded-full text-xs font-semibold",
                step.done ? "bg-emerald-100 text-emerald-800" : "bg-slate-100 text-slate-600",
              )}
            >
              {step.done ? "✓" : index + 1}
            </span>
            <span>
              <span className="font-medium text-slate-900">
                {step.href && !step.done ? (
                  <Link href={step.href} className="text-indigo-700 hover:underline">
                    {step.label}
                  </Link>
                ) : (
                  step.label
                )}
              </span>
              <span className="sr-only">{step.done ? " (done)" : " (to do)"}</span>
              <span className="block text-xs text-slate-500">{step.hint}</span>
            </span>
          </li>
        ))}
      </ol>
    </Card>
  );
}
