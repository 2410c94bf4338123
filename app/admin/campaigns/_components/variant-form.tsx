"use client";
// Add or edit a model variant: where responses come from (the local engine's model file, or an
// OpenAI-compatible URL with a model name and the environment variable holding its API key)
// and how they are sampled.
import { useState, type FormEvent } from "react";
import type { ModelVariant } from "@/db/schema";
import { Alert, Button, SelectField, TextField } from "../../../_components/ui";
import { useFieldErrors } from "../../../_lib/field-errors";
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

export function VariantForm({
  idPrefix,
  initial,
  submitLabel,
  pending,
  error,
  onSubmit,
  onCancel,
}: {
  idPrefix: string;
  initial?: ModelVariant;
  submitLabel: string;
  pending: boolean;
  /** The failed save, if any: its field errors go beside the fields. */
  error?: unknown;
  onSubmit: (values: VariantFormValues) => void;
  onCancel?: () => void;
}) {
  const [kind, setKind] = useState<"local" | "openai">(initial?.endpointKind ?? "openai");
  const id = (name: string) => `${idPrefix}-${name}`;
  const fieldErrors = useFieldErrors(error, FIELDS);
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? "").trim();
    onSubmit({
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
    });
  }
  return (
    <form onSubmit={submit} onChange={fieldErrors.clearChanged} noValidate className="space-y-4">
      <div className="grid gap-4 sm:grid-cols-3">
        <TextField
          id={id("name")}
          name="name"
          error={fieldErrors.errorFor("name")}
          label="Variant name"
          required
          maxLength={100}
          defaultValue={initial?.name}
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
            hint="A file in the server's model folders, e.g. llama-2-7b-chat.Q4_K_M.gguf; empty for the default model."
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
          defaultValue={initial?.temperature ?? 0.7}
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
      <div className="flex gap-2">
        <Button type="submit" disabled={pending}>
          {pending ? "Saving…" : submitLabel}
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
