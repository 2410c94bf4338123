"use client";
// The export form: every option of the CLI, a preview of the first rows, and the download
// (use-export-download.ts) with its progress bar.
import { useQuery } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { useState, type ReactNode } from "react";
import { STRENGTHS } from "@/lib/constants";
import { Alert, Button, Card, SelectField, TextField } from "../../_components/ui";
import { useErrorText } from "../../_lib/error-text";
import { useTRPC } from "../../_lib/trpc";
import { useLabels } from "../../annotate/_components/use-labels";
import {
  FORMATS,
  MARGINS,
  OUTPUTS,
  TEMPLATE_LABELS,
  useMegabytes,
  type FormatValue,
  type MarginValue,
  type OutputValue,
  type TemplateValue,
} from "./labels";
import type { ExportDownload } from "./use-export-download";
import { JsonRecord } from "./json-record";

interface FormState {
  format: FormatValue;
  output: OutputValue;
  campaigns: string[];
  campaignKind: "" | "helpfulness" | "safety";
  batches: string;
  from: string;
  to: string;
  marginScheme: MarginValue;
  customMargins: string[];
  dropNegligible: boolean;
  acceptedOnly: boolean;
  excludeRejected: boolean;
  excludeReported: boolean;
  safetyRule: boolean;
  keepPreprompt: boolean;
  aggregateOverlap: boolean;
  splitKind: "none" | "fraction" | "count-per-batch";
  splitValue: string;
  splitSeed: string;
  chatTemplate: TemplateValue;
  labels: "human" | "judge" | "both";
}

const INITIAL: FormState = {
  format: "trl",
  output: "jsonl",
  campaigns: [],
  campaignKind: "",
  batches: "",
  from: "",
  to: "",
  marginScheme: "small",
  customMargins: ["1", "0.66", "0.33", "0"],
  dropNegligible: false,
  acceptedOnly: false,
  excludeRejected: true,
  excludeReported: true,
  safetyRule: true,
  keepPreprompt: false,
  aggregateOverlap: false,
  splitKind: "none",
  splitValue: "0.05",
  splitSeed: "arbiter",
  chatTemplate: "llama-2",
  labels: "human",
};

/** The options as the server's schema takes them (it validates and explains mistakes). */
function toOptions(form: FormState) {
  const numbers = (text: string) =>
    text
      .split(/[\s,]+/)
      .filter(Boolean)
      .map(Number);
  return {
    format: form.format,
    campaigns: form.campaigns,
    campaignKind: form.campaignKind || undefined,
    batches: numbers(form.batches),
    from: form.from || undefined,
    to: form.to || undefined,
    marginScheme: form.marginScheme,
    customMargins: form.marginScheme === "custom" ? form.customMargins.map(Number) : undefined,
    dropNegligible: form.dropNegligible,
    acceptedOnly: form.acceptedOnly,
    excludeRejected: form.excludeRejected,
    excludeReported: form.excludeReported,
    safetyRule: form.safetyRule,
    safetyPreprompt: form.keepPreprompt ? ("keep" as const) : ("strip" as const),
    overlap: form.aggregateOverlap ? ("aggregate" as const) : ("per-annotator" as const),
    split: {
      kind: form.splitKind,
      value: form.splitKind === "none" ? 0 : Number(form.splitValue),
      seed: form.splitSeed || "arbiter",
    },
    chatTemplate: form.chatTemplate,
    labels: form.labels,
  };
}

function Checkbox({
  label,
  checked,
  onChange,
  hint,
}: {
  label: string;
  checked: boolean;
  onChange: (value: boolean) => void;
  hint?: string;
}) {
  return (
    <label className="flex items-start gap-2 text-sm text-slate-700">
      <input
        type="checkbox"
        className="mt-0.5 h-4 w-4 rounded border-slate-300"
        checked={checked}
        onChange={(event) => onChange(event.target.checked)}
      />
      <span>
        {label}
        {hint && <span className="block text-xs text-slate-500">{hint}</span>}
      </span>
    </label>
  );
}

function Fieldset({ legend, children }: { legend: string; children: ReactNode }) {
  return (
    <fieldset className="space-y-3 rounded-md border border-slate-200 p-4">
      <legend className="px-1 text-sm font-semibold text-slate-900">{legend}</legend>
      {children}
    </fieldset>
  );
}

/** `exportDownload` is shared with the list of past exports, which can download one again. */
export function ExportForm({ exportDownload }: { exportDownload: ExportDownload }) {
  const errorMessage = useErrorText();
  const trpc = useTRPC();
  const t = useTranslations("AdminExports");
  const labels = useLabels();
  const megabytes = useMegabytes();
  const [form, setForm] = useState<FormState>(INITIAL);
  const [previewOptions, setPreviewOptions] = useState<ReturnType<typeof toOptions> | null>(null);
  const { download, record, start, cancel } = exportDownload;
  const set = <K extends keyof FormState>(key: K, value: FormState[K]) =>
    setForm((current) => ({ ...current, [key]: value }));

  const sources = useQuery(trpc.exports.sources.queryOptions());
  const preview = useQuery({
    ...trpc.exports.preview.queryOptions({ options: previewOptions!, rows: 5 }),
    enabled: previewOptions !== null,
  });
  const campaigns = sources.data ?? [];
  const done = record?.progressDone ?? 0;
  const total = record?.progressTotal ?? 0;

  return (
    <Card title={t("newExport")} description={t("newExportText")}>
      <form
        className="space-y-4"
        onSubmit={(event) => {
          event.preventDefault();
          void start(form.output, toOptions(form));
        }}
      >
        <div className="grid gap-4 sm:grid-cols-2">
          <SelectField
            id="export-format"
            label={t("format")}
            value={form.format}
            onChange={(event) => set("format", event.target.value as FormatValue)}
          >
            {FORMATS.map((value) => (
              <option key={value} value={value}>
                {t(`formatLabel.${value}`)}
              </option>
            ))}
          </SelectField>
          <SelectField
            id="export-output"
            label={t("fileType")}
            value={form.output}
            onChange={(event) => set("output", event.target.value as OutputValue)}
          >
            {OUTPUTS.map((value) => (
              <option key={value} value={value}>
                {t(`outputLabel.${value}`)}
              </option>
            ))}
          </SelectField>
        </div>

        <Fieldset legend={t("data")}>
          {sources.error && <Alert>{errorMessage(sources.error)}</Alert>}
          <div role="group" aria-label={t("campaigns")} className="grid gap-2 sm:grid-cols-2">
            {campaigns.length === 0 && !sources.isPending && (
              <p className="text-sm text-slate-500">{t("noCampaigns")}</p>
            )}
            {campaigns.map((campaign) => (
              <Checkbox
                key={campaign.id}
                label={campaign.name}
                hint={t("campaignHint", {
                  kind: campaign.kind,
                  count: campaign.comparisons,
                  batches: campaign.batches.map((batch) => batch.number).join(", ") || t("noBatches"),
                })}
                checked={form.campaigns.includes(campaign.name)}
                onChange={(checked) =>
                  set(
                    "campaigns",
                    checked
                      ? [...form.campaigns, campaign.name]
                      : form.campaigns.filter((name) => name !== campaign.name),
                  )
                }
              />
            ))}
          </div>
          <div className="grid gap-4 sm:grid-cols-2">
            <SelectField
              id="export-kind"
              label={t("campaignKind")}
              value={form.campaignKind}
              onChange={(event) => set("campaignKind", event.target.value as FormState["campaignKind"])}
            >
              <option value="">{t("kindTicked")}</option>
              <option value="helpfulness">{t("kindHelpfulness")}</option>
              <option value="safety">{t("kindSafety")}</option>
            </SelectField>
            <TextField
              id="export-batches"
              label={t("batches")}
              placeholder={t("allBatches")}
              hint={t("batchesHint")}
              value={form.batches}
              onChange={(event) => set("batches", event.target.value)}
            />
            <TextField
              id="export-from"
              label={t("submittedFrom")}
              type="date"
              value={form.from}
              onChange={(event) => set("from", event.target.value)}
            />
            <TextField
              id="export-to"
              label={t("submittedBefore")}
              type="date"
              value={form.to}
              onChange={(event) => set("to", event.target.value)}
            />
          </div>
          <div className="grid gap-2 sm:grid-cols-2">
            <Checkbox
              label={t("dropNegligible")}
              checked={form.dropNegligible}
              onChange={(value) => set("dropNegligible", value)}
            />
            <Checkbox
              label={t("acceptedOnly")}
              checked={form.acceptedOnly}
              onChange={(value) => set("acceptedOnly", value)}
            />
            <Checkbox
              label={t("excludeRejected")}
              checked={form.excludeRejected}
              onChange={(value) => set("excludeRejected", value)}
            />
            <Checkbox
              label={t("excludeReported")}
              checked={form.excludeReported}
              onChange={(value) => set("excludeReported", value)}
            />
            <Checkbox
              label={t("safetyRule")}
              hint={t("safetyRuleHint")}
              checked={form.safetyRule}
              onChange={(value) => set("safetyRule", value)}
            />
            <Checkbox
              label={t("keepPreprompt")}
              hint={t("keepPrepromptHint")}
              checked={form.keepPreprompt}
              onChange={(value) => set("keepPreprompt", value)}
            />
            <Checkbox
              label={t("aggregateOverlap")}
              hint={t("aggregateOverlapHint")}
              checked={form.aggregateOverlap}
              onChange={(value) => set("aggregateOverlap", value)}
            />
          </div>
        </Fieldset>

        <Fieldset legend={t("marginsAndSplit")}>
          <div className="grid gap-4 sm:grid-cols-2">
            <SelectField
              id="export-margin"
              label={t("marginScheme")}
              value={form.marginScheme}
              onChange={(event) => set("marginScheme", event.target.value as MarginValue)}
            >
              {MARGINS.map((value) => (
                <option key={value} value={value}>
                  {t(`marginLabel.${value}`)}
                </option>
              ))}
            </SelectField>
            {form.format !== "raw" && (
              <SelectField
                id="export-labels"
                label={t("labels")}
                hint={t("labelsHint")}
                value={form.labels}
                onChange={(event) => set("labels", event.target.value as FormState["labels"])}
              >
                <option value="human">{t("labelsHuman")}</option>
                <option value="judge">{t("labelsJudge")}</option>
                <option value="both">{t("labelsBoth")}</option>
              </SelectField>
            )}
            {form.format === "trl-text" && (
              <SelectField
                id="export-template"
                label={t("chatTemplate")}
                value={form.chatTemplate}
                onChange={(event) => set("chatTemplate", event.target.value as TemplateValue)}
              >
                {Object.entries(TEMPLATE_LABELS).map(([value, label]) => (
                  <option key={value} value={value}>
                    {label}
                  </option>
                ))}
              </SelectField>
            )}
          </div>
          {form.marginScheme === "custom" && (
            <div className="grid gap-4 sm:grid-cols-4">
              {STRENGTHS.map((strength, index) => (
                <TextField
                  key={strength}
                  id={`export-margin-${index}`}
                  label={t("marginFor", { strength: labels.strength(strength) })}
                  inputMode="decimal"
                  value={form.customMargins[index]}
                  onChange={(event) =>
                    set(
                      "customMargins",
                      form.customMargins.map((value, position) =>
                        position === index ? event.target.value : value,
                      ),
                    )
                  }
                />
              ))}
            </div>
          )}
          <div className="grid gap-4 sm:grid-cols-3">
            <SelectField
              id="export-split"
              label={t("testSplit")}
              value={form.splitKind}
              onChange={(event) => set("splitKind", event.target.value as FormState["splitKind"])}
            >
              <option value="none">{t("splitNone")}</option>
              <option value="fraction">{t("splitFraction")}</option>
              <option value="count-per-batch">{t("splitCount")}</option>
            </SelectField>
            {form.splitKind !== "none" && (
              <>
                <TextField
                  id="export-split-value"
                  label={form.splitKind === "fraction" ? t("testFraction") : t("testPerBatch")}
                  inputMode="decimal"
                  value={form.splitValue}
                  onChange={(event) => set("splitValue", event.target.value)}
                />
                <TextField
                  id="export-split-seed"
                  label={t("splitSeed")}
                  value={form.splitSeed}
                  onChange={(event) => set("splitSeed", event.target.value)}
                />
              </>
            )}
          </div>
        </Fieldset>

        <div className="flex flex-wrap gap-3">
          <Button type="button" variant="secondary" onClick={() => setPreviewOptions(toOptions(form))}>
            {t("preview")}
          </Button>
          <Button type="submit" disabled={download?.state === "running"}>
            {download?.state === "running" ? t("exporting") : t("exportAndDownload")}
          </Button>
          {download?.state === "running" && (
            <Button type="button" variant="danger" onClick={cancel}>
              {t("cancelExport")}
            </Button>
          )}
        </div>
      </form>

      {download && (
        <section aria-label={t("download")} className="mt-4 space-y-2">
          {download.state === "running" && (
            <>
              <div
                role="progressbar"
                aria-label={t("progress")}
                aria-valuemin={0}
                aria-valuemax={total || 1}
                aria-valuenow={done}
                className="h-2 w-full overflow-hidden rounded bg-slate-200"
              >
                <div
                  className="h-full bg-indigo-600 transition-all"
                  style={{ width: `${total ? (100 * done) / total : 0}%` }}
                />
              </div>
              <p className="text-sm text-slate-600" role="status">
                {record ? t("progressOf", { done, count: total }) : t("starting")} ·{" "}
                {t("received", { size: megabytes(download.received) })}
              </p>
            </>
          )}
          {download.state === "done" && (
            <Alert tone="success">
              {record
                ? t("downloadedRows", {
                    filename: download.filename,
                    size: megabytes(download.received),
                    rows: Object.entries(record.rowCounts)
                      .map(([split, rows]) => t("splitRows", { count: rows, split }))
                      .join(", "),
                  })
                : t("downloaded", { filename: download.filename, size: megabytes(download.received) })}
            </Alert>
          )}
          {(download.state === "failed" || download.state === "cancelled") && (
            <Alert tone={download.state === "cancelled" ? "info" : "error"}>
              {record?.error ?? download.error}
            </Alert>
          )}
          {download.state === "done" &&
            record?.files.map((file) => (
              <p key={file.name} className="font-mono text-xs text-slate-600">
                {file.name}: sha256 {file.sha256}
              </p>
            ))}
        </section>
      )}

      {previewOptions && (
        <section aria-label={t("preview")} className="mt-6 space-y-2">
          <h3 className="text-sm font-semibold text-slate-900">{t("preview")}</h3>
          {preview.isPending && <p className="text-sm text-slate-500">{t("reading")}</p>}
          {preview.error && <Alert>{errorMessage(preview.error)}</Alert>}
          {preview.data && (
            <>
              <p className="text-sm text-slate-600">
                {t("matching", { count: preview.data.matchingComparisons })}
                {preview.data.rows.length > 0 && t("firstRows", { count: preview.data.rows.length })}
              </p>
              {preview.data.excluded.length > 0 && (
                <Alert tone="info">
                  {t("nothingWithFilters")}
                  <ul className="mt-1 list-disc ps-5">
                    {preview.data.excluded.map((exclusion) => (
                      <li key={exclusion.reason}>
                        {exclusion.reason}: {t("comparisons", { count: exclusion.comparisons })}
                      </li>
                    ))}
                  </ul>
                  {t("changeFilters")}
                </Alert>
              )}
              {preview.data.matchingComparisons === 0 && preview.data.excluded.length === 0 && (
                <Alert tone="info">{t("noneCollected")}</Alert>
              )}
              {preview.data.isSafetyRuleExcludingAll && (
                <Alert tone="info">{t("safetyRuleExcludesAll")}</Alert>
              )}
              {preview.data.isTestSplitEmpty && <Alert tone="info">{t("testSplitEmpty")}</Alert>}
              {preview.data.rows.map(({ split, row }, index) => (
                <figure key={index}>
                  <figcaption className="text-xs font-medium text-slate-500">
                    {t("row", { row: index + 1, split })}
                  </figcaption>
                  <JsonRecord label={t("previewRow", { row: index + 1, split })} record={row} />
                </figure>
              ))}
            </>
          )}
        </section>
      )}
    </Card>
  );
}
