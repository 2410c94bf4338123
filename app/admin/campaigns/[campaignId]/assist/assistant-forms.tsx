"use client";
// The Model assist tab's forms: the campaign's LLM judge (where it answers, its prompt
// template and verdict schema) and its reward model (where it answers), both on the local engine
// or an OpenAI-compatible URL with the same fields as a variant's endpoint; and best-of-N mode,
// which needs the reward model.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
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
  what: "judge" | "rewardModel";
  current: EndpointValues | null;
}) {
  const t = useTranslations("CampaignAssistForms");
  const [kind, setKind] = useState(current?.endpointKind ?? "local");
  return (
    <>
      <CheckboxField name="isActive" defaultChecked={current?.isActive ?? true}>
        {t("useOn", { what })}
      </CheckboxField>
      <SelectField
        id={`${prefix}-endpoint-kind`}
        name="endpointKind"
        label={t("where", { what })}
        value={kind}
        onChange={(event) => setKind(event.target.value === "openai" ? "openai" : "local")}
      >
        <option value="local">{t("local")}</option>
        <option value="openai">{t("openai")}</option>
      </SelectField>
      {kind === "openai" ? (
        <>
          <TextField
            id={`${prefix}-base-url`}
            name="baseUrl"
            label={t("url", { what })}
            hint={t("urlHint")}
            defaultValue={current?.baseUrl ?? ""}
            maxLength={2000}
          />
          <TextField
            id={`${prefix}-model`}
            name="model"
            label={t("modelName")}
            defaultValue={current?.model ?? ""}
            maxLength={200}
          />
          <TextField
            id={`${prefix}-api-key-env`}
            name="apiKeyEnv"
            label={t("apiKey")}
            hint={t("apiKeyHint")}
            defaultValue={current?.apiKeyEnv ?? ""}
            maxLength={100}
          />
        </>
      ) : (
        <TextField
          id={`${prefix}-model-path`}
          name="modelPath"
          label={t("modelFile")}
          hint={t("modelFileHint")}
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
  const t = useTranslations("CampaignAssistForms");
  const { trpc, onSuccess } = useInvalidateSettings();
  const save = useMutation(trpc.judging.saveJudge.mutationOptions({ onSuccess }));
  return (
    <AssistantCard
      title={t("judge")}
      description={t("judgeHint")}
      save={save}
      saved={t("judgeSaved")}
      submitLabel={t("saveJudge")}
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
        label={t("promptTemplate")}
        hint={t("promptTemplateHint")}
        rows={10}
        defaultValue={judge?.promptTemplate ?? defaults.promptTemplate}
      />
      <TextAreaField
        id="judge-verdict-schema"
        name="verdictSchema"
        label={t("verdictSchema")}
        rows={8}
        className="font-mono"
        defaultValue={judge?.verdictSchema ?? defaults.verdictSchema}
      />
      <TextField
        id="judge-max-tokens"
        name="maxTokens"
        type="number"
        label={t("maxTokens")}
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
  const t = useTranslations("CampaignAssistForms");
  const { trpc, onSuccess } = useInvalidateSettings();
  const save = useMutation(trpc.judging.saveRewardModel.mutationOptions({ onSuccess }));
  return (
    <AssistantCard
      title={t("rewardModel")}
      description={t("rewardModelHint")}
      save={save}
      saved={t("rewardSaved")}
      submitLabel={t("saveReward")}
      onSubmit={(form) => save.mutate({ campaignId, ...endpointOf(form) })}
    >
      <EndpointFields prefix="reward" what="rewardModel" current={rewardModel} />
    </AssistantCard>
  );
}

const BEST_OF_N_CHOICES = [4, 5, 6, 7, 8];

export function BestOfNForm({
  campaignId,
  rewardModel,
  variants,
}: {
  campaignId: string;
  rewardModel: { isActive: boolean; bestOfN: number | null; bestOfNVariantId: string | null } | null;
  variants: { id: string; name: string; temperature: number }[];
}) {
  const t = useTranslations("CampaignBestOfN");
  const { trpc, onSuccess } = useInvalidateSettings();
  const save = useMutation(trpc.judging.saveBestOfN.mutationOptions({ onSuccess }));
  return (
    <AssistantCard
      title={t("title")}
      description={t("hint")}
      save={save}
      saved={t("saved")}
      submitLabel={t("save")}
      onSubmit={(form) => {
        const n = Number(form.get("bestOfN"));
        save.mutate({
          campaignId,
          n: n > 0 ? n : null,
          variantId: String(form.get("bestOfNVariantId") ?? "") || null,
        });
      }}
    >
      {!rewardModel?.isActive && <p className="text-sm text-slate-600">{t("needsRewardModel")}</p>}
      <SelectField
        id="best-of-n"
        name="bestOfN"
        label={t("samplesPerTurn")}
        defaultValue={rewardModel?.bestOfN ?? 0}
      >
        <option value={0}>{t("off")}</option>
        {BEST_OF_N_CHOICES.map((n) => (
          <option key={n} value={n}>
            {t("samples", { n })}
          </option>
        ))}
      </SelectField>
      <SelectField
        id="best-of-n-variant"
        name="bestOfNVariantId"
        label={t("variant")}
        hint={t("variantHint")}
        defaultValue={rewardModel?.bestOfNVariantId ?? variants[0]?.id ?? ""}
      >
        {variants.map((variant) => (
          <option key={variant.id} value={variant.id}>
            {t("variantOption", { name: variant.name, temperature: variant.temperature })}
          </option>
        ))}
      </SelectField>
    </AssistantCard>
  );
}
