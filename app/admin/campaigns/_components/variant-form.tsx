"use client";
// Add or edit a model variant: where responses come from (the local engine's model file with an
// optional LoRA adapter over it, or an OpenAI-compatible URL with a model name and the
// environment variable holding its API key)
// and how they are sampled. "Test connection" tries the values before they are saved. A new
// variant starts on the local engine's default model, so a first campaign needs no endpoint.
import { useMutation, useQuery } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { useRef, useState, type FormEvent } from "react";
import type { ModelVariant } from "@/db/schema";
import { CheckboxField } from "../../../_components/checkbox-field";
import { Alert, Button, SelectField, TextField } from "../../../_components/ui";
import { useFieldErrors } from "../../../_lib/field-errors";
import { useTRPC } from "../../../_lib/trpc";
import { ConnectionTestResult } from "./connection-test-result";
import { numberOrNull } from "./fields";

export interface VariantFormValues {
  name: string;
  endpointKind: "local" | "openai";
  baseUrl: string | null;
  model: string;
  modelPath: string | null;
  adapterPath: string | null;
  adapterScale: number;
  apiKeyEnv: string | null;
  temperature: number;
  topP: number;
  topK: number | null;
  maxTokens: number;
  versionLabel: string;
  isActive: boolean;
}

const FIELDS = [
  "name",
  "endpointKind",
  "versionLabel",
  "baseUrl",
  "model",
  "apiKeyEnv",
  "modelPath",
  "adapterPath",
  "adapterScale",
  "temperature",
  "topP",
  "topK",
  "maxTokens",
] as const;

/** The default model's words in the form: what "empty" means for a local variant's model file. */
function defaultModelHint(
  t: ReturnType<typeof useTranslations>,
  summary: { source: string; name: string | null } | undefined,
) {
  if (!summary) return t("defaultModel");
  if (summary.source === "demo") return t("defaultDemo");
  if (summary.source === "inference_url") {
    return summary.name ? t("defaultServerNamed", { name: summary.name }) : t("defaultServer");
  }
  return summary.name ? t("defaultNamed", { name: summary.name }) : t("defaultModel");
}

export function VariantForm({
  idPrefix,
  campaignId,
  initial,
  suggestedTemperature = 0.7,
  submitLabel,
  pending,
  error,
  onSubmit,
  onCancel,
}: {
  idPrefix: string;
  campaignId: string;
  /** The variant being edited; none for a new one. */
  initial?: ModelVariant;
  /** A new variant's temperature (the paper's pairs differ in temperature). */
  suggestedTemperature?: number;
  submitLabel: string;
  pending: boolean;
  /** The failed save, if any: its field errors go beside the fields. */
  error?: unknown;
  onSubmit: (values: VariantFormValues) => void;
  onCancel?: () => void;
}) {
  const trpc = useTRPC();
  const t = useTranslations("CampaignVariantForm");
  const defaultModel = useQuery(trpc.variants.defaultModel.queryOptions());
  const test = useMutation(trpc.variants.testUnsavedConnection.mutationOptions());
  const formRef = useRef<HTMLFormElement>(null);
  const [kind, setKind] = useState<"local" | "openai">(initial?.endpointKind ?? "local");
  // The field errors shown are those of the last thing tried: the save, or the test.
  const [lastTried, setLastTried] = useState<"save" | "test">("save");
  const [typedName, setTypedName] = useState<string | null>(null);
  const id = (name: string) => `${idPrefix}-${name}`;
  const fieldErrors = useFieldErrors(lastTried === "test" ? test.error : error, FIELDS);
  /** A field's id, form name and error, the same for every field. */
  const field = (name: (typeof FIELDS)[number], idSuffix: string) => ({
    id: id(idSuffix),
    name,
    error: fieldErrors.errorFor(name),
  });
  const temperature = initial?.temperature ?? suggestedTemperature;
  const suggestedName =
    initial || !defaultModel.data?.name ? undefined : `${defaultModel.data.name} @ ${temperature.toFixed(1)}`;

  function valuesOf(formElement: HTMLFormElement): VariantFormValues {
    const form = new FormData(formElement);
    const text = (name: string) => String(form.get(name) ?? "").trim();
    return {
      name: text("name"),
      endpointKind: kind,
      baseUrl: text("baseUrl") || null,
      model: text("model"),
      modelPath: kind === "local" ? text("modelPath") || null : null,
      adapterPath: kind === "local" ? text("adapterPath") || null : null,
      adapterScale: kind === "local" && text("adapterScale") ? Number(text("adapterScale")) : 1,
      apiKeyEnv: text("apiKeyEnv") || null,
      temperature: Number(text("temperature")),
      topP: Number(text("topP")),
      topK: numberOrNull(form.get("topK")),
      maxTokens: Number(text("maxTokens")),
      versionLabel: text("versionLabel"),
      isActive: form.get("isActive") === "on",
    };
  }
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setLastTried("save");
    onSubmit(valuesOf(event.currentTarget));
  }
  function testConnection() {
    if (!formRef.current) return;
    setLastTried("test");
    test.mutate({ campaignId, ...valuesOf(formRef.current) });
  }
  return (
    <form
      ref={formRef}
      onSubmit={submit}
      onChange={fieldErrors.clearChanged}
      noValidate
      className="space-y-4"
    >
      <div className="grid gap-4 sm:grid-cols-3">
        <TextField
          {...field("name", "name")}
          label={t("name")}
          required
          maxLength={100}
          // The suggestion fills in once the default model's name has loaded, unless a name was
          // typed first (remounting the field then would throw the typed name away).
          value={typedName ?? initial?.name ?? suggestedName ?? ""}
          onChange={(event) => setTypedName(event.target.value)}
        />
        <SelectField
          {...field("endpointKind", "kind")}
          label={t("source")}
          value={kind}
          onChange={(event) => setKind(event.target.value as "local" | "openai")}
        >
          <option value="openai">{t("sourceOpenai")}</option>
          <option value="local">{t("sourceLocal")}</option>
        </SelectField>
        <TextField
          {...field("versionLabel", "version")}
          label={t("version")}
          required
          maxLength={50}
          defaultValue={initial?.versionLabel ?? "v1"}
        />
      </div>
      {kind === "openai" ? (
        <div className="grid gap-4 sm:grid-cols-3">
          <TextField
            {...field("baseUrl", "url")}
            label={t("url")}
            placeholder="http://127.0.0.1:8000/v1"
            defaultValue={initial?.baseUrl ?? ""}
          />
          <TextField
            {...field("model", "model")}
            label={t("model")}
            placeholder="llama-2-7b-chat"
            defaultValue={initial?.model}
          />
          <TextField
            {...field("apiKeyEnv", "key")}
            label={t("apiKey")}
            hint={t("apiKeyHint")}
            placeholder="ARBITER_KEY_OPENAI"
            defaultValue={initial?.apiKeyEnv ?? ""}
          />
        </div>
      ) : (
        <div className="grid gap-4 sm:grid-cols-2">
          <TextField
            {...field("modelPath", "path")}
            label={t("modelPath")}
            hint={t("modelPathHint", { defaultModel: defaultModelHint(t, defaultModel.data) })}
            defaultValue={initial?.modelPath ?? ""}
          />
          <TextField
            {...field("baseUrl", "local-url")}
            label={t("localUrl")}
            hint={t("localUrlHint")}
            defaultValue={initial?.baseUrl ?? ""}
          />
          <TextField
            {...field("adapterPath", "adapter")}
            label={t("adapter")}
            hint={t("adapterHint")}
            defaultValue={initial?.adapterPath ?? ""}
          />
          <TextField
            {...field("adapterScale", "adapter-scale")}
            label={t("adapterScale")}
            type="number"
            step="0.05"
            min={0}
            max={10}
            defaultValue={initial?.adapterScale ?? 1}
          />
          <input type="hidden" name="model" value={initial?.model ?? ""} />
        </div>
      )}
      <div className="grid gap-4 sm:grid-cols-4">
        <TextField
          {...field("temperature", "temperature")}
          label={t("temperature")}
          type="number"
          step="0.05"
          min={0}
          max={2}
          defaultValue={temperature}
        />
        <TextField
          {...field("topP", "top-p")}
          label={t("topP")}
          type="number"
          step="0.01"
          min={0}
          max={1}
          defaultValue={initial?.topP ?? 0.95}
        />
        <TextField
          {...field("topK", "top-k")}
          label={t("topK")}
          type="number"
          min={1}
          defaultValue={initial?.topK ?? ""}
        />
        <TextField
          {...field("maxTokens", "max-tokens")}
          label={t("maxTokens")}
          type="number"
          min={1}
          defaultValue={initial?.maxTokens ?? 512}
        />
      </div>
      <CheckboxField name="isActive" defaultChecked={initial?.isActive ?? true}>
        {t("active")}
      </CheckboxField>
      {fieldErrors.formError && <Alert>{fieldErrors.formError}</Alert>}
      {lastTried === "test" && test.data && (
        <ConnectionTestResult label={t("testOfForm")} result={test.data} />
      )}
      <div className="flex gap-2">
        <Button type="submit" disabled={pending}>
          {pending ? t("saving") : submitLabel}
        </Button>
        <Button type="button" variant="secondary" disabled={test.isPending} onClick={testConnection}>
          {test.isPending ? t("testing") : t("testConnection")}
        </Button>
        {onCancel && (
          <Button type="button" variant="secondary" onClick={onCancel}>
            {t("cancel")}
          </Button>
        )}
      </div>
    </form>
  );
}
