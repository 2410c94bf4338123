// A labelled checkbox; with a description, the text sits beside the box with the description
// under it.
import type { ReactNode } from "react";

export function CheckboxField({
  name,
  defaultChecked,
  description,
  children,
}: {
  name: string;
  defaultChecked: boolean;
  description?: ReactNode;
  children: ReactNode;
}) {
  const described = description !== undefined;
  return (
    <label className={`flex ${described ? "items-start" : "items-center"} gap-2 text-sm text-slate-700`}>
      <input
        type="checkbox"
        name={name}
        defaultChecked={defaultChecked}
        className={described ? "mt-0.5 rounded border-slate-300" : "rounded border-slate-300"}
      />
      {described ? (
        <span>
          {children}
          <span className="block text-xs text-slate-500">{description}</span>
        </span>
      ) : (
        children
      )}
    </label>
  );
}
