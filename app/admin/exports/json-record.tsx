"use client";
// One exported row as a readable record: long texts wrap, and each nested object or list
// (messages, the ranking, per-response safety) folds open and shut. Keys and values are written
// as JSON, so what is read here is what the file holds.
import { useTranslations } from "next-intl";

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function isBranch(value: Json): value is Json[] | { [key: string]: Json } {
  return value !== null && typeof value === "object";
}

function Scalar({ value }: { value: Json }) {
  const tone = typeof value === "string" ? "text-emerald-800" : "text-indigo-800";
  return <span className={`whitespace-pre-wrap break-words ${tone}`}>{JSON.stringify(value)}</span>;
}

function Branch({
  label,
  value,
  depth,
}: {
  label: string;
  value: Json[] | { [key: string]: Json };
  depth: number;
}) {
  const t = useTranslations("AdminExports.record");
  const entries: [string, Json][] = Array.isArray(value)
    ? value.map((item, index) => [String(index), item])
    : Object.entries(value);
  const summary = Array.isArray(value)
    ? `[${t("items", { count: entries.length })}]`
    : `{${t("keys", { count: entries.length })}}`;
  return (
    // The top two levels start open; deeper ones (long message lists) start folded.
    <details open={depth < 2}>
      <summary className="cursor-pointer select-none">
        {label}
        <span className="text-slate-500">{summary}</span>
      </summary>
      <ul className="ms-4 border-s border-slate-200 ps-3">
        {entries.map(([key, item]) => {
          const keyLabel = Array.isArray(value) ? `${key}: ` : `${JSON.stringify(key)}: `;
          return (
            <li key={key}>
              {isBranch(item) ? (
                <Branch label={keyLabel} value={item} depth={depth + 1} />
              ) : (
                <>
                  <span className="text-slate-600">{keyLabel}</span>
                  <Scalar value={item} />
                </>
              )}
            </li>
          );
        })}
      </ul>
    </details>
  );
}

export function JsonRecord({ label, record }: { label: string; record: unknown }) {
  const value = record as Json;
  return (
    <div
      role="group"
      aria-label={label}
      className="mt-1 max-h-96 overflow-auto rounded bg-slate-50 p-3 font-mono text-xs text-slate-800"
    >
      {isBranch(value) ? <Branch label="" value={value} depth={0} /> : <Scalar value={value} />}
    </div>
  );
}
