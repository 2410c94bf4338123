"use client";
// "Report a problem" instead of judging: empty, broken or failed responses produce no data.
import { useState } from "react";
import { NOTE_MAX_CHARS, PROBLEM_KINDS, type ProblemKind } from "@/lib/constants";
import { Alert, Button } from "../../_components/ui";

const KIND_LABELS: Record<ProblemKind, string> = {
  empty: "A response is empty",
  broken: "A response is broken or garbled",
  failed: "Generation failed",
  other: "Something else",
};

export function ReportProblem({
  onReport,
  isReporting,
  error,
}: {
  onReport: (kind: ProblemKind, note: string) => void;
  isReporting: boolean;
  error: string | null;
}) {
  const [isOpen, setIsOpen] = useState(false);
  const [kind, setKind] = useState<ProblemKind>("broken");
  const [note, setNote] = useState("");
  if (!isOpen) {
    return (
      <Button type="button" variant="secondary" onClick={() => setIsOpen(true)}>
        Report a problem
      </Button>
    );
  }
  return (
    <form
      aria-label="Report a problem"
      className="space-y-3 rounded-lg border border-amber-200 bg-amber-50 p-4"
      onSubmit={(event) => {
        event.preventDefault();
        onReport(kind, note);
      }}
    >
      <p className="text-sm text-amber-900">
        The turn is set aside for an admin and produces no training data; this conversation ends and you can
        start a new one with the same prompt.
      </p>
      <fieldset>
        <legend className="text-sm font-medium text-slate-800">What is wrong?</legend>
        <div className="mt-1 flex flex-wrap gap-4">
          {PROBLEM_KINDS.map((value) => (
            <label key={value} className="inline-flex items-center gap-2 text-sm">
              <input
                type="radio"
                name="problem-kind"
                checked={kind === value}
                onChange={() => setKind(value)}
              />
              {KIND_LABELS[value]}
            </label>
          ))}
        </div>
      </fieldset>
      <div>
        <label htmlFor="problem-note" className="block text-sm font-medium text-slate-800">
          Details (optional)
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
          {isReporting ? "Reporting…" : "Send report"}
        </Button>
        <Button type="button" variant="secondary" onClick={() => setIsOpen(false)}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
