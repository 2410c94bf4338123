// How a failed call reads on a page: in the reader's language when the server named its message
// (lib/server-errors.ts; messages: ServerErrors), else the server's own English sentence. A call
// that got no answer says to check the connection.
import { TRPCClientError } from "@trpc/client";
import { useTranslations } from "next-intl";
import { isServerErrorKey, type ServerErrorKey, type ServerErrorValues } from "@/lib/server-errors";

/** Messages only the page can give: the server never answered, or the answer broke off. */
export type ClientErrorKey = "offline" | "connectionBroke" | "reconnecting";
export const CLIENT_ERROR_KEYS: readonly ClientErrorKey[] = ["offline", "connectionBroke", "reconnecting"];

/** A failure as a page keeps it: the English sentence, and its message's name when it has one. */
export interface Failure {
  message: string;
  named?: { key: ServerErrorKey | ClientErrorKey; values?: ServerErrorValues } | null;
}

/** The `named` of an error answer (tRPC's data, or a route handler's problem), if well formed. */
export function namedOf(value: unknown): Failure["named"] {
  const named = value as { key?: unknown; values?: unknown } | null | undefined;
  if (!named || !isServerErrorKey(named.key)) return null;
  const values = typeof named.values === "object" && named.values !== null ? named.values : undefined;
  return { key: named.key, values: values as ServerErrorValues | undefined };
}

export function failureOf(error: unknown): Failure {
  if (error instanceof TRPCClientError) {
    // No data: the request never got an answer from Arbiter (offline, or the server is down).
    if (error.data === undefined) return { message: error.message, named: { key: "offline" } };
    return { message: error.message, named: namedOf((error.data as { named?: unknown }).named) };
  }
  if (error instanceof Error && error.message) return { message: error.message };
  return { message: "Something went wrong. Check your connection and try again.", named: { key: "offline" } };
}

type Translate = (key: string, values?: ServerErrorValues) => string;

export function failureText(failure: Failure, t: Translate): string {
  return failure.named ? t(failure.named.key, failure.named.values) : failure.message;
}

/** `(failure) => text` in the reader's language. */
export function useFailureText() {
  const t = useTranslations("ServerErrors");
  return (failure: Failure) => failureText(failure, t);
}

/** `(error) => text` for a failed tRPC call (or any thrown error), in the reader's language. */
export function useErrorText() {
  const text = useFailureText();
  return (error: unknown) => text(failureOf(error));
}
