// Form fields the campaign pages need beyond the shared kit: a labelled textarea and a
// percentage input.
import type { TextareaHTMLAttributes } from "react";
import { cx, fieldDescription } from "../../../_components/ui";

const fieldStyles =
  "block w-full rounded-md border-0 bg-white px-3 py-2 text-sm text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 placeholder:text-slate-400 focus:ring-2 focus:ring-inset focus:ring-indigo-600";

export function TextAreaField({
  label,
  hint,
  error,
  id,
  className,
  ...props
}: TextareaHTMLAttributes<HTMLTextAreaElement> & {
  label: string;
  hint?: string;
  error?: string;
  id: string;
}) {
  const { inputProps, below } = fieldDescription(id, hint, error);
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium text-slate-700">
        {label}
      </label>
      <textarea id={id} {...props} {...inputProps} className={cx("mt-1", fieldStyles, className)} />
      {below}
    </div>
  );
}

/** Reads a form value as a number, or null when empty. */
export function numberOrNull(value: FormDataEntryValue | null): number | null {
  const text = String(value ?? "").trim();
  return text === "" ? null : Number(text);
}
