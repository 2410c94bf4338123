// One wrapper for the route handlers under app/api (all but next-auth's and tRPC's own): the
// access level is part of the definition, as with the tRPC procedures, and the wrapper checks
// it, reads a JSON body within a limit, and maps every error to one shape:
//   { "error": { "code": "not_found", "message": "What happened and what to do." } }
// `serve(deps)` binds a route to its dependencies: the route files pass the server's, tests
// their own database and session secret. The authorization matrix reads the declared role.
import { ZodError } from "zod";
import type { Db } from "@/db/client";
import type { ApiTokenScope } from "@/lib/constants";
import type { ServerErrorMessage } from "@/lib/server-errors";
import { getUserFromHeaders } from "@/server/auth/request-user";
import { decideAccess, forbiddenMessage, type Access, type Role } from "@/server/auth/roles";
import type { SessionUser } from "@/server/auth/session-user";
import { HTTP_STATUS_BY_KIND, isDomainError, type DomainErrorKind } from "@/server/errors";
import { log } from "@/server/log";
import { hasScope, type ApiTokenGrant } from "@/server/services/api-tokens/api-token-schemas";
import { actWithApiToken } from "@/server/services/audit/api-token-context";
import { authenticateApiToken } from "@/server/services/api-tokens/authenticate-api-token";
import { PayloadTooLargeError, readBodyWithLimit } from "./body-limit";
import { describeZodError } from "./trpc";

export interface RouteDeps {
  /** Opened on use, so a public route (the health check) can answer while the database is down. */
  db: () => Promise<Db>;
  /** Tests sign their session cookies with their own secret; the server uses its configured one. */
  secret?: string;
}

/** The `code` of an error answer: a domain error's kind, or what the wrapper itself refused. */
export type ProblemCode =
  | DomainErrorKind
  | "payload_too_large"
  | "unsupported_media_type"
  | "bad_request"
  | "internal"
  /** The instance is shutting down: the load balancer retries the request on another. */
  | "unavailable";

export interface Problem {
  /** `named`: a common error's stable name and values (lib/server-errors.ts), for pages. */
  error: { code: ProblemCode; message: string; named?: ServerErrorMessage };
}

export function problem(
  status: number,
  code: ProblemCode,
  message: string,
  named?: ServerErrorMessage,
): Response {
  const body: Problem = { error: { code, message, ...(named && { named }) } };
  return Response.json(body, { status, headers: { "Cache-Control": "no-store" } });
}

type UserFor<R extends Access> = R extends "public" ? SessionUser | null : SessionUser;

export interface RouteCall<D extends RouteDeps, R extends Access, P> {
  request: Request;
  user: UserFor<R>;
  params: P;
  /** The parsed JSON body for routes that declare one (services validate it with their schema). */
  body: unknown;
  deps: D;
}

export interface RouteDefinition<D extends RouteDeps, R extends Access, P> {
  role: R;
  /**
   * Routes that take a body: it must be JSON (a cross-site form cannot send that without a CORS
   * preflight, which is refused) of at most `limit` bytes. `shape` goes into the error messages.
   * Routes without it never read the body.
   */
  body?: { limit: number; shape: string };
  /**
   * Routes of the HTTP API (app/api/v1) also admit API tokens (`Authorization: Bearer arb_…`):
   * the scope a token needs, and the campaign the request acts on (a token limited to one
   * campaign reaches no other, nor anything outside a campaign). Other routes ignore tokens.
   */
  token?: { scope: ApiTokenScope; campaignOf?: (params: P) => string };
  handle(call: RouteCall<D, R, P>): Promise<Response>;
}

export const ROUTE = Symbol.for("arbiter.route");

export type RouteContext<P> = { params: Promise<P> };

/** What a route file exports as GET or POST; `[ROUTE]` lets the matrix serve it with test deps. */
export type RouteHandler<D extends RouteDeps = RouteDeps, P extends object = object> = ((
  request: Request,
  context?: RouteContext<P>,
) => Promise<Response>) & { [ROUTE]: Route<D, P> };

export interface Route<D extends RouteDeps = RouteDeps, P extends object = object> {
  /** The declared access level (what the authorization matrix checks against). */
  role: Access;
  serve(deps: D): RouteHandler<D, P>;
}

const SIGN_IN_AGAIN = "You are not signed in, or your session has ended. Sign in and try again.";

function isJson(request: Request) {
  const type = request.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
  return type === "application/json";
}

function bearerSecret(request: Request) {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "");
  return match?.[1] ?? null;
}

/** Why a token that passed its owner's role check is still refused here, or null. */
function tokenRefusal<P>(
  grant: ApiTokenGrant,
  token: NonNullable<RouteDefinition<RouteDeps, Access, P>["token"]>,
  params: P,
) {
  if (!hasScope(grant.scope, token.scope)) {
    return `This token's scope is ${grant.scope}; this request needs ${token.scope}. Create a token with that scope.`;
  }
  if (grant.campaignId && token.campaignOf?.(params) !== grant.campaignId) {
    return "This token is limited to one campaign, and this request is about another campaign or none.";
  }
  return null;
}

async function identify(request: Request, deps: RouteDeps, access: Access): Promise<SessionUser | null> {
  // Sessions are cookies: without one, neither the database nor the secret is needed (probes).
  if (!request.headers.has("cookie")) return null;
  if (access !== "public") return getUserFromHeaders(await deps.db(), request.headers, deps.secret);
  try {
    return await getUserFromHeaders(await deps.db(), request.headers, deps.secret);
  } catch (error) {
    // A public route answers without a database (the health check reports that it is down).
    log.warn(`Could not resolve the session of a public request: ${(error as Error).message}`);
    return null;
  }
}

/** Every error of every route handler becomes a response here, and nowhere else. */
function toProblem(error: unknown, request: Request): Response {
  if (isDomainError(error))
    return problem(HTTP_STATUS_BY_KIND[error.kind], error.kind, error.message, error.named);
  if (error instanceof ZodError) return problem(400, "validation", describeZodError(error));
  if (error instanceof PayloadTooLargeError) return problem(413, "payload_too_large", error.message);
  log.error(`${request.method} ${new URL(request.url).pathname} failed`, error);
  return problem(
    500,
    "internal",
    "Something went wrong on the server. Try again; if it keeps happening, ask an admin to check the server log.",
  );
}

export function defineRoute<D extends RouteDeps, R extends Access, P extends object = object>(
  definition: RouteDefinition<D, R, P>,
): Route<D, P> {
  const route: Route<D, P> = {
    role: definition.role,
    serve(deps) {
      const handler = async (request: Request, context?: RouteContext<P>) => {
        try {
          const secret = definition.token ? bearerSecret(request) : null;
          // A token is checked (and its errors answered) before anything else; no cookie fallback.
          const token = secret ? await authenticateApiToken(await deps.db(), secret) : null;
          const user = token ? token.user : await identify(request, deps, definition.role);
          const decision = decideAccess(user, definition.role);
          if (decision === "unauthenticated") return problem(401, "unauthorized", SIGN_IN_AGAIN);
          if (decision === "forbidden") {
            return problem(403, "forbidden", forbiddenMessage(definition.role as Role, user!.role));
          }
          const params = ((await context?.params) ?? {}) as P;
          const refusal = token && tokenRefusal(token.grant, definition.token!, params);
          if (refusal) return problem(403, "forbidden", refusal);
          let body: unknown;
          if (definition.body) {
            const { limit, shape } = definition.body;
            if (!isJson(request)) {
              return problem(
                415,
                "unsupported_media_type",
                `Send ${shape} as JSON (Content-Type: application/json).`,
              );
            }
            const text = new TextDecoder().decode(await readBodyWithLimit(request, limit));
            try {
              body = JSON.parse(text);
            } catch {
              return problem(400, "bad_request", `The request could not be read. Send ${shape} as JSON.`);
            }
          }
          const call = () => definition.handle({ request, user: user as UserFor<R>, params, body, deps });
          // What a token does is audited under its owner and names the token.
          return await (token
            ? actWithApiToken(
                { id: token.grant.id, label: `${token.grant.name} (${token.grant.prefix}…)` },
                call,
              )
            : call());
        } catch (error) {
          return toProblem(error, request);
        }
      };
      return Object.assign(handler, { [ROUTE]: route });
    },
  };
  return route;
}

/** The route a handler was built from, or undefined for one written by hand. */
export function routeOf(handler: unknown): Route | undefined {
  return typeof handler === "function" ? (handler as Partial<RouteHandler>)[ROUTE] : undefined;
}
