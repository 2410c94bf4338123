"use client";
// The annotator's workspace for one campaign: guidelines (confirmed once per version), the
// dialogue so far, the prompt box, the responses streaming side by side (one after the other on a
// phone, with a sticky choice bar), the judgement, and then continue or end. Everything typed is
// a draft that survives a reload. Screen readers hear each response once it is complete, never
// its tokens, and focus moves to the next step after sending and after submitting.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useLocale, useTranslations } from "next-intl";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type {
  AnnotationWorkspace,
  WorkspaceTurn,
} from "@/server/services/annotation/get-annotation-workspace";
import { directionOf, isLocale, type Locale } from "@/lib/locales";
import { Alert, Button, cx } from "../../_components/ui";
import { useErrorText, useFailureText } from "../../_lib/error-text";
import { idempotentRetry, useTRPC } from "../../_lib/trpc";
import { judgementDraftKey, promptDraftKey, saveDraft, useDraft } from "./drafts";
import { chooseBest, JudgementForm, newJudgementDraft, type JudgementDraft } from "./judgement-form";
import { LETTERS, STRENGTH_OPTIONS } from "./labels";
import { Markdown } from "./markdown";
import { PromptComposer } from "./prompt-composer";
import { SetPromptOffer, useSetPromptOffer } from "./set-prompt";
import { ReportProblem } from "./report-problem";
import { responseCardId, ResponseCard } from "./response-card";
import { ShortcutList, useShortcuts } from "./shortcuts";
import { useLabels } from "./use-labels";
import { sendPrompt, useTurnStream, type StartedTurn, type StreamedResponse } from "./use-turn-stream";

type Conversation = NonNullable<AnnotationWorkspace["conversation"]>;

function GuidelinesGate({
  workspace,
  onConfirmed,
}: {
  workspace: AnnotationWorkspace;
  onConfirmed: () => void;
}) {
  const t = useTranslations("Workspace");
  const errorMessage = useErrorText();
  const trpc = useTRPC();
  const acknowledge = useMutation(
    trpc.annotation.acknowledgeGuidelines.mutationOptions({ onSuccess: onConfirmed }),
  );
  return (
    <section
      aria-labelledby="guidelines-heading"
      className="space-y-4 rounded-lg border border-slate-200 bg-white p-6 shadow-sm"
    >
      <h2 id="guidelines-heading" className="text-lg font-semibold text-slate-900">
        {t("guidelinesVersion", { version: workspace.campaign.guidelinesVersion })}
      </h2>
      <p className="text-sm text-slate-600">{t("guidelinesIntro")}</p>
      {workspace.guidelinesChange && <GuidelinesChange change={workspace.guidelinesChange} />}
      <div className="max-h-[60vh] overflow-y-auto rounded-md border border-slate-100 bg-slate-50 p-4">
        <GuidelinesText
          text={workspace.campaign.guidelines || t("noGuidelines")}
          locale={workspace.campaign.guidelinesLocale}
        />
      </div>
      {acknowledge.error && <Alert>{errorMessage(acknowledge.error)}</Alert>}
      <Button
        type="button"
        disabled={acknowledge.isPending}
        onClick={() =>
          acknowledge.mutate({
            campaignId: workspace.campaign.id,
            version: workspace.campaign.guidelinesVersion,
          })
        }
      >
        {t("confirmGuidelines")}
      </Button>
    </section>
  );
}

/** What changed since the version the annotator confirmed: removed lines struck, added ones marked. */
function GuidelinesChange({ change }: { change: NonNullable<AnnotationWorkspace["guidelinesChange"]> }) {
  const title = useTranslations("Workspace")("changedSince", { version: change.fromVersion });
  return (
    <section aria-label={title} className="rounded-md border border-amber-200 bg-amber-50 p-4 text-sm">
      <h3 className="mb-2 font-semibold text-slate-900">{title}</h3>
      <div className="max-h-64 overflow-y-auto font-mono text-xs">
        {change.lines.map((line, index) =>
          line.change === "added" ? (
            <ins
              key={index}
              className="block whitespace-pre-wrap bg-emerald-100 text-emerald-900 no-underline"
            >
              + {line.text}
            </ins>
          ) : line.change === "removed" ? (
            <del key={index} className="block whitespace-pre-wrap bg-red-100 text-red-900">
              − {line.text}
            </del>
          ) : (
            <span key={index} className="block whitespace-pre-wrap text-slate-600">
              {"  "}
              {line.text}
            </span>
          ),
        )}
      </div>
    </section>
  );
}

/** The guidelines in their own language and direction; a note when they are not in the reader's. */
function GuidelinesText({ text, locale }: { text: string; locale: Locale }) {
  const t = useTranslations("Workspace");
  const isReadersLanguage = useLocale() === locale;
  return (
    <>
      {!isReadersLanguage && <p className="mb-2 text-sm text-slate-600">{t("guidelinesInEnglish")}</p>}
      <div lang={locale} dir={directionOf(locale)}>
        <Markdown text={text} />
      </div>
    </>
  );
}

/** The guidelines, folded. Rendered once opened: until then the page needs no Markdown code. */
function GuidelinesDisclosure({ version, text, locale }: { version: number; text: string; locale: Locale }) {
  const t = useTranslations("Workspace");
  const [isOpen, setIsOpen] = useState(false);
  return (
    <details
      className="rounded-md border border-slate-200 bg-white px-4 py-2 text-sm"
      onToggle={(event) => setIsOpen(event.currentTarget.open)}
    >
      <summary className="cursor-pointer font-medium text-slate-700">
        {t("guidelinesVersion", { version })}
      </summary>
      {isOpen && (
        <div className="mt-2">
          <GuidelinesText text={text} locale={locale} />
        </div>
      )}
    </details>
  );
}

function JudgedTurn({ turn }: { turn: WorkspaceTurn }) {
  const t = useTranslations("Workspace");
  const labels = useLabels();
  const chosen = turn.responses.find((response) => response.id === turn.chosenResponseId);
  const strength = turn.comparison?.strength ? labels.strength(turn.comparison.strength) : null;
  return (
    <li className="space-y-2">
      <div className="rounded-lg bg-indigo-50 px-4 py-3 text-sm text-slate-900">
        <p className="mb-1 text-xs font-semibold uppercase tracking-wide text-indigo-700">
          {t("you", { turn: turn.index + 1 })}
        </p>
        <p className="whitespace-pre-wrap">{turn.userMessage}</p>
      </div>
      {chosen && (
        <div className="rounded-lg border border-slate-200 bg-white px-4 py-3">
          <p className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">
            {strength
              ? t("assistantChoseStrength", {
                  response: labels.response(chosen.position),
                  strength: strength.toLowerCase(),
                })
              : t("assistantChose", { response: labels.response(chosen.position) })}
          </p>
          <Markdown text={chosen.text} />
        </div>
      )}
    </li>
  );
}

function CurrentTurn({
  userId,
  workspace,
  conversation,
  turn,
  onChanged,
  onNotice,
  isJustSent,
}: {
  userId: string;
  workspace: AnnotationWorkspace;
  conversation: Conversation;
  turn: WorkspaceTurn;
  onChanged: () => void;
  onNotice: (notice: string) => void;
  /** Sent from this page a moment ago: focus follows the prompt to its turn. */
  isJustSent: boolean;
}) {
  const t = useTranslations("Workspace");
  const errorMessage = useErrorText();
  const failureText = useFailureText();
  const trpc = useTRPC();
  const promptRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (isJustSent) promptRef.current?.focus();
  }, [isJustSent]);
  const [attempt, setAttempt] = useState(0);
  const stream = useTurnStream(turn.id, turn.responses as StreamedResponse[], attempt, onChanged);
  const responses = stream.responses;
  const allComplete = responses.length > 0 && responses.every((response) => response.status === "completed");
  const anyFailed = responses.some((response) => response.status === "failed");
  const [draft, setDraft] = useDraft<JudgementDraft | null>(judgementDraftKey(userId, turn.id), null);
  const judgement = draft ?? newJudgementDraft(conversation);
  const update = useCallback(
    (change: (current: JudgementDraft) => JudgementDraft) =>
      setDraft((current) => change(current ?? newJudgementDraft(conversation))),
    [setDraft, conversation],
  );

  // Time spent counts from the moment every response is on screen.
  useEffect(() => {
    if (allComplete && judgement.shownAt === null) update((current) => ({ ...current, shownAt: Date.now() }));
  }, [allComplete, judgement.shownAt, update]);

  const retry = useMutation(
    trpc.annotation.retryGeneration.mutationOptions({ onSuccess: () => setAttempt((value) => value + 1) }),
  );
  const submit = useMutation(
    trpc.annotation.submitComparison.mutationOptions({
      ...idempotentRetry,
      // The refusal may be about the workspace (new guidelines to confirm): show it as it is now.
      onError: onChanged,
      onSuccess: (result) => {
        setDraft(null);
        const flagged = result.safetyBin === "chosen_unsafe_other_safe" ? t("flagged") : "";
        const ended = result.conversationEnded ? t("ended", { max: workspace.campaign.maxTurns }) : "";
        onNotice(t("saved", { flagged, ended }));
        onChanged();
      },
    }),
  );
  /** Any change to the answers takes back the failed submit's message: it may be fixed now. */
  const change = (next: (current: JudgementDraft) => JudgementDraft) => {
    if (submit.isError) submit.reset();
    update(next);
  };
  const report = useMutation(
    trpc.annotation.reportProblem.mutationOptions({
      onSuccess: () => {
        // Offer the same prompt again in a new conversation.
        if (turn.index === 0)
          saveDraft(promptDraftKey(userId, workspace.campaign.id, null), turn.userMessage);
        onNotice(turn.index === 0 ? t("reportedFirst") : t("reported"));
        onChanged();
      },
    }),
  );

  function doSubmit() {
    if (!allComplete || submit.isPending) return;
    const current = judgement;
    submit.mutate({
      turnId: turn.id,
      idempotencyKey: current.idempotencyKey,
      ranking: current.ranking,
      strength: current.strength as never,
      ...(workspace.campaign.kind === "safety"
        ? {
            responseSafety: current.safety,
            riskCategory: (current.riskCategory ?? undefined) as never,
            attackVector: (current.attackVector ?? undefined) as never,
          }
        : {}),
      note: current.note.trim() || undefined,
      timeSpentMs: current.shownAt ? Math.max(0, Date.now() - current.shownAt) : 0,
    });
  }

  const markNextSafety = (isSafe: boolean) =>
    change((current) => {
      const next = responses.find((response) => current.safety[response.id] === undefined);
      return next ? { ...current, safety: { ...current.safety, [next.id]: isSafe } } : current;
    });

  useShortcuts({
    ...Object.fromEntries(
      responses.map((response) => [
        LETTERS[response.position].toLowerCase(),
        () =>
          allComplete &&
          change((current) => ({ ...current, ranking: chooseBest(current, response.id, responses) })),
      ]),
    ),
    ...Object.fromEntries(
      STRENGTH_OPTIONS.map((option) => [
        option.key,
        () => allComplete && change((current) => ({ ...current, strength: option.value })),
      ]),
    ),
    ...(workspace.campaign.kind === "safety" && allComplete
      ? { s: () => markNextSafety(true), u: () => markNextSafety(false) }
      : {}),
    ...(anyFailed && !retry.isPending ? { r: () => retry.mutate({ turnId: turn.id }) } : {}),
    "mod+enter": doSubmit,
  });

  const columns =
    responses.length <= 2
      ? "lg:grid-cols-2"
      : responses.length === 3
        ? "lg:grid-cols-2 xl:grid-cols-3"
        : "lg:grid-cols-2 xl:grid-cols-4";
  const best = judgement.ranking[0] ?? null;
  return (
    <div className="space-y-4">
      <div ref={promptRef} tabIndex={-1} className="rounded-lg bg-indigo-50 px-4 py-3 text-sm text-slate-900">
        <p className="mb-1 text-xs font-semibold uppercase tracking-wide text-indigo-700">
          {t("you", { turn: turn.index + 1 })}
        </p>
        <p className="whitespace-pre-wrap" data-testid="current-prompt">
          {turn.userMessage}
        </p>
      </div>
      {stream.connectionError && <Alert>{failureText(stream.connectionError)}</Alert>}
      {/* The choice bar sticks to the screen only as far as the responses go: it never covers the form. */}
      <div>
        <div className={cx("grid grid-cols-1 gap-4", columns)}>
          {responses.map((response) => (
            <ResponseCard
              key={response.id}
              response={response}
              progress={stream.progress[response.id]}
              isChosen={judgement.ranking[0] === response.id}
              onRetry={() => retry.mutate({ turnId: turn.id })}
              isRetrying={retry.isPending}
            />
          ))}
        </div>
        <PhoneChoiceBar
          responses={responses}
          best={best}
          disabled={!allComplete || workspace.campaign.status !== "active"}
          onChoose={(id) =>
            change((current) => ({ ...current, ranking: chooseBest(current, id, responses) }))
          }
        />
      </div>
      <CompletionAnnouncer responses={responses} />
      {retry.error && <Alert>{errorMessage(retry.error)}</Alert>}
      {!allComplete && !anyFailed && (
        <p className="text-sm text-slate-500" role="status">
          {t("beingWritten")}
        </p>
      )}
      <JudgementForm
        kind={workspace.campaign.kind}
        responses={responses}
        draft={judgement}
        onChange={change}
        onSubmit={doSubmit}
        isSubmitting={submit.isPending}
        error={submit.error}
        disabled={!allComplete || workspace.campaign.status !== "active"}
      />
      <ReportProblem
        onReport={(kind, note) => report.mutate({ turnId: turn.id, kind, note: note.trim() || undefined })}
        isReporting={report.isPending}
        error={report.error ? errorMessage(report.error) : null}
      />
    </div>
  );
}

/**
 * What a screen reader hears while responses stream: one sentence as each response finishes
 * (a new node each, so only the news is read), never the tokens themselves.
 */
function CompletionAnnouncer({ responses }: { responses: StreamedResponse[] }) {
  const finished = responses.filter(
    (response) => response.status === "completed" || response.status === "failed",
  );
  const isAllComplete =
    responses.length > 0 && responses.every((response) => response.status === "completed");
  const t = useTranslations("Workspace");
  const labels = useLabels();
  return (
    <div role="status" aria-label={t("announcerLabel")} className="sr-only">
      {finished.map((response) => (
        <span key={response.id}>
          {t(response.status === "completed" ? "responseComplete" : "responseFailed", {
            response: labels.response(response.position),
          })}{" "}
        </span>
      ))}
      {isAllComplete && <span>{t("judgeNow")}</span>}
    </div>
  );
}

/**
 * On a phone the responses stand one after the other; this bar stays at the bottom of the screen
 * while they are read: tap a letter to go to that response, tap "better" to choose it.
 */
function PhoneChoiceBar({
  responses,
  best,
  disabled,
  onChoose,
}: {
  responses: StreamedResponse[];
  best: string | null;
  disabled: boolean;
  onChoose: (responseId: string) => void;
}) {
  const t = useTranslations("Workspace");
  const labels = useLabels();
  function show(responseId: string) {
    const card = document.getElementById(responseCardId(responseId));
    const isReduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    card?.scrollIntoView({ behavior: isReduced ? "auto" : "smooth", block: "start" });
    card?.focus({ preventScroll: true });
  }
  return (
    <div
      role="group"
      aria-label={t("choiceBar")}
      className="sticky bottom-0 z-10 -mx-4 mt-3 flex flex-wrap items-center gap-2 border-t border-slate-200 bg-white px-4 py-2 shadow-[0_-2px_6px_rgba(15,23,42,0.08)] md:hidden"
    >
      {responses.map((response) => (
        <button
          key={`show-${response.id}`}
          type="button"
          aria-label={t("goTo", { response: labels.response(response.position) })}
          onClick={() => show(response.id)}
          className="min-h-11 min-w-11 rounded-md px-2 text-sm font-semibold text-indigo-700 ring-1 ring-inset ring-slate-300"
        >
          {LETTERS[response.position]}
        </button>
      ))}
      <span className="ms-auto flex gap-2">
        {responses.map((response) => (
          <button
            key={`choose-${response.id}`}
            type="button"
            aria-pressed={best === response.id}
            disabled={disabled}
            onClick={() => onChoose(response.id)}
            className={cx(
              "min-h-11 rounded-md px-3 text-sm font-semibold ring-1 ring-inset motion-safe:transition-colors disabled:opacity-50",
              best === response.id
                ? "bg-indigo-600 text-white ring-indigo-600"
                : "bg-white text-slate-900 ring-slate-300",
            )}
          >
            {t("isBetter", { letter: LETTERS[response.position] })}
          </button>
        ))}
      </span>
    </div>
  );
}

function withStartedTurn(
  workspace: AnnotationWorkspace,
  started: StartedTurn,
  message: string,
): AnnotationWorkspace {
  const turn: WorkspaceTurn = {
    id: started.turnId,
    index: started.index,
    userMessage: message,
    chosenResponseId: null,
    comparison: null,
    responses: started.responses.map((response) => ({
      ...response,
      status: "pending",
      text: "",
      error: null,
      finishReason: null,
    })),
  };
  const conversation = workspace.conversation?.id === started.conversationId ? workspace.conversation : null;
  return {
    ...workspace,
    conversation: {
      id: started.conversationId,
      status: "active",
      systemPrompt: conversation?.systemPrompt ?? null,
      riskCategory: conversation?.riskCategory ?? null,
      attackVector: conversation?.attackVector ?? null,
      turns: [...(conversation?.turns ?? []), turn],
    },
  };
}

/** `isAdmin`: the operator's instructions (how to set a real model) are for admins only. */
export function AnnotationWorkspaceView({
  campaignId,
  userId,
  isAdmin,
}: {
  campaignId: string;
  userId: string;
  isAdmin: boolean;
}) {
  const t = useTranslations("Workspace");
  const errorMessage = useErrorText();
  const failureText = useFailureText();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const locale = useLocale();
  const workspaceInput = { campaignId, locale: isLocale(locale) ? locale : undefined };
  const workspaceQuery = useQuery(trpc.annotation.workspace.queryOptions(workspaceInput));
  const refresh = useCallback(
    () => queryClient.invalidateQueries(trpc.annotation.workspace.queryFilter({ campaignId })),
    [queryClient, trpc, campaignId],
  );
  const workspace = workspaceQuery.data;
  const conversation = workspace?.conversation ?? null;
  const turns = useMemo(() => conversation?.turns ?? [], [conversation]);
  const lastTurn = turns.at(-1) ?? null;
  const isJudged = lastTurn !== null && lastTurn.chosenResponseId !== null;
  const [isComposingNext, setIsComposingNext] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  /** The guidelines were just confirmed here: the prompt box takes the focus. */
  const [hasJustConfirmed, setHasJustConfirmed] = useState(false);

  const [prompt, setPrompt, clearPrompt] = useDraft<string>(
    promptDraftKey(
      userId,
      campaignId,
      conversation && conversation.turns.length > 0 ? conversation.id : null,
    ),
    "",
  );
  const [isSending, setIsSending] = useState(false);
  const [justSentTurnId, setJustSentTurnId] = useState<string | null>(null);
  const [sendError, setSendError] = useState<string | null>(null);
  const endConversation = useMutation(
    trpc.annotation.endConversation.mutationOptions({
      onSuccess: async () => {
        setIsComposingNext(false);
        setNotice(t("conversationEnded"));
        await refresh();
      },
    }),
  );

  const canContinue =
    workspace !== undefined &&
    conversation !== null &&
    isJudged &&
    turns.length < workspace.campaign.maxTurns;
  // A reload while writing the next prompt reopens the box with the draft.
  const isWritingNext = isJudged && (isComposingNext || prompt.length > 0);
  const showPrompt =
    workspace !== undefined && (conversation === null || turns.length === 0 || isWritingNext);
  const setPromptOffer = useSetPromptOffer(
    campaignId,
    workspace !== undefined &&
      workspace.hasAcknowledgedGuidelines &&
      workspace.campaign.status === "active" &&
      conversation === null,
  );
  /** `fromSet`: send the offered set prompt as it is, leaving the annotator's own draft alone. */
  async function send(fromSet = false) {
    if (!workspace || isSending) return;
    setIsSending(true);
    setSendError(null);
    const offer = fromSet ? setPromptOffer : null;
    const message = offer ? offer.prompt : prompt.trim();
    const result = await sendPrompt({
      campaignId,
      conversationId: conversation?.id ?? null,
      message,
      promptSlotId: offer?.slotId,
    });
    setIsSending(false);
    if (!result.ok) {
      setSendError(failureText(result.failure)); // the prompt stays in the box
      void refresh(); // e.g. new guidelines to confirm: the workspace then shows them
      return;
    }
    // Show the new turn at once; its view takes over the open stream. Then refetch.
    queryClient.setQueryData(trpc.annotation.workspace.queryKey(workspaceInput), (current) =>
      current ? withStartedTurn(current, result.turn, message) : current,
    );
    if (!offer) clearPrompt();
    setJustSentTurnId(result.turn.turnId);
    setIsComposingNext(false);
    setHasJustConfirmed(false);
    setNotice(null);
    void refresh();
  }

  useShortcuts({
    ...(canContinue && !isWritingNext ? { n: () => setIsComposingNext(true) } : {}),
    ...(conversation && isJudged && !isWritingNext && !endConversation.isPending
      ? { e: () => endConversation.mutate({ conversationId: conversation.id }) }
      : {}),
    ...(showPrompt ? { "mod+enter": () => void send() } : {}),
  });

  if (workspaceQuery.isPending) return <p className="text-sm text-slate-500">{t("loading")}</p>;
  if (workspaceQuery.error || !workspace) {
    return (
      <div className="space-y-3">
        <Alert>{errorMessage(workspaceQuery.error)}</Alert>
        <Link href="/campaigns" className="text-sm font-semibold text-indigo-700 hover:underline">
          {t("backToCampaigns")}
        </Link>
      </div>
    );
  }
  if (!workspace.hasAcknowledgedGuidelines)
    return (
      <GuidelinesGate
        workspace={workspace}
        onConfirmed={() => {
          setSendError(null); // it asked for this confirmation
          setHasJustConfirmed(true);
          void refresh();
        }}
      />
    );

  const { campaign, progress } = workspace;
  const isPaused = campaign.status !== "active";
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center justify-between gap-3 text-sm text-slate-600">
        <p role="status" aria-label={t("progressLabel")}>
          {t("progressToday", { count: progress.comparisonsToday })}
          {campaign.dailyQuota !== null && t("progressAllowed", { quota: campaign.dailyQuota })}
          {t("progressTotal", { count: progress.comparisonsTotal })}
        </p>
        <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700">
          {campaign.kind === "safety" ? t("safetyCampaign") : t("helpfulnessCampaign")}
        </span>
      </div>
      {workspace.model.usesDemoModel && (
        <Alert tone="info">
          {t.rich("demoModel", { strong: (chunks) => <strong>{chunks}</strong> })}
          {isAdmin && <> {t.rich("demoModelAdmin", { code: (chunks) => <code>{chunks}</code> })}</>}
        </Alert>
      )}
      {workspace.model.problem && <Alert>{t("modelTrouble", { problem: workspace.model.problem })}</Alert>}
      {isPaused && <Alert tone="info">{t("paused")}</Alert>}
      <GuidelinesDisclosure
        version={campaign.guidelinesVersion}
        text={campaign.guidelines}
        locale={campaign.guidelinesLocale}
      />
      <ShortcutList kind={campaign.kind} responses={campaign.responsesPerTurn} />

      {conversation?.systemPrompt && (
        <div className="rounded-md border border-slate-200 bg-slate-50 px-4 py-2 text-sm text-slate-700">
          <span className="font-semibold">{t("systemInstruction")}</span> {conversation.systemPrompt}
        </div>
      )}

      {turns.length > 0 && (
        <ol aria-label={t("dialogueSoFar")} className="space-y-4">
          {turns
            .filter((turn) => turn.chosenResponseId !== null)
            .map((turn) => (
              <JudgedTurn key={turn.id} turn={turn} />
            ))}
        </ol>
      )}

      {conversation && lastTurn && !isJudged && (
        <CurrentTurn
          key={lastTurn.id}
          userId={userId}
          workspace={workspace}
          conversation={conversation}
          turn={lastTurn}
          onChanged={refresh}
          onNotice={setNotice}
          isJustSent={lastTurn.id === justSentTurnId}
        />
      )}

      {notice && !(conversation && isJudged && !isWritingNext) && <Alert tone="success">{notice}</Alert>}

      {conversation && isJudged && !isWritingNext && (
        <div className="space-y-3 rounded-lg border border-emerald-200 bg-emerald-50 p-4">
          <p role="status" className="text-sm text-emerald-900">
            {notice ? `${notice} ` : ""}
            {canContinue ? t("continueOrEnd") : t("limitReached", { max: campaign.maxTurns })}
          </p>
          <div className="flex flex-wrap gap-3">
            {canContinue && (
              // After a submit the next step is to continue (or, at the limit, to end).
              <Button type="button" autoFocus onClick={() => setIsComposingNext(true)}>
                {t("continueConversation")}
                <kbd aria-hidden className="ms-2 rounded border border-indigo-300 px-1 text-xs">
                  N
                </kbd>
              </Button>
            )}
            <Button
              type="button"
              variant="secondary"
              autoFocus={!canContinue}
              disabled={endConversation.isPending}
              onClick={() => endConversation.mutate({ conversationId: conversation.id })}
            >
              {t("endConversation")}
              <kbd aria-hidden className="ms-2 rounded border border-slate-300 px-1 text-xs">
                E
              </kbd>
            </Button>
          </div>
          {endConversation.error && <Alert>{errorMessage(endConversation.error)}</Alert>}
        </div>
      )}

      {showPrompt && !isPaused && setPromptOffer && (
        <SetPromptOffer
          offer={setPromptOffer}
          isSending={isSending}
          error={sendError}
          onSend={() => void send(true)}
        />
      )}

      {showPrompt && !isPaused && !setPromptOffer?.replacesOwnPrompts && (
        <PromptComposer
          value={prompt}
          onChange={setPrompt}
          onSend={() => void send()}
          isSending={isSending}
          error={sendError}
          hint={
            turns.length === 0
              ? campaign.kind === "safety"
                ? t("firstSafetyHint")
                : t("firstHint")
              : t("nextHint", { turn: turns.length + 1, max: campaign.maxTurns })
          }
          // After confirming the guidelines, ending, reporting or a dialogue's last turn, the next step is a new prompt.
          autoFocus={isComposingNext || notice !== null || hasJustConfirmed}
        />
      )}
    </div>
  );
}
