// tRPC setup: the request context, the error mapping, and one procedure per access level.
// A procedure's access level is part of its definition — `adminProcedure.query(...)` — and is
// recorded in its meta, which the authorization matrix test reads.
import { initTRPC, TRPCError, type TRPC_ERROR_CODE_KEY } from "@trpc/server";
import superjson from "superjson";
import { z, ZodError } from "zod";
import type { Db } from "@/db/client";
import { clientAddress } from "@/server/auth/request-origin";
import { getUserFromHeaders } from "@/server/auth/request-user";
import { decideAccess, forbiddenMessage, type Access, type Role } from "@/server/auth/roles";
import type { SessionUser } from "@/server/auth/session-user";
import { getDb } from "@/server/db";
import { env } from "@/server/env";
import {
  ForbiddenError,
  isDomainError,
  UnauthorizedError,
  ValidationError,
  type DomainErrorKind,
} from "@/server/errors";
import { consumeRateLimit } from "@/server/services/rate-limits/consume-rate-limit";
import { MAX_BATCH_CALLS } from "@/lib/constants";
import { namedMessageOf } from "./error-message-key";

export interface Context {
  db: Db;
  user: SessionUser | null;
  /** Who is calling, for per-address limits; null when it cannot be known. */
  clientAddress: string | null;
}

export interface Meta {
  role: Access;
}

/** `secret` is for tests; the server uses its configured session secret. */
export async function createContext(db: Db, headers: Headers, secret?: string): Promise<Context> {
  return { db, user: await getUserFromHeaders(db, headers, secret), clientAddress: clientAddress(headers) };
}

export async function createContextFromRequest(request: Request): Promise<Context> {
  return createContext(await getDb(), request.headers);
}

const CODE_BY_KIND: Record<DomainErrorKind, TRPC_ERROR_CODE_KEY> = {
  not_found: "NOT_FOUND",
  forbidden: "FORBIDDEN",
  conflict: "CONFLICT",
  validation: "BAD_REQUEST",
  unauthorized: "UNAUTHORIZED",
  too_many_requests: "TOO_MANY_REQUESTS",
};

/** One sentence per problem. Our own messages end with a period; zod's defaults get the field name. */
export function describeZodError(error: ZodError) {
  return error.issues
    .map((issue) =>
      issue.message.endsWith(".") || issue.path.length === 0
        ? issue.message
        : `${issue.path.join(".")}: ${issue.message}.`,
    )
    .join(" ");
}

/** A domain error about one input field, in the shape of zod's field errors. */
function fieldErrorOf(cause: unknown): Record<string, string[]> | null {
  return cause instanceof ValidationError && cause.field ? { [cause.field]: [cause.message] } : null;
}

/** What tRPC says when a batch is over `maxBatchSize` (http-handler.ts); the HTTP test pins it. */
const TRPC_BATCH_TOO_LARGE_MESSAGE = "Batch call exceeds maximum size";

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    transformer: superjson,
    errorFormatter({ shape, error }) {
      const zodError = error.cause instanceof ZodError ? error.cause : null;
      let message = shape.message;
      if (zodError) message = describeZodError(zodError);
      else if (error.code === "PARSE_ERROR" || error.cause instanceof SyntaxError) {
        message = `The request could not be read (${error.message}). Send the input as JSON, as the tRPC client does.`;
      } else if (error.message === TRPC_BATCH_TOO_LARGE_MESSAGE) {
        message = `One request may batch at most ${MAX_BATCH_CALLS} calls. Send the others in further requests.`;
      } else if (error.code === "INTERNAL_SERVER_ERROR") {
        message =
          "Something went wrong on the server. Try again; if it keeps happening, ask an admin to check the server log.";
      }
      return {
        ...shape,
        message,
        data: {
          ...shape.data,
          fieldErrors: zodError ? z.flattenError(zodError).fieldErrors : fieldErrorOf(error.cause),
          // The message's stable name and values, which pages word in the reader's language.
          named: namedMessageOf(error, message),
          stack: env.NODE_ENV === "development" ? shape.data.stack : undefined,
        },
      };
    },
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Domain errors from services become tRPC errors here, and nowhere else. */
const mapDomainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const cause = result.error.cause;
    if (isDomainError(cause)) {
      throw new TRPCError({ code: CODE_BY_KIND[cause.kind], message: cause.message, cause });
    }
    if (cause instanceof ZodError) throw new TRPCError({ code: "BAD_REQUEST", cause });
  }
  return result;
});

function requireAccess(access: Exclude<Access, "public">) {
  return t.middleware(({ ctx, next }) => {
    const decision = decideAccess(ctx.user, access);
    if (decision === "unauthenticated" || !ctx.user) {
      const message = "You are not signed in, or your session has ended. Sign in and try again.";
      throw new TRPCError({
        code: "UNAUTHORIZED",
        message,
        cause: new UnauthorizedError(message, { key: "sessionEnded" }),
      });
    }
    if (decision === "forbidden") {
      const message = forbiddenMessage(access as Role, ctx.user.role);
      const named = { key: "forbiddenRole" as const, values: { required: access, actual: ctx.user.role } };
      throw new TRPCError({ code: "FORBIDDEN", message, cause: new ForbiddenError(message, named) });
    }
    return next({ ctx: { user: ctx.user } });
  });
}

/** Calls to public procedures each client address may make per window. */
export const PUBLIC_CALL_LIMIT = { calls: 30, windowMs: 60_000 };

/** Public procedures answer anyone, so each address gets a budget of calls; with the batch cap
 * (MAX_BATCH_CALLS) this bounds the work one client can cause without an account. */
const limitPublicCalls = t.middleware(async ({ ctx, next }) => {
  await consumeRateLimit(ctx.db, { key: `public:${ctx.clientAddress ?? "unknown"}`, ...PUBLIC_CALL_LIMIT });
  return next();
});

const baseProcedure = t.procedure.use(mapDomainErrors);

export const publicProcedure = baseProcedure.meta({ role: "public" }).use(limitPublicCalls);
export const authedProcedure = baseProcedure.meta({ role: "authed" }).use(requireAccess("authed"));
export const annotatorProcedure = baseProcedure.meta({ role: "annotator" }).use(requireAccess("annotator"));
export const reviewerProcedure = baseProcedure.meta({ role: "reviewer" }).use(requireAccess("reviewer"));
export const adminProcedure = baseProcedure.meta({ role: "admin" }).use(requireAccess("admin"));
