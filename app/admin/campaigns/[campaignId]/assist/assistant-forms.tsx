"use client";
// The Model assist tab's two forms: the campaign's LLM judge (where it answers, its prompt
// template and verdict schema) and its reward model (where it answers). Both take the local
// engine or an OpenAI-compatible URL, with the same fields as a variant's endpoint.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent, type ReactNode } from "react";
import { CheckboxField } from "../../../../_components/checkbox-field";
import { Alert, Button, Card, SelectField, TextField } from "../../../../_components/ui";
import { errorMessage, useTRPC } from "../../../../_lib/trpc";
import { TextAreaField } from "../../_components/fields";

interface EndpointValues {
  endpointKind: "local" | "openai";
  baseUrl: string | null;
  model: string;
  modelPath: string | null;
  apiKeyEnv: string | null;
  isActive: boolean;
}

function endpointOf(form: FormData): EndpointValues {
  return {
    endpointKind: form.get("endpointKind") === "openai" ? "openai" : "local",
    baseUrl: String(form.get("baseUrl") ?? ""),
    model: String(form.get("model") ?? ""),
    modelPath: String(form.get("modelPath") ?? ""),
    apiKeyEnv: String(form.get("apiKeyEnv") ?? ""),
    isActive: form.get("isActive") === "on",
  };
}

function EndpointFields({
  prefix,
  what,
  current,
}: {
  prefix: string;
  what: string;
  current: EndpointValues | null;
}) {
  const [kind, setKind] = useState(current?.endpointKind ?? "local");
  return (
    <>
      <CheckboxField name="isActive" defaultChecked={current?.isActive ?? true}>
        Use this {what} on new comparisons
      </CheckboxField>
      <SelectField
        id={`${prefix}-endpoint-kind`}
        name="endpointKind"
        label={`Where the ${what} answers`}
        value={kind}
        onChange={(event) => setKind(event.target.value === "openai" ? "openai" : "local")}
      >
        <option value="local">Arbiter&apos;s local engine</option>
        <option value="openai">An OpenAI-compatible URL (vLLM, TGI, Ollama)</option>
      </SelectField>
      {kind === "openai" ? (
        <>
          <TextField
            id={`${prefix}-base-url`}
            name="baseUrl"
            label={`The ${what}'s URL`}
            hint="e.g. http://127.0.0.1:8000/v1; a private address must be allowed by the operator (ARBITER_OUTBOUND_ALLOW)."
            defaultValue={current?.baseUrl ?? ""}
            maxLength={2000}
          />
          <TextField
            id={`${prefix}-model`}
            name="model"
            label="Model name"
            defaultValue={current?.model ?? ""}
            maxLength={200}
          />
          <TextField
            id={`${prefix}-api-key-env`}
            name="apiKeyEnv"
            label="API key variable"
            hint="The name of an ARBITER_KEY_… environment variable on the web server, or empty."
            defaultValue={current?.apiKeyEnv ?? ""}
            maxLength={100}
          />
        </>
      ) : (
        <TextField
          id={`${prefix}-model-path`}
          name="modelPath"
          label="Model file"
          hint="A .gguf file in the operator's model folders; empty for the default model."
          defaultValue={current?.modelPath ?? ""}
          maxLength={1000}
        />
      )}
    </>
  );
}

/** Saving a judge or reward model shows the settings again, as saved. */
function useInvalidateSettings() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return { trpc, onSuccess: () => queryClient.invalidateQueries(trpc.judging.settings.queryFilter()) };
}

/** One assistant's card: its form, the save's answer and the save button. */
function AssistantCard({
  title,
  description,
  save,
  saved,
  submitLabel,
  onSubmit,
  children,
}: {
  title: string;
  description: string;
  save: { error: unknown; isSuccess: boolean; isPending: boolean };
  saved: string;
  submitLabel: string;
  onSubmit: (form: FormData) => void;
  children: ReactNode;
}) {
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    onSubmit(new FormData(event.currentTarget));
  }
  return (
    <Card title={title} description={description}>
      <form onSubmit={submit} className="space-y-4" noValidate>
        {children}
        {save.error ? <Alert>{errorMessage(save.error)}</Alert> : null}
        {save.isSuccess && <p className="text-sm text-emerald-700">{saved}</p>}
        <Button type="submit" disabled={save.isPending}>
          {submitLabel}
        </Button>
      </form>
    </Card>
  );
}

export function JudgeForm({
  campaignId,
  judge,
  defaults,
}: {
  campaignId: string;
  judge: (EndpointValues & { promptTemplate: string; verdictSchema: string; maxTokens: number }) | null;
  defaults: { promptTemplate: string; verdictSchema: string };
}) {
  const { trpc, onSuccess } = useInvalidateSettings();
  const save = useMutation(trpc.judging.saveJudge.mutationOptions({ onSuccess }));
  return (
    <AssistantCard
      title="LLM judge"
      description="Judges every submitted comparison twice, the responses shown in both orders; verdicts that disagree count as unsure. Annotators never see the verdicts; reviewers and admins do."
      save={save}
      saved="Judge saved."
      submitLabel="Save judge"
      onSubmit={(form) =>
        save.mutate({
          campaignId,
          ...endpointOf(form),
          promptTemplate: String(form.get("promptTemplate") ?? ""),
          verdictSchema: String(form.get("verdictSchema") ?? ""),
          maxTokens: Number(form.get("maxTokens")),
        })
      }
    >
      <EndpointFields prefix="judge" what="judge" current={judge} />
      <TextAreaField
        id="judge-prompt-template"
        name="promptTemplate"
        label="Prompt template"
        hint="{question}, {answer_a} and {answer_b} are replaced by the conversation and the two responses."
        rows={10}
        defaultValue={judge?.promptTemplate ?? defaults.promptTemplate}
      />
      <TextAreaField
        id="judge-verdict-schema"
        name="verdictSchema"
        label="Verdict schema (JSON, sent as response_format)"
        rows={8}
        className="font-mono"
        defaultValue={judge?.verdictSchema ?? defaults.verdictSchema}
      />
      <TextField
        id="judge-max-tokens"
        name="maxTokens"
        type="number"
        label="Max tokens per verdict"
        min={16}
        max={8192}
        defaultValue={judge?.maxTokens ?? 400}
      />
    </AssistantCard>
  );
}

export function RewardModelForm({
  campaignId,
  rewardModel,
}: {
  campaignId: string;
  rewardModel: EndpointValues | null;
}) {
  const { trpc, onSuccess } = useInvalidateSettings();
  const save = useMutation(trpc.judging.saveRewardModel.mutationOptions({ onSuccess }));
  return (
    <AssistantCard
      title="Reward model"
      description="Scores every response of each submitted comparison through /pooling (vLLM's reward-model endpoint; Arbiter's engine serves it for a model file with a score head)."
      save={save}
      saved="Reward model saved."
      submitLabel="Save reward model"
      onSubmit={(form) => save.mutate({ campaignId, ...endpointOf(form) })}
    >
      <EndpointFields prefix="reward" what="reward model" current={rewardModel} />
    </AssistantCard>
  );
}
