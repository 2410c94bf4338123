"use client";
// The campaign settings form, for a new campaign and for editing one. Values are checked by
// the service; this form collects them and shows its answer, each error beside its field.
import { useTranslations } from "next-intl";
import type { FormEvent } from "react";
import type { Campaign } from "@/db/schema";
import type { PairingPolicy } from "@/lib/constants";
import { CheckboxField } from "../../../_components/checkbox-field";
import { Alert, Button, SelectField, TextField } from "../../../_components/ui";
import { useFieldErrors } from "../../../_lib/field-errors";
import { numberOrNull, TextAreaField } from "./fields";
import { useCampaignFormat } from "./use-campaign-format";

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

/** Per-annotator generation limits (label and hint under the field's name): [field, min, default]. */
const GENERATION_LIMITS = [
  ["turnsPerHour", 1, 60],
  ["turnsPerDay", 1, 400],
  ["retriesPerTurn", 0, 3],
  ["retriesPerHour", 1, 20],
  ["concurrentGenerations", 1, 2],
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
  const t = useTranslations("CampaignForm");
  const format = useCampaignFormat();
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
          label={t("name")}
          required
          maxLength={100}
          defaultValue={initial?.name}
        />
        <SelectField
          {...fieldProps("kind", "kind")}
          label={t("kind")}
          defaultValue={initial?.kind ?? "helpfulness"}
        >
          <option value="helpfulness">{format.kind("helpfulness")}</option>
          <option value="safety">{format.kind("safety")}</option>
        </SelectField>
      </div>
      <TextAreaField
        {...fieldProps("description", "description")}
        label={t("description")}
        rows={2}
        maxLength={2000}
        defaultValue={initial?.description}
      />
      <div className="grid gap-4 sm:grid-cols-3">
        <SelectField
          {...fieldProps("responsesPerTurn", "responses")}
          label={t("responsesPerTurn")}
          defaultValue={String(initial?.responsesPerTurn ?? 2)}
        >
          <option value="2">{t("responsesPair", { count: 2 })}</option>
          <option value="3">{t("responsesRanking", { count: 3 })}</option>
          <option value="4">{t("responsesRanking", { count: 4 })}</option>
        </SelectField>
        <TextField
          {...fieldProps("maxTurns", "turns")}
          label={t("maxTurns")}
          type="number"
          min={1}
          max={50}
          defaultValue={initial?.maxTurns ?? 6}
        />
        <TextField
          {...fieldProps("dailyQuota", "quota")}
          label={t("dailyQuota")}
          hint={t("dailyQuotaHint")}
          type="number"
          min={1}
          defaultValue={initial?.dailyQuota ?? ""}
        />
      </div>
      <div className="grid gap-4 sm:grid-cols-2">
        <PercentField
          {...fieldProps("overlapPercent", "overlap")}
          label={t("overlap")}
          hint={t("overlapHint")}
          min={0}
          fraction={initial?.overlapFraction ?? 0.1}
        />
        <PercentField
          {...fieldProps("goldPercent", "gold")}
          label={t("gold")}
          hint={t("goldHint")}
          min={0}
          fraction={initial?.goldFraction ?? 0.05}
        />
      </div>
      <div className="grid gap-4 sm:grid-cols-2">
        <PercentField
          {...fieldProps("nearDuplicatePercent", "near-duplicate")}
          label={t("nearDuplicate")}
          hint={t("nearDuplicateHint")}
          min={10}
          fraction={initial?.nearDuplicateThreshold ?? 0.8}
        />
        <SelectField
          {...fieldProps("pairing", "pairing")}
          label={t("pairing")}
          hint={t("pairingHint")}
          defaultValue={initial?.pairing ?? "balanced"}
        >
          <option value="balanced">{t("pairingBalanced")}</option>
          <option value="informative">{t("pairingInformative")}</option>
        </SelectField>
      </div>
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField
          {...fieldProps("ratePerComparison", "rate")}
          label={t("rate")}
          hint={t("rateHint")}
          type="number"
          min={0}
          step="0.01"
          defaultValue={initial?.ratePerComparison ?? ""}
        />
        <TextField
          {...fieldProps("rateUnit", "rate-unit")}
          label={t("rateUnit")}
          hint={t("rateUnitHint")}
          maxLength={6}
          defaultValue={initial?.rateUnit ?? "points"}
        />
      </div>
      <fieldset>
        <legend className="text-sm font-semibold text-slate-800">{t("limits")}</legend>
        <p className="mt-1 text-xs text-slate-500">{t("limitsHint")}</p>
        <div className="mt-2 grid gap-4 sm:grid-cols-3">
          {GENERATION_LIMITS.map(([field, min, fallback]) => (
            <TextField
              key={field}
              {...fieldProps(field, field)}
              label={t(field)}
              hint={t(`${field}Hint`)}
              type="number"
              min={min}
              defaultValue={initial?.[field] ?? fallback}
            />
          ))}
        </div>
      </fieldset>
      <TextAreaField
        {...fieldProps("systemPrompt", "system-prompt")}
        label={t("systemPrompt")}
        hint={t("systemPromptHint")}
        rows={2}
        defaultValue={initial?.systemPrompt ?? ""}
      />
      <TextAreaField
        {...fieldProps("safetyPreprompt", "safety-preprompt")}
        label={t("safetyPreprompt")}
        hint={t("safetyPrepromptHint")}
        rows={2}
        defaultValue={initial?.safetyPreprompt ?? ""}
      />
      <CheckboxField
        name="isBlindedForReviewers"
        defaultChecked={initial?.isBlindedForReviewers ?? true}
        description={t("blindedHint")}
      >
        {t("blinded")}
      </CheckboxField>
      {children}
      {fieldErrors.formError && <Alert>{fieldErrors.formError}</Alert>}
      <Button type="submit" disabled={pending}>
        {pending ? t("saving") : submitLabel}
      </Button>
    </form>
  );
}
