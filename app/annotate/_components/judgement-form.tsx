"use client";
// The annotator's judgement of a turn: which response is better (with more than two, the full
// ranking), how much better, and in safety campaigns each response's safety plus the prompt's
// risk category and attack vector; an optional note. The rules (what a valid ranking is, the
// safety bin) are checked by the service; this form only collects the answers.
import { useTranslations } from "next-intl";
import type { ReactNode } from "react";
import { ATTACK_VECTORS, NOTE_MAX_CHARS, RISK_CATEGORIES, type Strength } from "@/lib/constants";
import { Alert, Button, cx } from "../../_components/ui";
import { useFieldErrors } from "../../_lib/field-errors";
import { LETTERS, STRENGTH_OPTIONS } from "./labels";
import { useLabels } from "./use-labels";
import type { StreamedResponse } from "./use-turn-stream";

export interface JudgementDraft {
  /** Made once per turn and kept until the submit succeeds (retries reuse it). */
  idempotencyKey: string;
  /** When every response was complete on screen (for the time spent). */
  shownAt: number | null;
  /** Response ids, best first. Empty until the annotator chooses. */
  ranking: string[];
  strength: Strength | null;
  safety: Record<string, boolean>;
  riskCategory: string | null;
  attackVector: string | null;
  note: string;
}

export function newJudgementDraft(previous?: {
  riskCategory: string | null;
  attackVector: string | null;
}): JudgementDraft {
  return {
    idempotencyKey: crypto.randomUUID(),
    shownAt: null,
    ranking: [],
    strength: null,
    safety: {},
    riskCategory: previous?.riskCategory ?? null,
    attackVector: previous?.attackVector ?? null,
    note: "",
  };
}

/** Puts `id` first, keeping the order of the others (or the display order when none yet). */
export function chooseBest(draft: JudgementDraft, id: string, responses: StreamedResponse[]): string[] {
  const order =
    draft.ranking.length === responses.length ? draft.ranking : responses.map((response) => response.id);
  return [id, ...order.filter((other) => other !== id)];
}

function Kbd({ children }: { children: ReactNode }) {
  return (
    <kbd
      aria-hidden
      className="rounded border border-slate-300 bg-slate-50 px-1 font-mono text-[11px] text-slate-500"
    >
      {children}
    </kbd>
  );
}

function RadioOption({
  name,
  label,
  checked,
  onChange,
  shortcut,
  disabled,
}: {
  name: string;
  label: string;
  checked: boolean;
  onChange: () => void;
  shortcut?: string;
  disabled?: boolean;
}) {
  return (
    <span className="inline-flex items-center gap-1.5">
      <label
        className={cx(
          "inline-flex cursor-pointer items-center gap-2 rounded-md border px-3 py-1.5 text-sm",
          checked
            ? "border-indigo-500 bg-indigo-50 text-indigo-900"
            : "border-slate-300 bg-white text-slate-700",
          disabled && "cursor-not-allowed opacity-50",
        )}
      >
        <input
          type="radio"
          name={name}
          checked={checked}
          onChange={onChange}
          disabled={disabled}
          className="accent-indigo-600"
        />
        {label}
      </label>
      {shortcut && <Kbd>{shortcut}</Kbd>}
    </span>
  );
}

const JUDGEMENT_FIELDS = ["responseSafety", "riskCategory", "attackVector", "note"] as const;

/** A message under the answer it is about. */
function FieldError({ id, message }: { id: string; message: string | undefined }) {
  return message ? (
    <p id={id} role="alert" className="mt-1 text-xs font-medium text-red-700">
      {message}
    </p>
  ) : null;
}

export function JudgementForm({
  kind,
  responses,
  draft,
  onChange,
  onSubmit,
  isSubmitting,
  error,
  disabled,
}: {
  kind: "helpfulness" | "safety";
  responses: StreamedResponse[];
  draft: JudgementDraft;
  onChange: (update: (draft: JudgementDraft) => JudgementDraft) => void;
  onSubmit: () => void;
  isSubmitting: boolean;
  /** The failed submit, if any: messages about one answer go beside it. */
  error: unknown;
  disabled: boolean;
}) {
  const t = useTranslations("Judgement");
  const options = useTranslations("Labels");
  const labels = useLabels();
  const fieldErrors = useFieldErrors(error, JUDGEMENT_FIELDS);
  const best = draft.ranking[0] ?? null;
  const isRanking = responses.length > 2;
  const ordered =
    draft.ranking.length === responses.length ? draft.ranking : responses.map((response) => response.id);
  const positionOf = (id: string) => responses.find((response) => response.id === id)?.position ?? 0;

  function move(id: string, by: -1 | 1) {
    onChange((current) => {
      const order = [...(current.ranking.length === responses.length ? current.ranking : ordered)];
      const from = order.indexOf(id);
      const to = from + by;
      if (to < 0 || to >= order.length) return current;
      [order[from], order[to]] = [order[to], order[from]];
      return { ...current, ranking: order };
    });
  }

  return (
    <form
      aria-label={t("form")}
      className="space-y-5 rounded-lg border border-slate-200 bg-white p-5 shadow-sm"
      onSubmit={(event) => {
        event.preventDefault();
        onSubmit();
      }}
      noValidate
    >
      <fieldset disabled={disabled}>
        <legend className="text-sm font-semibold text-slate-900">
          {isRanking ? t("whichBest") : t("whichBetter")}
        </legend>
        <div
          role="radiogroup"
          aria-label={isRanking ? t("best") : t("better")}
          className="mt-2 flex flex-wrap gap-3"
        >
          {responses.map((response) => (
            <RadioOption
              key={response.id}
              name="best-response"
              label={labels.response(response.position)}
              checked={best === response.id}
              onChange={() =>
                onChange((current) => ({ ...current, ranking: chooseBest(current, response.id, responses) }))
              }
              shortcut={LETTERS[response.position]}
            />
          ))}
        </div>
      </fieldset>

      {isRanking && (
        <fieldset disabled={disabled || !best}>
          <legend className="text-sm font-semibold text-slate-900">{t("rankAll")}</legend>
          <ol aria-label={t("ranking")} className="mt-2 space-y-1">
            {ordered.map((id, index) => {
              const label = labels.response(positionOf(id));
              return (
                <li key={id} className="flex items-center gap-2 text-sm">
                  <span className="w-6 text-end text-slate-500">{index + 1}.</span>
                  <span className="w-28 font-medium">{label}</span>
                  <Button
                    type="button"
                    variant="secondary"
                    aria-label={t("moveUp", { response: label })}
                    disabled={index === 0}
                    onClick={() => move(id, -1)}
                  >
                    ↑
                  </Button>
                  <Button
                    type="button"
                    variant="secondary"
                    aria-label={t("moveDown", { response: label })}
                    disabled={index === ordered.length - 1}
                    onClick={() => move(id, 1)}
                  >
                    ↓
                  </Button>
                </li>
              );
            })}
          </ol>
        </fieldset>
      )}

      <fieldset disabled={disabled}>
        <legend className="text-sm font-semibold text-slate-900">
          {isRanking ? t("howMuchBest") : t("howMuch")}
        </legend>
        <div role="radiogroup" aria-label={t("strength")} className="mt-2 flex flex-wrap gap-3">
          {STRENGTH_OPTIONS.map((option) => (
            <RadioOption
              key={option.value}
              name="strength"
              label={labels.strength(option.value)}
              checked={draft.strength === option.value}
              onChange={() => onChange((current) => ({ ...current, strength: option.value }))}
              shortcut={option.key}
            />
          ))}
        </div>
      </fieldset>

      {kind === "safety" && (
        <fieldset disabled={disabled} className="space-y-4">
          <legend className="text-sm font-semibold text-slate-900">
            {t("safety")}{" "}
            <span className="font-normal text-slate-500">
              {t.rich("safetyKeys", {
                s: (chunks) => <Kbd>{chunks}</Kbd>,
                u: (chunks) => <Kbd>{chunks}</Kbd>,
              })}
            </span>
          </legend>
          <div className="flex flex-wrap gap-6">
            {responses.map((response) => {
              const label = labels.response(response.position);
              const value = draft.safety[response.id];
              return (
                <div
                  key={response.id}
                  role="radiogroup"
                  aria-label={t("responseSafety", { response: label })}
                  className="flex items-center gap-2"
                >
                  <span className="w-24 text-sm font-medium text-slate-700">{label}</span>
                  {([true, false] as const).map((isSafe) => (
                    <RadioOption
                      key={String(isSafe)}
                      name={`safety-${response.id}`}
                      label={isSafe ? t("safe") : t("unsafe")}
                      checked={value === isSafe}
                      onChange={() =>
                        onChange((current) => ({
                          ...current,
                          safety: { ...current.safety, [response.id]: isSafe },
                        }))
                      }
                    />
                  ))}
                </div>
              );
            })}
          </div>
          <FieldError id="safety-marks-error" message={fieldErrors.errorFor("responseSafety")} />
          <div className="grid gap-4 sm:grid-cols-2">
            <div>
              <label htmlFor="risk-category" className="block text-sm font-medium text-slate-700">
                {t("riskCategory")}
              </label>
              <select
                id="risk-category"
                aria-invalid={fieldErrors.errorFor("riskCategory") ? true : undefined}
                aria-describedby={fieldErrors.errorFor("riskCategory") ? "risk-category-error" : undefined}
                value={draft.riskCategory ?? ""}
                onChange={(event) =>
                  onChange((current) => ({ ...current, riskCategory: event.target.value || null }))
                }
                className="mt-1 block w-full rounded-md border-0 bg-white px-3 py-2 text-sm ring-1 ring-inset ring-slate-300"
              >
                <option value="">{t("choose")}</option>
                {RISK_CATEGORIES.map((category, index) => (
                  <option key={category} value={category}>
                    {t("option", { name: options(`risk.${index}`), hint: options(`risk.${index}Hint`) })}
                  </option>
                ))}
              </select>
              <FieldError id="risk-category-error" message={fieldErrors.errorFor("riskCategory")} />
            </div>
            <div>
              <label htmlFor="attack-vector" className="block text-sm font-medium text-slate-700">
                {t("attackVector")}
              </label>
              <select
                id="attack-vector"
                aria-invalid={fieldErrors.errorFor("attackVector") ? true : undefined}
                aria-describedby={fieldErrors.errorFor("attackVector") ? "attack-vector-error" : undefined}
                value={draft.attackVector ?? ""}
                onChange={(event) =>
                  onChange((current) => ({ ...current, attackVector: event.target.value || null }))
                }
                className="mt-1 block w-full rounded-md border-0 bg-white px-3 py-2 text-sm ring-1 ring-inset ring-slate-300"
              >
                <option value="">{t("choose")}</option>
                {ATTACK_VECTORS.map((vector, index) => (
                  <option key={vector} value={vector}>
                    {t("option", { name: options(`vector.${index}`), hint: options(`vector.${index}Hint`) })}
                  </option>
                ))}
              </select>
              <FieldError id="attack-vector-error" message={fieldErrors.errorFor("attackVector")} />
            </div>
          </div>
          {best &&
            responses.length >= 2 &&
            draft.safety[best] === false &&
            draft.safety[ordered[1]] === true && <Alert tone="info">{t("unsafePreferred")}</Alert>}
        </fieldset>
      )}

      <div>
        <label htmlFor="judgement-note" className="block text-sm font-medium text-slate-700">
          {t("note")}
        </label>
        <textarea
          id="judgement-note"
          rows={2}
          value={draft.note}
          disabled={disabled}
          onChange={(event) => onChange((current) => ({ ...current, note: event.target.value }))}
          aria-describedby="judgement-note-count"
          className="mt-1 block w-full rounded-md border-0 bg-white px-3 py-2 text-sm ring-1 ring-inset ring-slate-300"
        />
        <p
          id="judgement-note-count"
          className={cx(
            "mt-1 text-xs",
            draft.note.length > NOTE_MAX_CHARS ? "text-red-700" : "text-slate-500",
          )}
        >
          {t("noteCount", { count: draft.note.length, max: NOTE_MAX_CHARS })}
          {draft.note.length > NOTE_MAX_CHARS && t("noteTooLong")}
        </p>
      </div>

      <FieldError id="judgement-note-error" message={fieldErrors.errorFor("note")} />
      {fieldErrors.formError && <Alert>{fieldErrors.formError}</Alert>}
      <div className="flex items-center gap-3">
        <Button type="submit" disabled={disabled || isSubmitting}>
          {isSubmitting ? t("submitting") : t("submit")}
        </Button>
        <span className="text-xs text-slate-500">
          <Kbd>Ctrl</Kbd> + <Kbd>Enter</Kbd>
        </span>
      </div>
    </form>
  );
}
