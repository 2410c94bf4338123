"use client";
// The campaign settings form, for a new campaign and for editing one. Values are checked by
// the service; this form collects them and shows its answer, each error beside its field.
import type { FormEvent } from "react";
import type { Campaign } from "@/db/schema";
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
  "systemPrompt",
  "safetyPreprompt",
  ...GENERATION_LIMITS.map(([field]) => field),
] as const;
/** The form asks for percentages; the service checks fractions. */
const ALIASES = { overlapFraction: "overlapPercent", goldFraction: "goldPercent" };

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
      },
      form,
    );
  }
  return (
    <form onSubmit={submit} onChange={fieldErrors.clearChanged} noValidate className="space-y-4">
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField
          id="campaign-name"
          name="name"
          label="Name"
          required
          maxLength={100}
          defaultValue={initial?.name}
          error={fieldErrors.errorFor("name")}
        />
        <SelectField
          id="campaign-kind"
          name="kind"
          label="Kind"
          defaultValue={initial?.kind ?? "helpfulness"}
          error={fieldErrors.errorFor("kind")}
        >
          <option value="helpfulness">Helpfulness</option>
          <option value="safety">Safety</option>
        </SelectField>
      </div>
      <TextAreaField
        id="campaign-description"
        name="description"
        label="Description (optional)"
        rows={2}
        maxLength={2000}
        defaultValue={initial?.description}
        error={fieldErrors.errorFor("description")}
      />
      <div className="grid gap-4 sm:grid-cols-3">
        <SelectField
          id="campaign-responses"
          name="responsesPerTurn"
          label="Responses per turn"
          defaultValue={String(initial?.responsesPerTurn ?? 2)}
          error={fieldErrors.errorFor("responsesPerTurn")}
        >
          <option value="2">2 (a pair)</option>
          <option value="3">3 (a ranking)</option>
          <option value="4">4 (a ranking)</option>
        </SelectField>
        <TextField
          id="campaign-turns"
          name="maxTurns"
          label="Turns per dialogue (at most)"
          type="number"
          min={1}
          max={50}
          defaultValue={initial?.maxTurns ?? 6}
          error={fieldErrors.errorFor("maxTurns")}
        />
        <TextField
          id="campaign-quota"
          name="dailyQuota"
          label="Daily quota per annotator"
          hint="Comparisons per day (UTC); empty for no limit."
          type="number"
          min={1}
          defaultValue={initial?.dailyQuota ?? ""}
          error={fieldErrors.errorFor("dailyQuota")}
        />
      </div>
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField
          id="campaign-overlap"
          name="overlapPercent"
          label="Overlap (% of comparisons re-rated)"
          hint="Finished comparisons served again to a second annotator, for agreement."
          type="number"
          min={0}
          max={100}
          step="any"
          defaultValue={Math.round((initial?.overlapFraction ?? 0.1) * 1000) / 10}
          error={fieldErrors.errorFor("overlapPercent")}
        />
        <TextField
          id="campaign-gold"
          name="goldPercent"
          label="Gold (% of pair tasks)"
          hint="Share of 'rate this pair' tasks served from gold items."
          type="number"
          min={0}
          max={100}
          step="any"
          defaultValue={Math.round((initial?.goldFraction ?? 0.05) * 1000) / 10}
          error={fieldErrors.errorFor("goldPercent")}
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
              id={`campaign-${field}`}
              name={field}
              label={label}
              hint={hint}
              type="number"
              min={min}
              defaultValue={initial?.[field] ?? fallback}
              error={fieldErrors.errorFor(field)}
            />
          ))}
        </div>
      </fieldset>
      <TextAreaField
        id="campaign-system-prompt"
        name="systemPrompt"
        label="System prompt (optional)"
        hint="Sent with every turn and shown to annotators."
        rows={2}
        defaultValue={initial?.systemPrompt ?? ""}
        error={fieldErrors.errorFor("systemPrompt")}
      />
      <TextAreaField
        id="campaign-safety-preprompt"
        name="safetyPreprompt"
        label="Safety preprompt (optional)"
        hint="Sent when generating and recorded, never shown to annotators."
        rows={2}
        defaultValue={initial?.safetyPreprompt ?? ""}
        error={fieldErrors.errorFor("safetyPreprompt")}
      />
      <label className="flex items-start gap-2 text-sm text-slate-700">
        <input
          type="checkbox"
          name="isBlindedForReviewers"
          defaultChecked={initial?.isBlindedForReviewers ?? true}
          className="mt-0.5 rounded border-slate-300"
        />
        <span>
          Blinded for reviewers
          <span className="block text-xs text-slate-500">
            Reviewers do not see which variant wrote each response, so they judge the choice, not the model.
            Only admins see variant names unless you turn this off.
          </span>
        </span>
      </label>
      {children}
      {fieldErrors.formError && <Alert>{fieldErrors.formError}</Alert>}
      <Button type="submit" disabled={pending}>
        {pending ? "Saving…" : submitLabel}
      </Button>
    </form>
  );
}
