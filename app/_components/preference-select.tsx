// The header's small labelled menus (language, theme): a label and a compact select beside it.
import type { ReactNode, SelectHTMLAttributes } from "react";

export function PreferenceSelect({
  id,
  label,
  children,
  ...props
}: SelectHTMLAttributes<HTMLSelectElement> & { id: string; label: string; children: ReactNode }) {
  return (
    <div className="flex items-center gap-1 text-sm">
      <label htmlFor={id} className="text-slate-600">
        {label}
      </label>
      <select
        id={id}
        {...props}
        className="rounded-md border-0 bg-white py-1 ps-2 pe-7 text-sm text-slate-900 ring-1 ring-inset ring-slate-300"
      >
        {children}
      </select>
    </div>
  );
}
