"use client";
// Errors beside their fields: a failed call's field errors (zod's, or a domain error naming its
// field) go to the fields a form shows, each cleared as soon as its field changes; anything
// else is the form's own message. A named message is shown in the reader's language.
import { TRPCClientError } from "@trpc/client";
import { useState, type FormEvent } from "react";
import { failureOf, useFailureText } from "./error-text";

function fieldErrorsOf(error: unknown): Record<string, string[] | undefined> {
  if (!(error instanceof TRPCClientError)) return {};
  const fieldErrors = (
    error.data as { fieldErrors?: Record<string, string[] | undefined> | null } | undefined
  )?.fieldErrors;
  return fieldErrors ?? {};
}

/**
 * `fields` are the names the form shows; `aliases` maps an input name the server uses to the
 * form's field (e.g. overlapFraction, sent from the overlapPercent field).
 */
export function useFieldErrors(
  error: unknown,
  fields: readonly string[],
  aliases: Readonly<Record<string, string>> = {},
) {
  const [cleared, setCleared] = useState<{ error: unknown; fields: ReadonlySet<string> }>({
    error: null,
    fields: new Set(),
  });
  const failureText = useFailureText();
  const failure = failureOf(error);
  // A domain error about one field carries its own name: that field shows it translated. zod's
  // messages per field stay as they are (the form's own message frames them).
  const isDomainFieldError = failure.named && failure.named.key !== "invalidInput";
  const fieldText = (message: string) =>
    isDomainFieldError && message === failure.message ? failureText(failure) : message;
  const byField = new Map<string, string>();
  let unplaced = false;
  for (const [name, messages] of Object.entries(fieldErrorsOf(error))) {
    const field = aliases[name] ?? name;
    if (messages?.[0] && fields.includes(field)) byField.set(field, fieldText(messages[0]));
    else if (messages?.[0]) unplaced = true;
  }
  const clearedFields = cleared.error === error ? cleared.fields : new Set<string>();
  const clear = (field: string) => {
    if (!byField.has(field) || clearedFields.has(field)) return;
    setCleared({ error, fields: new Set([...clearedFields, field]) });
  };
  return {
    errorFor: (field: string) => (clearedFields.has(field) ? undefined : byField.get(field)),
    /** The message not shown beside a field, or null. */
    formError: error && (byField.size === 0 || unplaced) ? failureText(failure) : null,
    clear,
    /** For a form's onChange: clears the error of the field that changed (by its name). */
    clearChanged: (event: FormEvent<HTMLFormElement>) => {
      const name = (event.target as { name?: string }).name;
      if (name) clear(aliases[name] ?? name);
    },
  };
}
