"use client";
// "Report a problem" instead of judging: empty, broken or failed responses produce no data.
import { useTranslations } from "next-intl";
import { useState } from "react";
import { NOTE_MAX_CHARS, PROBLEM_KINDS, type ProblemKind } from "@/lib/constants";
import { Alert, Button } from "../../_components/ui";

export function ReportProblem({
  onReport,
  isReporting,
  error,
}: {
  onReport: (kind: ProblemKind, note: string) => void;
  isReporting: boolean;
  error: string | null;
}) {
  const t = useTranslations("Report");
  const [isOpen, setIsOpen] = useState(false);
  const [kind, setKind] = useState<ProblemKind>("broken");
  const [note, setNote] = useState("");
  if (!isOpen) {
    return (
      <Button type="button" variant="secondary" onClick={() => setIsOpen(true)}>
        {t("open")}
      </Button>
    );
  }
  return (
    <form
      aria-label={t("form")}
      className="space-y-3 rounded-lg border border-amber-200 bg-amber-50 p-4"
      onSubmit={(event) => {
        event.preventDefault();
        onReport(kind, note);
      }}
    >
      <p className="text-sm text-amber-900">{t("explain")}</p>
      <fieldset>
        <legend className="text-sm font-medium text-slate-800">{t("what")}</legend>
        <div className="mt-1 flex flex-wrap gap-4">
          {PROBLEM_KINDS.map((value) => (
            <label key={value} className="inline-flex items-center gap-2 text-sm">
              <input
                type="radio"
                name="problem-kind"
                checked={kind === value}
                onChange={() => setKind(value)}
              />
              {t(`kind.${value}`)}
            </label>
          ))}
        </div>
      </fieldset>
      <div>
        <label htmlFor="problem-note" className="block text-sm font-medium text-slate-800">
          {t("details")}
        </label>
        <textarea
          id="problem-note"
          rows={2}
          maxLength={NOTE_MAX_CHARS}
          value={note}
          onChange={(event) => setNote(event.target.value)}
          className="mt-1 block w-full rounded-md border-0 bg-white px-3 py-2 text-sm ring-1 ring-inset ring-slate-300"
        />
      </div>
      {error && <Alert>{error}</Alert>}
      <div className="flex gap-3">
        <Button type="submit" disabled={isReporting}>
          {isReporting ? t("reporting") : t("send")}
        </Button>
        <Button type="button" variant="secondary" onClick={() => setIsOpen(false)}>
          {t("cancel")}
        </Button>
      </div>
    </form>
  );
}
