"use client";
// Add or edit a model variant: where responses come from (the local engine's model file, or an
// OpenAI-compatible URL with a model name and the environment variable holding its API key)
// and how they are sampled. "Test connection" tries the values before they are saved. A new
// variant starts on the local engine's default model, so a first campaign needs no endpoint.
import { useMutation, useQuery } from "@tanstack/react-query";
import { useRef, useState, type FormEvent } from "react";
import type { ModelVariant } from "@/db/schema";
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
  "temperature",
  "topP",
  "topK",
  "maxTokens",
] as const;

/** The default model's words in the form: what "empty" means for a local variant's model file. */
function defaultModelHint(summary: { source: string; name: string | null } | undefined) {
  if (!summary) return "empty for the default model.";
  if (summary.source === "demo") {
    return `empty for the demo model (random weights: its answers are gibberish until the operator sets MODEL_PATH).`;
  }
  if (summary.source === "inference_url") {
    return `empty for the operator's inference server${summary.name ? ` (${summary.name})` : ""}.`;
  }
  return `empty for the default model, ${summary.name}.`;
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
  const defaultModel = useQuery(trpc.variants.defaultModel.queryOptions());
  const test = useMutation(trpc.variants.testUnsavedConnection.mutationOptions());
  const formRef = useRef<HTMLFormElement>(null);
  const [kind, setKind] = useState<"local" | "openai">(initial?.endpointKind ?? "local");
  // The field errors shown are those of the last thing tried: the save, or the test.
  const [lastTried, setLastTried] = useState<"save" | "test">("save");
  const id = (name: string) => `${idPrefix}-${name}`;
  const fieldErrors = useFieldErrors(lastTried === "test" ? test.error : error, FIELDS);
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
          id={id("name")}
          name="name"
          error={fieldErrors.errorFor("name")}
          label="Variant name"
          required
          maxLength={100}
          // Keyed so the suggestion fills in once the default model's name has loaded.
          key={suggestedName ?? "name"}
          defaultValue={initial?.name ?? suggestedName}
        />
        <SelectField
          id={id("kind")}
          name="endpointKind"
          error={fieldErrors.errorFor("endpointKind")}
          label="Responses come from"
          value={kind}
          onChange={(event) => setKind(event.target.value as "local" | "openai")}
        >
          <option value="openai">An OpenAI-compatible URL</option>
          <option value="local">Arbiter&apos;s local engine</option>
        </SelectField>
        <TextField
          id={id("version")}
          name="versionLabel"
          error={fieldErrors.errorFor("versionLabel")}
          label="Version label"
          required
          maxLength={50}
          defaultValue={initial?.versionLabel ?? "v1"}
        />
      </div>
      {kind === "openai" ? (
        <div className="grid gap-4 sm:grid-cols-3">
          <TextField
            id={id("url")}
            name="baseUrl"
            error={fieldErrors.errorFor("baseUrl")}
            label="Server URL"
            placeholder="http://127.0.0.1:8000/v1"
            defaultValue={initial?.baseUrl ?? ""}
          />
          <TextField
            id={id("model")}
            name="model"
            error={fieldErrors.errorFor("model")}
            label="Model"
            placeholder="llama-2-7b-chat"
            defaultValue={initial?.model}
          />
          <TextField
            id={id("key")}
            name="apiKeyEnv"
            error={fieldErrors.errorFor("apiKeyEnv")}
            label="API key variable (optional)"
            hint="The environment variable on the server that holds the key; its name starts with ARBITER_KEY_ (the operator sets it)."
            placeholder="ARBITER_KEY_OPENAI"
            defaultValue={initial?.apiKeyEnv ?? ""}
          />
        </div>
      ) : (
        <div className="grid gap-4 sm:grid-cols-2">
          <TextField
            id={id("path")}
            name="modelPath"
            error={fieldErrors.errorFor("modelPath")}
            label="Model file (.gguf, optional)"
            hint={`A file in the server's model folders, e.g. llama-2-7b-chat.Q4_K_M.gguf; ${defaultModelHint(defaultModel.data)}`}
            defaultValue={initial?.modelPath ?? ""}
          />
          <TextField
            id={id("local-url")}
            name="baseUrl"
            error={fieldErrors.errorFor("baseUrl")}
            label="Running engine URL (optional)"
            hint="Empty: Arbiter starts and supervises the engine itself."
            defaultValue={initial?.baseUrl ?? ""}
          />
          <input type="hidden" name="model" value={initial?.model ?? ""} />
        </div>
      )}
      <div className="grid gap-4 sm:grid-cols-4">
        <TextField
          id={id("temperature")}
          name="temperature"
          error={fieldErrors.errorFor("temperature")}
          label="Temperature"
          type="number"
          step="0.05"
          min={0}
          max={2}
          defaultValue={temperature}
        />
        <TextField
          id={id("top-p")}
          name="topP"
          error={fieldErrors.errorFor("topP")}
          label="Top-p"
          type="number"
          step="0.01"
          min={0}
          max={1}
          defaultValue={initial?.topP ?? 0.95}
        />
        <TextField
          id={id("top-k")}
          name="topK"
          error={fieldErrors.errorFor("topK")}
          label="Top-k (optional)"
          type="number"
          min={1}
          defaultValue={initial?.topK ?? ""}
        />
        <TextField
          id={id("max-tokens")}
          name="maxTokens"
          error={fieldErrors.errorFor("maxTokens")}
          label="Max tokens"
          type="number"
          min={1}
          defaultValue={initial?.maxTokens ?? 512}
        />
      </div>
      <label className="flex items-center gap-2 text-sm text-slate-700">
        <input
          type="checkbox"
          name="isActive"
          defaultChecked={initial?.isActive ?? true}
          className="rounded border-slate-300"
        />
        Active (used for new turns)
      </label>
      {fieldErrors.formError && <Alert>{fieldErrors.formError}</Alert>}
      {lastTried === "test" && test.data && (
        <ConnectionTestResult label="Connection test of the form's values" result={test.data} />
      )}
      <div className="flex gap-2">
        <Button type="submit" disabled={pending}>
          {pending ? "Saving…" : submitLabel}
        </Button>
        <Button type="button" variant="secondary" disabled={test.isPending} onClick={testConnection}>
          {test.isPending ? "Testing…" : "Test connection"}
        </Button>
        {onCancel && (
          <Button type="button" variant="secondary" onClick={onCancel}>
            Cancel
          </Button>
        )}
      </div>
    </form>
  );
}
