// Walks every procedure of a router, and every route handler under app/api, and calls each as
// each kind of user, comparing who gets in with the access level it declares (a procedure's
// meta, a route's definition). Used by the authorization test.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { TRPCError, type AnyTRPCRouter } from "@trpc/server";
import type { Access } from "@/server/auth/roles";
import { routeOf, type Problem, type RouteDeps } from "@/server/api/route-handler";
import type { Context } from "@/server/api/trpc";

export const IDENTITIES = ["anonymous", "deactivated", "annotator", "reviewer", "admin"] as const;
export type Identity = (typeof IDENTITIES)[number];

/** Written out rather than derived from the code under test, so a bug there cannot hide here. */
export const ADMITTED: Record<Access, readonly Identity[]> = {
  public: ["anonymous", "deactivated", "annotator", "reviewer", "admin"],
  authed: ["annotator", "reviewer", "admin"],
  annotator: ["annotator", "reviewer", "admin"],
  reviewer: ["reviewer", "admin"],
  admin: ["admin"],
};

export interface ProcedureEntry {
  path: string;
  type: "query" | "mutation" | "subscription";
  role: Access | undefined;
}

export function listProcedures(router: AnyTRPCRouter): ProcedureEntry[] {
  const procedures = router._def.procedures as Record<
    string,
    { _def: { type: ProcedureEntry["type"]; meta?: { role?: Access } } }
  >;
  return Object.entries(procedures)
    .map(([path, procedure]) => ({ path, type: procedure._def.type, role: procedure._def.meta?.role }))
    .sort((a, b) => a.path.localeCompare(b.path));
}

export type Outcome = "admitted" | "unauthorized" | "forbidden";

type Caller = Record<string, unknown>;

export async function callAs(caller: Caller, path: string): Promise<Outcome> {
  const procedure = path.split(".").reduce<unknown>((node, key) => (node as Caller)[key], caller);
  try {
    // No input: the role check runs before input validation, so a refused call fails on the
    // role, and an admitted one fails on the input (or succeeds) — either way it got in.
    await (procedure as (input?: unknown) => Promise<unknown>)(undefined);
    return "admitted";
  } catch (error) {
    if (error instanceof TRPCError && error.code === "UNAUTHORIZED") return "unauthorized";
    if (error instanceof TRPCError && error.code === "FORBIDDEN") return "forbidden";
    return "admitted";
  }
}

/** Problems found for one procedure; empty when it admits exactly whom its role says. */
export async function checkProcedure(
  entry: ProcedureEntry,
  createCaller: (context: Context) => Caller,
  contexts: Record<Identity, Context>,
): Promise<string[]> {
  if (!entry.role) {
    return [
      `${entry.path} declares no role: build it from publicProcedure, authedProcedure, annotatorProcedure, reviewerProcedure or adminProcedure`,
    ];
  }
  const problems: string[] = [];
  for (const identity of IDENTITIES) {
    const outcome = await callAs(createCaller(contexts[identity]), entry.path);
    const shouldAdmit = ADMITTED[entry.role].includes(identity);
    const expected: Outcome = shouldAdmit
      ? "admitted"
      : contexts[identity].user === null
        ? "unauthorized"
        : "forbidden";
    if (outcome !== expected) {
      problems.push(
        `${entry.path} (role ${entry.role}) as ${identity}: expected ${expected}, got ${outcome}`,
      );
    }
  }
  return problems;
}

export interface RouteHandlerEntry {
  /** "POST /api/generate", as Next.js serves it. */
  name: string;
  method: string;
  /** The URL with every dynamic segment filled in. */
  url: string;
  params: Record<string, string | string[]>;
  handler: unknown;
}

const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/** Route files that are protocols of their own, with their own checks. */
export const ROUTES_WITHOUT_WRAPPER: Record<string, string> = {
  "/api/auth/[...nextauth]": "next-auth's endpoints (sign-in is public by nature; they get the body limit)",
  "/api/trpc/[trpc]": "tRPC: every procedure is in the procedure matrix",
};

/** Every HTTP method exported by a route file under `apiDir` (app/api), imported as Next.js would. */
export async function listRouteHandlers(apiDir: string): Promise<RouteHandlerEntry[]> {
  const files = fs
    .readdirSync(apiDir, { recursive: true, encoding: "utf8" })
    .filter((file) => /(^|\/)route\.tsx?$/.test(file))
    .sort();
  const entries: RouteHandlerEntry[] = [];
  for (const file of files) {
    const segments = path
      .dirname(file)
      .split(path.sep)
      .filter((segment) => segment !== ".");
    const route = `/api/${segments.join("/")}`.replace(/\/$/, "");
    if (route in ROUTES_WITHOUT_WRAPPER) continue;
    const params: Record<string, string | string[]> = {};
    const concrete = segments.map((segment) => {
      const name = /^\[(\.\.\.)?(.+)\]$/.exec(segment);
      if (!name) return segment;
      const value = crypto.randomUUID();
      params[name[2]] = name[1] ? [value] : value;
      return value;
    });
    const exported = (await import(pathToFileURL(path.join(apiDir, file)).href)) as Record<string, unknown>;
    for (const method of HTTP_METHODS.filter((candidate) => candidate in exported)) {
      entries.push({
        name: `${method} ${route}`,
        method,
        url: `http://localhost/api/${concrete.join("/")}`,
        params,
        handler: exported[method],
      });
    }
  }
  return entries;
}

async function outcomeOf(response: Response): Promise<{ outcome: Outcome; hasErrorShape: boolean }> {
  const isRefusal = response.status === 401 || response.status === 403;
  if (!isRefusal) {
    await response.body?.cancel(); // a stream (generation, export) is not read
    return { outcome: "admitted", hasErrorShape: true };
  }
  const body = (await response.json().catch(() => null)) as Partial<Problem> | null;
  const code = body?.error?.code;
  const hasErrorShape = typeof code === "string" && typeof body?.error?.message === "string";
  if (response.status === 401 && code === "unauthorized") return { outcome: "unauthorized", hasErrorShape };
  if (response.status === 403 && code === "forbidden") return { outcome: "forbidden", hasErrorShape };
  return { outcome: "admitted", hasErrorShape };
}

/**
 * Problems found for one route handler; empty when it is built with defineRoute and admits exactly
 * whom its declared role says. Each identity calls it without a body, as the procedure matrix
 * calls procedures without input: the role check comes first, so a refusal is about the role.
 */
export async function checkRouteHandler(
  entry: RouteHandlerEntry,
  deps: RouteDeps,
  sessions: Record<Identity, Headers>,
  signedIn: Record<Identity, boolean>,
): Promise<string[]> {
  const route = routeOf(entry.handler);
  if (!route) {
    return [`${entry.name} declares no role: build it with defineRoute (server/api/route-handler.ts)`];
  }
  const serve = route.serve(deps);
  const problems: string[] = [];
  for (const identity of IDENTITIES) {
    const request = new Request(entry.url, { method: entry.method, headers: sessions[identity] });
    const response = await serve(request, { params: Promise.resolve(entry.params) });
    const { outcome, hasErrorShape } = await outcomeOf(response);
    const expected: Outcome = ADMITTED[route.role].includes(identity)
      ? "admitted"
      : signedIn[identity]
        ? "forbidden"
        : "unauthorized";
    if (outcome !== expected) {
      problems.push(
        `${entry.name} (role ${route.role}) as ${identity}: expected ${expected}, got ${outcome}`,
      );
    } else if (!hasErrorShape) {
      problems.push(`${entry.name} as ${identity}: the refusal is not { error: { code, message } }`);
    }
  }
  return problems;
}
