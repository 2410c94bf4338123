// The HTTP API's routes (app/api/v1): each is a defineRoute whose definition also says its
// method, path, the scope a token needs and the zod schema of its input — the same schema the
// tRPC procedure validates with — so one definition serves the route, checks access and writes
// its part of the OpenAPI document (openapi-document.ts). Handlers call the same service
// functions as the procedures; answers are JSON, errors the route handlers' one shape.
import { z } from "zod";
import type { ApiTokenScope } from "@/lib/constants";
import type { Role } from "@/server/auth/roles";
import type { SessionUser } from "@/server/auth/session-user";
import { ValidationError } from "@/server/errors";
import { KB } from "../body-limit";
import { defineRoute, type Route, type RouteDeps } from "../route-handler";

export type ApiMethod = "GET" | "POST" | "PUT";

/** Campaign settings carry guidelines of up to 50,000 characters (3 bytes each at worst). */
export const API_BODY_LIMIT = 256 * KB;

export interface ApiOperation<S extends z.ZodType = z.ZodType> {
  method: ApiMethod;
  /** As OpenAPI writes it: `/api/v1/campaigns/{campaignId}`. */
  path: string;
  summary: string;
  tag: "Campaigns" | "Annotation data" | "Exports" | "Prompt sets";
  role: Role;
  scope: ApiTokenScope;
  /** The procedure's input schema; path parameters are filled from the path, the rest come from
   * the query string (GET) or the JSON body. */
  input?: S;
  /** Fields the path decides beyond its parameters, set on the caller's input before validation. */
  applyPath?: (input: Record<string, unknown>, params: Record<string, string>) => Record<string, unknown>;
  /** What a success returns (JSON unless `produces` says otherwise). */
  returns: string;
  status?: 200 | 201;
  produces?: string;
  /** Bodies larger than API_BODY_LIMIT that this route accepts (file uploads). */
  bodyLimit?: number;
}

export interface ApiCall<D extends RouteDeps, I> {
  request: Request;
  user: SessionUser;
  /** The input, validated by the operation's schema (path parameters included). */
  input: I;
  deps: D;
}

export interface ApiRoute<D extends RouteDeps = RouteDeps> extends Route<D, Record<string, string>> {
  operation: ApiOperation;
}

/** The `{name}` parameters of an OpenAPI path. */
export function pathParameters(path: string) {
  return [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
}

/** Top-level fields of `schema` that are numbers or booleans, so query strings can be read as them. */
function queryTypes(schema: z.ZodType | undefined) {
  const types = new Map<string, string>();
  if (!schema) return types;
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as {
    properties?: Record<string, { type?: string }>;
  };
  for (const [name, property] of Object.entries(json.properties ?? {})) {
    if (property.type) types.set(name, property.type);
  }
  return types;
}

function readQuery(url: URL, types: Map<string, string>) {
  const query: Record<string, unknown> = {};
  for (const [name, value] of url.searchParams) {
    const type = types.get(name);
    if (type === "integer" || type === "number") query[name] = value.trim() === "" ? value : Number(value);
    else if (type === "boolean") query[name] = value === "true" ? true : value === "false" ? false : value;
    else query[name] = value;
  }
  return query;
}

export function defineApiRoute<S extends z.ZodType, D extends RouteDeps = RouteDeps>(
  operation: ApiOperation<S> & { handle(call: ApiCall<D, z.output<S>>): Promise<unknown> },
): ApiRoute<D> {
  const { handle, applyPath = (input) => input, ...spec } = operation;
  const types = spec.method === "GET" ? queryTypes(spec.input) : new Map<string, string>();
  const route = defineRoute<D, Role, Record<string, string>>({
    role: spec.role,
    body:
      spec.method === "GET"
        ? undefined
        : { limit: spec.bodyLimit ?? API_BODY_LIMIT, shape: `the input of ${spec.summary.toLowerCase()}` },
    token: {
      scope: spec.scope,
      campaignOf: pathParameters(spec.path).includes("campaignId")
        ? (params) => params.campaignId
        : undefined,
    },
    async handle({ request, user, params, body, deps }) {
      const given = spec.method === "GET" ? readQuery(new URL(request.url), types) : (body ?? {});
      if (typeof given !== "object" || given === null || Array.isArray(given)) {
        throw new ValidationError("Send the input as a JSON object.");
      }
      // Path parameters win, so a body cannot point the call at another campaign.
      const input = spec.input
        ? spec.input.parse({ ...applyPath(given as Record<string, unknown>, params), ...params })
        : undefined;
      const result = await handle({ request, user, input: input as z.output<S>, deps });
      if (result instanceof Response) return result;
      return Response.json(result ?? null, {
        status: spec.status ?? 200,
        headers: { "Cache-Control": "no-store" },
      });
    },
  });
  // The served handlers point back at this object (routeOf), so the operation travels with them.
  return Object.assign(route, { operation: spec as ApiOperation });
}
