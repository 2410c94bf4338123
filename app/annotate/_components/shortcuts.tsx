"use client";
// Keyboard shortcuts of the workspace: single keys act only when no text field has focus, so
// typing a prompt or a note never triggers them; Ctrl/Cmd+Enter works everywhere.
import { useTranslations } from "next-intl";
import { useEffect, useEffectEvent } from "react";
import { STRENGTHS } from "@/lib/constants";
import { useLabels } from "./use-labels";

export type ShortcutHandlers = Partial<Record<string, () => void>>;

function isTyping(target: EventTarget | null) {
  const element = target as HTMLElement | null;
  if (!element) return false;
  const tag = element.tagName;
  return (
    tag === "TEXTAREA" ||
    tag === "SELECT" ||
    (tag === "INPUT" && (element as HTMLInputElement).type === "text") ||
    element.isContentEditable
  );
}

/** Keys: single lower-case letters or digits, or "mod+enter". */
export function useShortcuts(handlers: ShortcutHandlers) {
  const onKeyDown = useEffectEvent((event: KeyboardEvent) => {
    if (event.defaultPrevented) return;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      const handler = handlers["mod+enter"];
      if (handler) {
        event.preventDefault();
        handler();
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
    const handler = handlers[event.key.toLowerCase()];
    if (handler) {
      event.preventDefault();
      handler();
    }
  });
  useEffect(() => {
    const listener = (event: KeyboardEvent) => onKeyDown(event);
    window.addEventListener("keydown", listener);
    return () => window.removeEventListener("keydown", listener);
  }, []);
}

export function ShortcutList({ kind, responses }: { kind: "helpfulness" | "safety"; responses: number }) {
  const t = useTranslations("Shortcuts");
  const labels = useLabels();
  const letters = "ABCD".slice(0, responses).split("").join(" / ");
  const rows: [string, string][] = [
    ["Ctrl + Enter", t("sendOrSubmit")],
    [letters, responses > 2 ? t("chooseBest") : t("chooseBetter")],
    ["1 – 4", STRENGTHS.map((strength) => labels.strength(strength)).join(" · ")],
    ...(kind === "safety" ? ([["S / U", t("safety")]] as [string, string][]) : []),
    ["R", t("retry")],
    ["N / E", t("after")],
  ];
  return (
    <details className="rounded-md border border-slate-200 bg-white px-4 py-2 text-sm">
      <summary className="cursor-pointer font-medium text-slate-700">{t("title")}</summary>
      <dl className="mt-2 grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1">
        {rows.map(([keys, what]) => (
          <div key={keys} className="contents">
            <dt>
              <kbd className="rounded border border-slate-300 bg-slate-50 px-1 font-mono text-xs">{keys}</kbd>
            </dt>
            <dd className="text-slate-600">{what}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}
