"use client";
// "Rate this pair": the dialogue so far and two responses in a fresh random order; the
// annotator picks the better one, says how much better, and in safety campaigns marks each
// safe or unsafe. Nothing here shows the first rating, or whether the pair is a gold item.
import { useMutation, useQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { Strength } from "@/lib/constants";
import type { AppRouter } from "@/server/api/root";
import { DialogueTranscript } from "../../_components/dialogue-transcript";
import { Markdown } from "../../_components/markdown";
import { STRENGTH_OPTIONS } from "../../_components/labels";
import { useLabels } from "../../_components/use-labels";
import { Alert, Button, Card, cx, PageHeader } from "../../../_components/ui";
import { useErrorText } from "../../../_lib/error-text";
import { idempotentRetry, useTRPC } from "../../../_lib/trpc";
import { TextAreaField } from "../../../admin/campaigns/_components/fields";

export function PairTaskView({ taskId }: { taskId: string }) {
  const errorMessage = useErrorText();
  const trpc = useTRPC();
  const task = useQuery(trpc.quality.pairTask.queryOptions({ taskId }));
  const t = useTranslations("Pairs");
  if (task.error) return <Alert>{errorMessage(task.error)}</Alert>;
  if (!task.data) return <p className="text-sm text-slate-500">{t("loading")}</p>;
  // Keyed by task: a new task starts with a clean form and clock.
  return <PairForm key={task.data.taskId} task={task.data} />;
}

type Task = inferRouterOutputs<AppRouter>["quality"]["pairTask"];

function PairForm({ task }: { task: Task }) {
  const errorMessage = useErrorText();
  const t = useTranslations("Pairs");
  const judgement = useTranslations("Judgement");
  const labels = useLabels();
  const trpc = useTRPC();
  const router = useRouter();
  const [shownAt] = useState(() => Date.now());
  const [idempotencyKey] = useState(() => crypto.randomUUID());
  const [chosen, setChosen] = useState<string | null>(null);
  const [strength, setStrength] = useState<Strength | null>(null);
  const [safety, setSafety] = useState<Record<string, boolean>>({});
  const [note, setNote] = useState("");
  const [nothingLeft, setNothingLeft] = useState(false);
  const next = useMutation(
    trpc.quality.claimPair.mutationOptions({
      onSuccess: (claimed) =>
        claimed ? router.push(`/annotate/pair/${claimed.taskId}`) : setNothingLeft(true),
    }),
  );
  const goOn = () => next.mutate({ campaignId: task.campaign.id });
  const submit = useMutation(
    trpc.quality.submitPair.mutationOptions({ ...idempotentRetry, onSuccess: goOn }),
  );
  const skip = useMutation(trpc.quality.skipPair.mutationOptions({ onSuccess: goOn }));
  const isSafety = task.campaign.kind === "safety";
  const error = submit.error ?? skip.error ?? next.error;

  if (nothingLeft) {
    return <Alert tone="success">{t("thanks", { name: task.campaign.name })}</Alert>;
  }
  if (task.status !== "pending") {
    return (
      <Card>
        <p className="text-sm text-slate-700">
          {task.status === "done" ? t("alreadyRated") : t("alreadySkipped")}
        </p>
        <div className="mt-3">
          <Button onClick={goOn}>{t("nextPair")}</Button>
        </div>
      </Card>
    );
  }
  return (
    <div className="space-y-6">
      <PageHeader title={t("taskTitle")} description={task.campaign.name} />
      <Card title={t("dialogue")}>
        {task.systemPrompt && (
          <p className="mb-3 text-xs text-slate-500">{t("systemPrompt", { prompt: task.systemPrompt })}</p>
        )}
        <DialogueTranscript history={task.history} userMessage={task.userMessage} />
      </Card>

      <div className="grid gap-4 md:grid-cols-2">
        {task.responses.map((response, index) => (
          <section
            key={response.id}
            aria-label={labels.response(index)}
            className={cx(
              "rounded-lg border bg-white p-4 shadow-sm",
              chosen === response.id ? "border-indigo-500" : "border-slate-200",
            )}
          >
            <h3 className="mb-2 text-sm font-semibold">{labels.response(index)}</h3>
            <Markdown text={response.text} />
            {isSafety && (
              <fieldset className="mt-3 flex gap-4 text-sm">
                <legend className="sr-only">{t("isSafe", { response: labels.response(index) })}</legend>
                {[true, false].map((isSafe) => (
                  <label key={String(isSafe)} className="flex items-center gap-1.5">
                    <input
                      type="radio"
                      name={`safety-${response.id}`}
                      checked={safety[response.id] === isSafe}
                      onChange={() => setSafety({ ...safety, [response.id]: isSafe })}
                      aria-label={t(isSafe ? "responseIsSafe" : "responseIsUnsafe", {
                        response: labels.response(index),
                      })}
                    />
                    {isSafe ? judgement("safe") : judgement("unsafe")}
                  </label>
                ))}
              </fieldset>
            )}
          </section>
        ))}
      </div>

      <Card title={t("judgement")}>
        <fieldset className="flex flex-wrap gap-3 text-sm">
          <legend className="mb-2 text-sm font-medium text-slate-700">{t("which")}</legend>
          {task.responses.map((response, index) => (
            <label key={response.id} className="flex items-center gap-2">
              <input
                type="radio"
                name="chosen"
                checked={chosen === response.id}
                onChange={() => setChosen(response.id)}
              />
              {t("isBetter", { response: labels.response(index) })}
            </label>
          ))}
        </fieldset>
        <fieldset className="mt-4 flex flex-wrap gap-3 text-sm">
          <legend className="mb-2 text-sm font-medium text-slate-700">{t("howMuch")}</legend>
          {STRENGTH_OPTIONS.map((option) => (
            <label key={option.value} className="flex items-center gap-2">
              <input
                type="radio"
                name="strength"
                checked={strength === option.value}
                onChange={() => setStrength(option.value)}
              />
              {labels.strength(option.value)}
            </label>
          ))}
        </fieldset>
        <div className="mt-4">
          <TextAreaField
            id="pair-note"
            label={judgement("note")}
            rows={2}
            maxLength={2000}
            value={note}
            onChange={(event) => setNote(event.target.value)}
          />
        </div>
        {error && (
          <div className="mt-3">
            <Alert>{errorMessage(error)}</Alert>
          </div>
        )}
        <div className="mt-4 flex gap-2">
          <Button
            disabled={!chosen || !strength || submit.isPending || submit.isSuccess}
            onClick={() =>
              submit.mutate({
                taskId: task.taskId,
                idempotencyKey,
                chosenResponseId: chosen!,
                strength: strength!,
                responseSafety: isSafety ? safety : undefined,
                note: note || undefined,
                timeSpentMs: Date.now() - shownAt,
              })
            }
          >
            {submit.isPending ? judgement("submitting") : judgement("submit")}
          </Button>
          <Button
            variant="secondary"
            disabled={skip.isPending || submit.isPending}
            onClick={() => skip.mutate({ taskId: task.taskId })}
          >
            {t("skip")}
          </Button>
        </div>
      </Card>
    </div>
  );
}
