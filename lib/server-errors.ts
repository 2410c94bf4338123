// The errors people commonly meet, by a stable name. The server puts the name, and the values its
// sentence needs, in the error's data beside the English message (server/api/error-message-key.ts);
// pages word it in the reader's language (messages: ServerErrors, app/_lib/error-text.ts). API
// clients, scripts and logs keep reading the English message. Imports nothing, so client
// components and services share it.

export const SERVER_ERROR_KEYS = [
  // From the tRPC layer for every procedure.
  "sessionEnded",
  "forbiddenRole",
  "invalidInput",
  "serverError",
  "tooManyRequests",
  // The annotator's flow.
  "campaignNotFound",
  "conversationNotFound",
  "campaignPaused",
  "guidelinesNotConfirmed",
  "guidelinesChanged",
  "turnLimit",
  "dailyQuota",
  "concurrentLimit",
  "retriesOff",
  "retriesPerTurn",
  "retriesPerHour",
  "conversationEnded",
  "turnAlreadySubmitted",
  "alreadySubmitted",
  "conversationInProgress",
  "batchClosed",
  // The admin's forms and the invitation.
  "userExists",
  "userNotFound",
  "invitationInvalid",
] as const;
export type ServerErrorKey = (typeof SERVER_ERROR_KEYS)[number];

/** Numbers, words, and moments as epoch milliseconds (they cross the wire as JSON). */
export type ServerErrorValues = Record<string, string | number>;

export interface ServerErrorMessage {
  key: ServerErrorKey;
  values?: ServerErrorValues;
}

export function isServerErrorKey(value: unknown): value is ServerErrorKey {
  return typeof value === "string" && (SERVER_ERROR_KEYS as readonly string[]).includes(value);
}

/** "in 12 minutes" or "in 3 hours" (from 90 minutes on), as the values of a message. */
export function waitValues(at: Date, now: Date): ServerErrorValues {
  const minutes = Math.max(1, Math.ceil((at.getTime() - now.getTime()) / 60_000));
  return minutes < 90
    ? { at: at.getTime(), unit: "minutes", wait: minutes }
    : { at: at.getTime(), unit: "hours", wait: Math.round(minutes / 60) };
}
