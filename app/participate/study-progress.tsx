"use client";
// The participant's study by state: the comprehension check, a failed check (no work), work
// in progress (with the way to the workspace), and the completion code with the platform's redirect.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useTranslations } from "next-intl";
import { useEffect, useState, type FormEvent } from "react";
import { Alert, Button, Card } from "../_components/ui";
import { useErrorText } from "../_lib/error-text";
import { useTRPC } from "../_lib/trpc";
import type { AppRouter } from "@/server/api/root";
import type { inferRouterOutputs } from "@trpc/server";
import { PLATFORM_NAMES } from "@/lib/crowd-platforms";

export type Participation = NonNullable<inferRouterOutputs<AppRouter>["crowd"]["participation"]>;

/** Prolific's completion page opens by itself after this long, the code on screen meanwhile. */
const REDIRECT_AFTER_MS = 3000;

export function StudyProgress({ initial }: { initial: Participation }) {
  const t = useTranslations("ParticipateStudy");
  const trpc = useTRPC();
  const query = useQuery({ ...trpc.crowd.participation.queryOptions(), initialData: initial });
  const participation = query.data ?? initial;
  return (
    <>
      <h1 className="text-2xl font-semibold tracking-tight text-slate-900">{participation.name}</h1>
      {participation.state === "check" && <ComprehensionCheck participation={participation} />}
      {participation.state === "failed" && (
        <Alert>{t("failed", { platform: PLATFORM_NAMES[participation.platform] })}</Alert>
      )}
      {participation.state === "working" && (
        <Card title={t("taskTitle")}>
          <p className="text-sm text-slate-700">
            {t("progress", {
              done: participation.comparisonsDone,
              required: participation.requiredComparisons,
            })}
          </p>
          <Link
            href={`/annotate/${participation.campaignId}`}
            className="mt-3 inline-block rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white"
          >
            {t("goToTask")}
          </Link>
        </Card>
      )}
      {participation.state === "complete" && participation.completion && (
        <Completion participation={participation} completion={participation.completion} />
      )}
    </>
  );
}

function ComprehensionCheck({ participation }: { participation: Participation }) {
  const t = useTranslations("ParticipateStudy");
  const errorMessage = useErrorText();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [wrong, setWrong] = useState<number | null>(null);
  const answer = useMutation(
    trpc.crowd.answerComprehension.mutationOptions({
      onSuccess: (result) => {
        setWrong(result.passed ? null : result.attemptsLeft);
        void queryClient.invalidateQueries(trpc.crowd.participation.queryFilter());
      },
    }),
  );

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    answer.mutate({
      answers: participation.questions.map((_, index) => Number(form.get(`question-${index}`) ?? -1)),
    });
  }

  return (
    <Card title={t("checkTitle")} description={t("checkIntro", { attempts: participation.attemptsLeft })}>
      <form onSubmit={onSubmit} className="space-y-5">
        {wrong !== null && <Alert>{t("wrongAnswers", { left: wrong })}</Alert>}
        {answer.error && <Alert>{errorMessage(answer.error)}</Alert>}
        {participation.questions.map((question, index) => (
          <fieldset key={index} className="space-y-2">
            <legend className="text-sm font-medium text-slate-900">{question.question}</legend>
            {question.options.map((option, optionIndex) => (
              <label key={optionIndex} className="flex items-center gap-2 text-sm text-slate-700">
                <input type="radio" name={`question-${index}`} value={optionIndex} required />
                {option}
              </label>
            ))}
          </fieldset>
        ))}
        <Button type="submit" disabled={answer.isPending}>
          {t("checkSubmit")}
        </Button>
      </form>
    </Card>
  );
}

function Completion({
  participation,
  completion,
}: {
  participation: Participation;
  completion: NonNullable<Participation["completion"]>;
}) {
  const t = useTranslations("ParticipateStudy");
  const { redirectUrl } = completion;
  useEffect(() => {
    if (!redirectUrl) return;
    const timer = setTimeout(() => window.location.assign(redirectUrl), REDIRECT_AFTER_MS);
    return () => clearTimeout(timer);
  }, [redirectUrl]);
  const platform = PLATFORM_NAMES[participation.platform];
  return (
    <Card title={t("completeTitle")}>
      <div className="space-y-3 text-sm text-slate-700">
        <p>
          {t.rich("completionCode", {
            code: completion.code,
            strong: (chunks) => <strong className="font-mono text-base">{chunks}</strong>,
          })}
        </p>
        {redirectUrl && (
          <p>
            {t.rich("redirecting", {
              platform,
              link: (chunks) => (
                <a href={redirectUrl} className="font-semibold text-indigo-700 hover:underline">
                  {chunks}
                </a>
              ),
            })}
          </p>
        )}
        {completion.mturk ? (
          <form method="post" action={completion.mturk.action}>
            <input type="hidden" name="assignmentId" value={completion.mturk.assignmentId} />
            <input type="hidden" name="completionCode" value={completion.code} />
            <Button type="submit">{t("submitHit")}</Button>
          </form>
        ) : (
          !redirectUrl && <p>{t("enterCode", { platform })}</p>
        )}
      </div>
    </Card>
  );
}
