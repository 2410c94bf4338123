"use client";
// The export form: every option of the CLI, a preview of the first rows, and the download
// (use-export-download.ts) with its progress bar.
import { plural } from "@/lib/plural";
import { useQuery } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { STRENGTH_LABELS, STRENGTHS } from "@/lib/constants";
import { Alert, Button, Card, SelectField, TextField } from "../../_components/ui";
import { errorMessage, useTRPC } from "../../_lib/trpc";
import {
  FORMAT_LABELS,
  MARGIN_LABELS,
  OUTPUT_LABELS,
  TEMPLATE_LABELS,
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

const megabytes = (bytes: number) =>
  bytes < 2 ** 20 ? `${Math.max(1, Math.round(bytes / 1024))} KB` : `${(bytes / 2 ** 20).toFixed(1)} MB`;

/** `exportDownload` is shared with the list of past exports, which can download one again. */
export function ExportForm({ exportDownload }: { exportDownload: ExportDownload }) {
  const trpc = useTRPC();
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
    <Card
      title="New export"
      description="Choose the data and the format; preview the first rows, then download."
    >
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
            label="Format"
            value={form.format}
            onChange={(event) => set("format", event.target.value as FormatValue)}
          >
            {Object.entries(FORMAT_LABELS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </SelectField>
          <SelectField
            id="export-output"
            label="File type"
            value={form.output}
            onChange={(event) => set("output", event.target.value as OutputValue)}
          >
            {Object.entries(OUTPUT_LABELS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </SelectField>
        </div>

        <Fieldset legend="Data">
          {sources.error && <Alert>{errorMessage(sources.error)}</Alert>}
          <div role="group" aria-label="Campaigns" className="grid gap-2 sm:grid-cols-2">
            {campaigns.length === 0 && !sources.isPending && (
              <p className="text-sm text-slate-500">There are no campaigns yet.</p>
            )}
            {campaigns.map((campaign) => (
              <Checkbox
                key={campaign.id}
                label={campaign.name}
                hint={`${campaign.kind}, ${campaign.comparisons} comparisons, batches ${campaign.batches.map((batch) => batch.number).join(", ") || "none"}`}
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
              label="Campaign kind"
              value={form.campaignKind}
              onChange={(event) => set("campaignKind", event.target.value as FormState["campaignKind"])}
            >
              <option value="">Only the campaigns ticked above</option>
              <option value="helpfulness">Helpfulness (every such campaign, or those ticked)</option>
              <option value="safety">Safety (every such campaign, or those ticked)</option>
            </SelectField>
            <TextField
              id="export-batches"
              label="Batches"
              placeholder="All batches"
              hint="Batch numbers, e.g. 1, 2"
              value={form.batches}
              onChange={(event) => set("batches", event.target.value)}
            />
            <TextField
              id="export-from"
              label="Submitted from"
              type="date"
              value={form.from}
              onChange={(event) => set("from", event.target.value)}
            />
            <TextField
              id="export-to"
              label="Submitted before"
              type="date"
              value={form.to}
              onChange={(event) => set("to", event.target.value)}
            />
          </div>
          <div className="grid gap-2 sm:grid-cols-2">
            <Checkbox
              label='Drop "negligibly better / unsure" ratings'
              checked={form.dropNegligible}
              onChange={(value) => set("dropNegligible", value)}
            />
            <Checkbox
              label="Accepted by review only"
              checked={form.acceptedOnly}
              onChange={(value) => set("acceptedOnly", value)}
            />
            <Checkbox
              label="Exclude ratings rejected in review"
              checked={form.excludeRejected}
              onChange={(value) => set("excludeRejected", value)}
            />
            <Checkbox
              label="Exclude turns reported as a problem"
              checked={form.excludeReported}
              onChange={(value) => set("excludeReported", value)}
            />
            <Checkbox
              label="Apply the Llama 2 safety rule"
              hint="Pairs whose chosen response is unsafe while the other is safe stay out of training formats (marked in raw)."
              checked={form.safetyRule}
              onChange={(value) => set("safetyRule", value)}
            />
            <Checkbox
              label="Keep the safety preprompt in prompts"
              hint="Off: stripped, for context distillation."
              checked={form.keepPreprompt}
              onChange={(value) => set("keepPreprompt", value)}
            />
            <Checkbox
              label="Aggregate overlap ratings per turn"
              hint="Majority choice, mean margin; off: one row set per annotator."
              checked={form.aggregateOverlap}
              onChange={(value) => set("aggregateOverlap", value)}
            />
          </div>
        </Fieldset>

        <Fieldset legend="Margins and split">
          <div className="grid gap-4 sm:grid-cols-2">
            <SelectField
              id="export-margin"
              label="Margin scheme"
              value={form.marginScheme}
              onChange={(event) => set("marginScheme", event.target.value as MarginValue)}
            >
              {Object.entries(MARGIN_LABELS).map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </SelectField>
            {form.format !== "raw" && (
              <SelectField
                id="export-labels"
                label="Labels"
                hint="RLAIF: rows labelled by the campaign's LLM judge (Model assist tab)."
                value={form.labels}
                onChange={(event) => set("labels", event.target.value as FormState["labels"])}
              >
                <option value="human">The annotators&apos; choices</option>
                <option value="judge">The LLM judge&apos;s verdicts</option>
                <option value="both">The annotators&apos;, the judge&apos;s where review leaves none</option>
              </SelectField>
            )}
            {form.format === "trl-text" && (
              <SelectField
                id="export-template"
                label="Chat template"
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
                  label={`Margin: ${STRENGTH_LABELS[strength]}`}
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
              label="Test split"
              value={form.splitKind}
              onChange={(event) => set("splitKind", event.target.value as FormState["splitKind"])}
            >
              <option value="none">No test split</option>
              <option value="fraction">A fraction of the dialogues</option>
              <option value="count-per-batch">A number of dialogues per batch</option>
            </SelectField>
            {form.splitKind !== "none" && (
              <>
                <TextField
                  id="export-split-value"
                  label={form.splitKind === "fraction" ? "Test fraction" : "Test dialogues per batch"}
                  inputMode="decimal"
                  value={form.splitValue}
                  onChange={(event) => set("splitValue", event.target.value)}
                />
                <TextField
                  id="export-split-seed"
                  label="Split seed"
                  value={form.splitSeed}
                  onChange={(event) => set("splitSeed", event.target.value)}
                />
              </>
            )}
          </div>
        </Fieldset>

        <div className="flex flex-wrap gap-3">
          <Button type="button" variant="secondary" onClick={() => setPreviewOptions(toOptions(form))}>
            Preview
          </Button>
          <Button type="submit" disabled={download?.state === "running"}>
            {download?.state === "running" ? "Exporting…" : "Export and download"}
          </Button>
          {download?.state === "running" && (
            <Button type="button" variant="danger" onClick={cancel}>
              Cancel export
            </Button>
          )}
        </div>
      </form>

      {download && (
        <section aria-label="Download" className="mt-4 space-y-2">
          {download.state === "running" && (
            <>
              <div
                role="progressbar"
                aria-label="Export progress"
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
                {record ? `${done.toLocaleString("en-US")} of ${plural(total, "comparison")}` : "Starting…"} ·{" "}
                {megabytes(download.received)} received
              </p>
            </>
          )}
          {download.state === "done" && (
            <Alert tone="success">
              Downloaded {download.filename} ({megabytes(download.received)}
              {record
                ? `, ${Object.entries(record.rowCounts)
                    .map(([split, rows]) => plural(rows, `${split} row`))
                    .join(", ")}`
                : ""}
              ).
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
        <section aria-label="Preview" className="mt-6 space-y-2">
          <h3 className="text-sm font-semibold text-slate-900">Preview</h3>
          {preview.isPending && <p className="text-sm text-slate-500">Reading the first rows…</p>}
          {preview.error && <Alert>{errorMessage(preview.error)}</Alert>}
          {preview.data && (
            <>
              <p className="text-sm text-slate-600">
                {plural(preview.data.matchingComparisons, "comparison matches", "comparisons match")}
                {preview.data.rows.length > 0 && `; the first ${plural(preview.data.rows.length, "row")}:`}
              </p>
              {preview.data.excluded.length > 0 && (
                <Alert tone="info">
                  Nothing to export with these filters:
                  <ul className="mt-1 list-disc pl-5">
                    {preview.data.excluded.map((exclusion) => (
                      <li key={exclusion.reason}>
                        {exclusion.reason}: {plural(exclusion.comparisons, "comparison")}
                      </li>
                    ))}
                  </ul>
                  Change the filters above to include them.
                </Alert>
              )}
              {preview.data.matchingComparisons === 0 && preview.data.excluded.length === 0 && (
                <Alert tone="info">
                  No comparison has been collected in this selection yet (campaigns, batches and dates).
                </Alert>
              )}
              {preview.data.isSafetyRuleExcludingAll && (
                <Alert tone="info">
                  These comparisons give no rows: the safety rule leaves out pairs whose chosen response is
                  unsafe while the other is safe. Turn the rule off to export them anyway.
                </Alert>
              )}
              {preview.data.isTestSplitEmpty && (
                <Alert tone="info">
                  The test split comes out empty: too few dialogues for this split. Raise the fraction or use
                  a number of dialogues per batch.
                </Alert>
              )}
              {preview.data.rows.map(({ split, row }, index) => (
                <figure key={index}>
                  <figcaption className="text-xs font-medium text-slate-500">
                    Row {index + 1} · {split}
                  </figcaption>
                  <JsonRecord label={`Preview row ${index + 1} (${split})`} record={row} />
                </figure>
              ))}
            </>
          )}
        </section>
      )}
    </Card>
  );
}
