"use client";
// The annotator's workspace for one campaign: guidelines (confirmed once per version), the
// dialogue so far, the prompt box, the responses streaming side by side (one after the other on a
// phone, with a sticky choice bar), the judgement, and then continue or end. Everything typed is
// a draft that survives a reload. Screen readers hear each response once it is complete, never
// its tokens, and focus moves to the next step after sending and after submitting.
import { plural } from "@/lib/plural";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type {
  AnnotationWorkspace,
  WorkspaceTurn,
} from "@/server/services/annotation/get-annotation-workspace";
import { Alert, Button, cx } from "../../_components/ui";
import { errorMessage, idempotentRetry, useTRPC } from "../../_lib/trpc";
import { judgementDraftKey, promptDraftKey, saveDraft, useDraft } from "./drafts";
import { chooseBest, JudgementForm, newJudgementDraft, type JudgementDraft } from "./judgement-form";
import { LETTERS, responseLabel, STRENGTH_OPTIONS } from "./labels";
import { Markdown } from "./markdown";
import { PromptComposer } from "./prompt-composer";
import { ReportProblem } from "./report-problem";
import { responseCardId, ResponseCard } from "./response-card";
import { ShortcutList, useShortcuts } from "./shortcuts";
import { sendPrompt, useTurnStream, type StartedTurn, type StreamedResponse } from "./use-turn-stream";

type Conversation = NonNullable<AnnotationWorkspace["conversation"]>;

function GuidelinesGate({
  workspace,
  onConfirmed,
}: {
  workspace: AnnotationWorkspace;
  onConfirmed: () => void;
}) {
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
        Guidelines (version {workspace.campaign.guidelinesVersion})
      </h2>
      <p className="text-sm text-slate-600">
        Read these before you start; you will be asked again when they change.
      </p>
      {workspace.guidelinesChange && <GuidelinesChange change={workspace.guidelinesChange} />}
      <div className="max-h-[60vh] overflow-y-auto rounded-md border border-slate-100 bg-slate-50 p-4">
        <Markdown text={workspace.campaign.guidelines || "_No guidelines were written for this campaign._"} />
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
        I have read the guidelines
      </Button>
    </section>
  );
}

/** What changed since the version the annotator confirmed: removed lines struck, added ones marked. */
function GuidelinesChange({ change }: { change: NonNullable<AnnotationWorkspace["guidelinesChange"]> }) {
  const title = `What changed since version ${change.fromVersion}`;
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

/** The guidelines, folded. Rendered once opened: until then the page needs no Markdown code. */
function GuidelinesDisclosure({ version, text }: { version: number; text: string }) {
  const [isOpen, setIsOpen] = useState(false);
  return (
    <details
      className="rounded-md border border-slate-200 bg-white px-4 py-2 text-sm"
      onToggle={(event) => setIsOpen(event.currentTarget.open)}
    >
      <summary className="cursor-pointer font-medium text-slate-700">Guidelines (version {version})</summary>
      {isOpen && (
        <div className="mt-2">
          <Markdown text={text} />
        </div>
      )}
    </details>
  );
}

function JudgedTurn({ turn }: { turn: WorkspaceTurn }) {
  const chosen = turn.responses.find((response) => response.id === turn.chosenResponseId);
  const strength = STRENGTH_OPTIONS.find((option) => option.value === turn.comparison?.strength)?.label;
  return (
    <li className="space-y-2">
      <div className="rounded-lg bg-indigo-50 px-4 py-3 text-sm text-slate-900">
        <p className="mb-1 text-xs font-semibold uppercase tracking-wide text-indigo-700">
          You · turn {turn.index + 1}
        </p>
        <p className="whitespace-pre-wrap">{turn.userMessage}</p>
      </div>
      {chosen && (
        <div className="rounded-lg border border-slate-200 bg-white px-4 py-3">
          <p className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">
            Assistant · you chose {responseLabel(chosen.position)}
            {strength ? ` (${strength.toLowerCase()})` : ""}
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
      onSuccess: (result) => {
        setDraft(null);
        const flagged =
          result.safetyBin === "chosen_unsafe_other_safe"
            ? " (You preferred the unsafe response, so this pair is flagged and kept out of training data.)"
            : "";
        const ended = result.conversationEnded
          ? ` This dialogue reached the campaign's limit of ${workspace.campaign.maxTurns} turns and has ended; start a new one below.`
          : "";
        onNotice(`Saved.${flagged}${ended}`);
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
        onNotice(
          turn.index === 0
            ? "Thanks — the problem is reported and this conversation has ended. Your prompt is back in the box below for a new one."
            : "Thanks — the problem is reported and this conversation has ended. Start a new one below.",
        );
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
          You · turn {turn.index + 1}
        </p>
        <p className="whitespace-pre-wrap" data-testid="current-prompt">
          {turn.userMessage}
        </p>
      </div>
      {stream.connectionError && <Alert>{stream.connectionError}</Alert>}
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
          The responses are being written. You can judge them when both are complete.
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
  return (
    <div role="status" aria-label="Responses" className="sr-only">
      {finished.map((response) => (
        <span key={response.id}>
          {responseLabel(response.position)} {response.status === "completed" ? "complete" : "failed"}.{" "}
        </span>
      ))}
      {isAllComplete && <span>You can judge them now.</span>}
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
  function show(responseId: string) {
    const card = document.getElementById(responseCardId(responseId));
    const isReduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    card?.scrollIntoView({ behavior: isReduced ? "auto" : "smooth", block: "start" });
    card?.focus({ preventScroll: true });
  }
  return (
    <div
      role="group"
      aria-label="Choice bar"
      className="sticky bottom-0 z-10 -mx-4 mt-3 flex flex-wrap items-center gap-2 border-t border-slate-200 bg-white px-4 py-2 shadow-[0_-2px_6px_rgba(15,23,42,0.08)] md:hidden"
    >
      {responses.map((response) => (
        <button
          key={`show-${response.id}`}
          type="button"
          aria-label={`Go to ${responseLabel(response.position)}`}
          onClick={() => show(response.id)}
          className="min-h-11 min-w-11 rounded-md px-2 text-sm font-semibold text-indigo-700 ring-1 ring-inset ring-slate-300"
        >
          {LETTERS[response.position]}
        </button>
      ))}
      <span className="ml-auto flex gap-2">
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
            {LETTERS[response.position]} is better
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
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const workspaceQuery = useQuery(trpc.annotation.workspace.queryOptions({ campaignId }));
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
        setNotice("The conversation has ended. Start a new one whenever you are ready.");
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
  async function send() {
    if (!workspace || isSending) return;
    setIsSending(true);
    setSendError(null);
    const message = prompt.trim();
    const result = await sendPrompt({ campaignId, conversationId: conversation?.id ?? null, message });
    setIsSending(false);
    if (!result.ok) {
      setSendError(result.message); // the prompt stays in the box
      return;
    }
    // Show the new turn at once; its view takes over the open stream. Then refetch.
    queryClient.setQueryData(trpc.annotation.workspace.queryKey({ campaignId }), (current) =>
      current ? withStartedTurn(current, result.turn, message) : current,
    );
    clearPrompt();
    setJustSentTurnId(result.turn.turnId);
    setIsComposingNext(false);
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

  if (workspaceQuery.isPending) return <p className="text-sm text-slate-500">Loading the campaign…</p>;
  if (workspaceQuery.error || !workspace) {
    return (
      <div className="space-y-3">
        <Alert>{errorMessage(workspaceQuery.error)}</Alert>
        <Link href="/campaigns" className="text-sm font-semibold text-indigo-700 hover:underline">
          Back to your campaigns
        </Link>
      </div>
    );
  }
  if (!workspace.hasAcknowledgedGuidelines)
    return <GuidelinesGate workspace={workspace} onConfirmed={refresh} />;

  const { campaign, progress } = workspace;
  const isPaused = campaign.status !== "active";
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center justify-between gap-3 text-sm text-slate-600">
        <p role="status" aria-label="Progress">
          {plural(progress.comparisonsToday, "comparison")} today
          {campaign.dailyQuota !== null && ` of ${campaign.dailyQuota} allowed`} · {progress.comparisonsTotal}{" "}
          in total
        </p>
        <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700">
          {campaign.kind === "safety" ? "Safety campaign" : "Helpfulness campaign"}
        </span>
      </div>
      {workspace.model.usesDemoModel && (
        <Alert tone="info">
          These responses come from a <strong>demo model with random weights</strong>, so they are gibberish —
          fine for trying the workflow.
          {isAdmin && (
            <>
              {" "}
              For real responses, set <code>MODEL_PATH</code> to a GGUF model file (or{" "}
              <code>INFERENCE_URL</code> to an OpenAI-compatible server) and restart Arbiter.
            </>
          )}
        </Alert>
      )}
      {workspace.model.problem && (
        <Alert>
          The model server is having trouble: {workspace.model.problem} Arbiter restarts it automatically;
          retry generation in a moment.
        </Alert>
      )}
      {isPaused && (
        <Alert tone="info">This campaign is paused: you can read your work but not add to it.</Alert>
      )}
      <GuidelinesDisclosure version={campaign.guidelinesVersion} text={campaign.guidelines} />
      <ShortcutList kind={campaign.kind} responses={campaign.responsesPerTurn} />

      {conversation?.systemPrompt && (
        <div className="rounded-md border border-slate-200 bg-slate-50 px-4 py-2 text-sm text-slate-700">
          <span className="font-semibold">System instruction for this dialogue:</span>{" "}
          {conversation.systemPrompt}
        </div>
      )}

      {turns.length > 0 && (
        <ol aria-label="Dialogue so far" className="space-y-4">
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
            {canContinue
              ? "Continue the dialogue — your chosen response is the assistant's answer — or end it."
              : `This dialogue has reached the campaign's limit of ${campaign.maxTurns} turns.`}
          </p>
          <div className="flex flex-wrap gap-3">
            {canContinue && (
              // After a submit the next step is to continue (or, at the limit, to end).
              <Button type="button" autoFocus onClick={() => setIsComposingNext(true)}>
                Continue conversation
                <kbd aria-hidden className="ml-2 rounded border border-indigo-300 px-1 text-xs">
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
              End conversation
              <kbd aria-hidden className="ml-2 rounded border border-slate-300 px-1 text-xs">
                E
              </kbd>
            </Button>
          </div>
          {endConversation.error && <Alert>{errorMessage(endConversation.error)}</Alert>}
        </div>
      )}

      {showPrompt && !isPaused && (
        <PromptComposer
          value={prompt}
          onChange={setPrompt}
          onSend={() => void send()}
          isSending={isSending}
          error={sendError}
          hint={
            turns.length === 0
              ? campaign.kind === "safety"
                ? "Write a prompt that tests whether the assistant stays safe (see the guidelines)."
                : "Write the first message of a new dialogue."
              : `Turn ${turns.length + 1} of at most ${campaign.maxTurns}: the responses will see the whole dialogue so far.`
          }
          // After ending, reporting or a dialogue's last turn, the next step is a new prompt.
          autoFocus={isComposingNext || notice !== null}
        />
      )}
    </div>
  );
}
