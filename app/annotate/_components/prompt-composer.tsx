"use client";
// The prompt box: what the annotator asks next. The text is a draft that survives a reload and
// is only cleared once the server has stored the turn.
import { useTranslations } from "next-intl";
import { useEffect, useRef } from "react";
import { PROMPT_MAX_CHARS } from "@/lib/constants";
import { Alert, Button, cx } from "../../_components/ui";

export function PromptComposer({
  value,
  onChange,
  onSend,
  isSending,
  error,
  disabled,
  hint,
  autoFocus,
}: {
  value: string;
  onChange: (value: string) => void;
  onSend: () => void;
  isSending: boolean;
  error: string | null;
  disabled?: boolean;
  hint?: string;
  autoFocus?: boolean;
}) {
  const t = useTranslations("Prompt");
  const ref = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (autoFocus) ref.current?.focus();
  }, [autoFocus]);
  const isTooLong = value.length > PROMPT_MAX_CHARS;
  return (
    <form
      aria-label={t("form")}
      className="space-y-2"
      onSubmit={(event) => {
        event.preventDefault();
        onSend();
      }}
    >
      <label htmlFor="prompt" className="block text-sm font-semibold text-slate-900">
        {t("label")}
      </label>
      {hint && <p className="text-sm text-slate-600">{hint}</p>}
      <textarea
        id="prompt"
        ref={ref}
        rows={4}
        value={value}
        disabled={disabled}
        onChange={(event) => onChange(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
            event.preventDefault();
            onSend();
          }
        }}
        aria-describedby="prompt-count"
        placeholder={t("placeholder")}
        className="block w-full rounded-md border-0 bg-white px-3 py-2 text-sm shadow-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-indigo-600"
      />
      <div className="flex flex-wrap items-center justify-between gap-3">
        <p id="prompt-count" className={cx("text-xs", isTooLong ? "text-red-700" : "text-slate-500")}>
          {t("count", { count: value.length, max: PROMPT_MAX_CHARS })}
          {isTooLong && t("tooLong")}
        </p>
        <div className="flex items-center gap-3">
          <span className="text-xs text-slate-500" aria-hidden>
            <kbd className="rounded border border-slate-300 px-1">Ctrl</kbd> +{" "}
            <kbd className="rounded border border-slate-300 px-1">Enter</kbd>
          </span>
          <Button type="submit" disabled={disabled || isSending}>
            {isSending ? t("sending") : t("send")}
          </Button>
        </div>
      </div>
      {error && <Alert>{error}</Alert>}
    </form>
  );
}
