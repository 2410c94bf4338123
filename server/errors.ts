// Domain errors thrown by services. The tRPC layer maps each kind to a code in one place
// (server/api/trpc.ts); messages are shown to users, so they say what to do next. A common one
// also names its message (lib/server-errors.ts) so that pages can word it in the reader's language.
import type { ServerErrorMessage } from "@/lib/server-errors";

export type DomainErrorKind =
  "not_found" | "forbidden" | "conflict" | "validation" | "unauthorized" | "too_many_requests";

export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;
  constructor(
    message: string,
    /** The message's stable name and values; the English `message` stays for API clients. */
    readonly named?: ServerErrorMessage,
  ) {
    super(message);
  }
}

export class NotFoundError extends DomainError {
  readonly kind = "not_found";
  override name = "NotFoundError";
}

export class ForbiddenError extends DomainError {
  readonly kind = "forbidden";
  override name = "ForbiddenError";
}

export class ConflictError extends DomainError {
  readonly kind = "conflict";
  override name = "ConflictError";
}

export class ValidationError extends DomainError {
  readonly kind = "validation";
  override name = "ValidationError";
  /** The input field the message is about, so a form can show it beside that field. */
  constructor(
    message: string,
    readonly field?: string,
    named?: ServerErrorMessage,
  ) {
    super(message, named);
  }
}

/** Credentials were wrong, or the session is no longer valid. */
export class UnauthorizedError extends DomainError {
  readonly kind = "unauthorized";
  override name = "UnauthorizedError";
}

export class TooManyRequestsError extends DomainError {
  readonly kind = "too_many_requests";
  override name = "TooManyRequestsError";
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}

/** The HTTP status of each kind, for route handlers outside tRPC. */
export const HTTP_STATUS_BY_KIND: Record<DomainErrorKind, number> = {
  not_found: 404,
  forbidden: 403,
  conflict: 409,
  validation: 400,
  unauthorized: 401,
  too_many_requests: 429,
};
