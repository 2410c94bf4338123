"use client";
// One response of a turn: its letter, the text as it streams in (Markdown), a collapse control
// for long answers, and what went wrong with a retry when generation failed.
import { useTranslations } from "next-intl";
import { useState } from "react";
import { Button, cx } from "../../_components/ui";
import { Markdown } from "./markdown";
import { useLabels } from "./use-labels";
import type { StreamedResponse } from "./use-turn-stream";

const LONG_RESPONSE_CHARS = 1500;

/** The card's element id: the phone's choice bar scrolls to it. */
export const responseCardId = (responseId: string) => `response-${responseId}`;

export function ResponseCard({
  response,
  progress,
  isChosen,
  onRetry,
  isRetrying,
}: {
  response: StreamedResponse;
  progress?: string;
  isChosen?: boolean;
  onRetry?: () => void;
  isRetrying?: boolean;
}) {
  const t = useTranslations("ResponseCard");
  const [isExpanded, setIsExpanded] = useState(false);
  const label = useLabels().response(response.position);
  const headingId = `response-${response.id}-heading`;
  const isLong = response.text.length > LONG_RESPONSE_CHARS;
  const isCollapsed = isLong && !isExpanded;
  const isGenerating = response.status === "pending" || response.status === "streaming";
  return (
    <section
      id={responseCardId(response.id)}
      tabIndex={-1}
      aria-labelledby={headingId}
      aria-busy={isGenerating}
      className={cx(
        "flex min-w-0 scroll-mt-4 flex-col rounded-lg border bg-white p-4 shadow-sm",
        isChosen ? "border-indigo-400 ring-1 ring-indigo-300" : "border-slate-200",
      )}
    >
      <header className="mb-2 flex items-center justify-between gap-2">
        <h2 id={headingId} className="font-semibold text-slate-900">
          {label}
        </h2>
        <span className="text-xs text-slate-500" data-testid="response-status">
          {response.status === "pending" && t("waiting")}
          {response.status === "streaming" && t("generating")}
          {response.status === "completed" &&
            (response.finishReason === "length" ? t("completeLength") : t("complete"))}
          {response.status === "failed" && t("failed")}
        </span>
      </header>
      {progress && isGenerating && <p className="mb-2 text-xs text-slate-500">{progress}</p>}
      <div className={cx("relative", isCollapsed && "max-h-96 overflow-hidden")} data-testid="response-text">
        {response.text ? (
          <Markdown text={response.text} isStreaming={isGenerating} />
        ) : (
          isGenerating && <p className="text-sm text-slate-400">{t("placeholder")}</p>
        )}
        {isCollapsed && (
          <div className="pointer-events-none absolute inset-x-0 bottom-0 h-16 bg-gradient-to-t from-white" />
        )}
      </div>
      {isLong && (
        <button
          type="button"
          className="mt-2 self-start text-sm font-semibold text-indigo-700 hover:underline"
          aria-expanded={isExpanded}
          onClick={() => setIsExpanded((value) => !value)}
        >
          {isExpanded ? t("collapse", { response: label }) : t("showAll", { response: label })}
        </button>
      )}
      {response.status === "failed" && (
        <div
          role="alert"
          className="mt-3 rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800"
        >
          <p>{response.error ?? t("generationFailed")}</p>
          {onRetry && (
            <Button type="button" variant="danger" className="mt-2" onClick={onRetry} disabled={isRetrying}>
              {isRetrying ? t("retrying") : t("retry")}
              <kbd aria-hidden className="ms-2 rounded border border-red-200 px-1 text-xs">
                R
              </kbd>
            </Button>
          )}
        </div>
      )}
    </section>
  );
}
