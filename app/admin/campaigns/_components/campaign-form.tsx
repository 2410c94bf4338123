"use client";
// The campaign settings form, for a new campaign and for editing one. Values are checked by
// the service; this form collects them and shows its answer, each error beside its field.
import type { FormEvent } from "react";
import type { Campaign } from "@/db/schema";
import type { PairingPolicy } from "@/lib/constants";
import { CheckboxField } from "../../../_components/checkbox-field";
import { Alert, Button, SelectField, TextField } from "../../../_components/ui";
import { useFieldErrors } from "../../../_lib/field-errors";
import { numberOrNull, TextAreaField } from "./fields";

export interface CampaignFormValues {
  name: string;
  description: string;
  kind: "helpfulness" | "safety";
  responsesPerTurn: number;
  maxTurns: number;
  systemPrompt: string | null;
  safetyPreprompt: string | null;
  dailyQuota: number | null;
  overlapFraction: number;
  goldFraction: number;
  turnsPerHour: number;
  turnsPerDay: number;
  retriesPerTurn: number;
  retriesPerHour: number;
  concurrentGenerations: number;
  isBlindedForReviewers: boolean;
  nearDuplicateThreshold: number;
  pairing: PairingPolicy;
  ratePerComparison: number | null;
  rateUnit: string;
}

/** Per-annotator generation limits: [field, label, hint, min, default]. */
const GENERATION_LIMITS = [
  ["turnsPerHour", "Prompts per hour", "Turns an annotator may start in any hour.", 1, 60],
  ["turnsPerDay", "Prompts per 24 hours", "Turns an annotator may start in any 24 hours.", 1, 400],
  [
    "retriesPerTurn",
    "Retries per turn",
    "Times the failed responses of one turn may be generated again.",
    0,
    3,
  ],
  ["retriesPerHour", "Retries per hour", "Retries an annotator may ask for in any hour.", 1, 20],
  ["concurrentGenerations", "Turns generating at once", "Per annotator, over all their campaigns.", 1, 2],
] as const;

const FIELDS = [
  "name",
  "kind",
  "description",
  "responsesPerTurn",
  "maxTurns",
  "dailyQuota",
  "overlapPercent",
  "goldPercent",
  "nearDuplicatePercent",
  "pairing",
  "systemPrompt",
  "safetyPreprompt",
  "ratePerComparison",
  "rateUnit",
  ...GENERATION_LIMITS.map(([field]) => field),
] as const;
/** The form asks for percentages; the service checks fractions. */
const ALIASES = {
  overlapFraction: "overlapPercent",
  goldFraction: "goldPercent",
  nearDuplicateThreshold: "nearDuplicatePercent",
};

/** A percentage input showing a stored fraction (to one decimal place); read back with percentOf. */
function PercentField({
  id,
  name,
  label,
  hint,
  min,
  fraction,
  error,
}: {
  id: string;
  name: string;
  label: string;
  hint: string;
  min: number;
  fraction: number;
  error?: string;
}) {
  return (
    <TextField
      id={id}
      name={name}
      label={label}
      hint={hint}
      type="number"
      min={min}
      max={100}
      step="any"
      defaultValue={Math.round(fraction * 1000) / 10}
      error={error}
    />
  );
}

export function CampaignForm({
  initial,
  submitLabel,
  pending,
  error,
  onSubmit,
  children,
}: {
  initial?: Campaign;
  submitLabel: string;
  pending: boolean;
  /** The failed save, if any: its field errors go beside the fields. */
  error?: unknown;
  /** The form's data comes along for extra fields passed as children. */
  onSubmit: (values: CampaignFormValues, form: FormData) => void;
  children?: React.ReactNode;
}) {
  const fieldErrors = useFieldErrors(error, FIELDS, ALIASES);
  /** A field's id, form name and error, the same for every field. */
  const fieldProps = (name: (typeof FIELDS)[number], idSuffix: string) => ({
    id: `campaign-${idSuffix}`,
    name,
    error: fieldErrors.errorFor(name),
  });
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const percentOf = (name: string) => (numberOrNull(form.get(name)) ?? 0) / 100;
    onSubmit(
      {
        name: String(form.get("name") ?? ""),
        description: String(form.get("description") ?? ""),
        kind: String(form.get("kind")) as CampaignFormValues["kind"],
        responsesPerTurn: Number(form.get("responsesPerTurn")),
        maxTurns: Number(form.get("maxTurns")),
        systemPrompt: String(form.get("systemPrompt") ?? "") || null,
        safetyPreprompt: String(form.get("safetyPreprompt") ?? "") || null,
        dailyQuota: numberOrNull(form.get("dailyQuota")),
        overlapFraction: percentOf("overlapPercent"),
        goldFraction: percentOf("goldPercent"),
        turnsPerHour: Number(form.get("turnsPerHour")),
        turnsPerDay: Number(form.get("turnsPerDay")),
        retriesPerTurn: Number(form.get("retriesPerTurn")),
        retriesPerHour: Number(form.get("retriesPerHour")),
        concurrentGenerations: Number(form.get("concurrentGenerations")),
        isBlindedForReviewers: form.get("isBlindedForReviewers") === "on",
        nearDuplicateThreshold: percentOf("nearDuplicatePercent"),
        pairing: String(form.get("pairing")) as PairingPolicy,
        ratePerComparison: numberOrNull(form.get("ratePerComparison")),
        rateUnit: String(form.get("rateUnit") ?? "").trim() || "points",
      },
      form,
    );
  }
  return (
    <form onSubmit={submit} onChange={fieldErrors.clearChanged} noValidate className="space-y-4">
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField
          {...fieldProps("name", "name")}
          label="Name"
          required
          maxLength={100}
          defaultValue={initial?.name}
        />
        <SelectField
          {...fieldProps("kind", "kind")}
          label="Kind"
          defaultValue={initial?.kind ?? "helpfulness"}
        >
          <option value="helpfulness">Helpfulness</option>
          <option value="safety">Safety</option>
        </SelectField>
      </div>
      <TextAreaField
        {...fieldProps("description", "description")}
        label="Description (optional)"
        rows={2}
        maxLength={2000}
        defaultValue={initial?.description}
      />
      <div className="grid gap-4 sm:grid-cols-3">
        <SelectField
          {...fieldProps("responsesPerTurn", "responses")}
          label="Responses per turn"
          defaultValue={String(initial?.responsesPerTurn ?? 2)}
        >
          <option value="2">2 (a pair)</option>
          <option value="3">3 (a ranking)</option>
          <option value="4">4 (a ranking)</option>
        </SelectField>
        <TextField
          {...fieldProps("maxTurns", "turns")}
          label="Turns per dialogue (at most)"
          type="number"
          min={1}
          max={50}
          defaultValue={initial?.maxTurns ?? 6}
        />
        <TextField
          {...fieldProps("dailyQuota", "quota")}
          label="Daily quota per annotator"
          hint="Comparisons per day (UTC); empty for no limit."
          type="number"
          min={1}
          defaultValue={initial?.dailyQuota ?? ""}
        />
      </div>
      <div className="grid gap-4 sm:grid-cols-2">
        <PercentField
          {...fieldProps("overlapPercent", "overlap")}
          label="Overlap (% of comparisons re-rated)"
          hint="Finished comparisons served again to a second annotator, for agreement."
          min={0}
          fraction={initial?.overlapFraction ?? 0.1}
        />
        <PercentField
          {...fieldProps("goldPercent", "gold")}
          label="Gold (% of pair tasks)"
          hint="Share of 'rate this pair' tasks served from gold items."
          min={0}
          fraction={initial?.goldFraction ?? 0.05}
        />
      </div>
      <div className="grid gap-4 sm:grid-cols-2">
        <PercentField
          {...fieldProps("nearDuplicatePercent", "near-duplicate")}
          label="Near-duplicate similarity (%)"
          hint="An opening prompt this similar to an earlier one (shared word triples) is flagged; the leaderboard counts at most 3 of a kind."
          min={10}
          fraction={initial?.nearDuplicateThreshold ?? 0.8}
        />
        <SelectField
          {...fieldProps("pairing", "pairing")}
          label="Pairing"
          hint="Most informative: pairs whose next battle narrows the leaderboard's intervals most (close, little-compared, new variants) come up more often."
          defaultValue={initial?.pairing ?? "balanced"}
        >
          <option value="balanced">Balanced (every pair equally often)</option>
          <option value="informative">Most informative pairs</option>
        </SelectField>
      </div>
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField
          {...fieldProps("ratePerComparison", "rate")}
          label="Rate per comparison (optional)"
          hint="What an annotator earns for each comparison review does not reject, shown on their own page."
          type="number"
          min={0}
          step="0.01"
          defaultValue={initial?.ratePerComparison ?? ""}
        />
        <TextField
          {...fieldProps("rateUnit", "rate-unit")}
          label="Rate unit"
          hint='"points", or a currency code such as USD or EUR.'
          maxLength={6}
          defaultValue={initial?.rateUnit ?? "points"}
        />
      </div>
      <fieldset>
        <legend className="text-sm font-semibold text-slate-800">Generation limits per annotator</legend>
        <p className="mt-1 text-xs text-slate-500">
          Every prompt and retry calls the model endpoints, whether or not it ends in a comparison.
        </p>
        <div className="mt-2 grid gap-4 sm:grid-cols-3">
          {GENERATION_LIMITS.map(([field, label, hint, min, fallback]) => (
            <TextField
              key={field}
              {...fieldProps(field, field)}
              label={label}
              hint={hint}
              type="number"
              min={min}
              defaultValue={initial?.[field] ?? fallback}
            />
          ))}
        </div>
      </fieldset>
      <TextAreaField
        {...fieldProps("systemPrompt", "system-prompt")}
        label="System prompt (optional)"
        hint="Sent with every turn and shown to annotators."
        rows={2}
        defaultValue={initial?.systemPrompt ?? ""}
      />
      <TextAreaField
        {...fieldProps("safetyPreprompt", "safety-preprompt")}
        label="Safety preprompt (optional)"
        hint="Sent when generating and recorded, never shown to annotators."
        rows={2}
        defaultValue={initial?.safetyPreprompt ?? ""}
      />
      <CheckboxField
        name="isBlindedForReviewers"
        defaultChecked={initial?.isBlindedForReviewers ?? true}
        description="Reviewers do not see which variant wrote each response, so they judge the choice, not the model. Only admins see variant names unless you turn this off."
      >
        Blinded for reviewers
      </CheckboxField>
      {children}
      {fieldErrors.formError && <Alert>{fieldErrors.formError}</Alert>}
      <Button type="submit" disabled={pending}>
        {pending ? "Saving…" : submitLabel}
      </Button>
    </form>
  );
}
