// The OpenAPI 3.1 document of the HTTP API, written from the routes' own definitions: paths,
// methods, roles and scopes from api-route.ts, request schemas from the zod schemas the services
// validate with (zod's JSON Schema output is draft 2020-12, the dialect OpenAPI 3.1 uses).
import { z } from "zod";
import { API_TOKEN_SCOPES } from "@/lib/constants";
import { ROLE_LABELS } from "@/server/auth/roles";
import { pathParameters, type ApiRoute } from "./api-route";
import {
  closeBatchRoute,
  createCampaignRoute,
  createVariantRoute,
  dashboardRoute,
  getCampaignRoute,
  getComparisonRoute,
  leaderboardRoute,
  listCampaignsRoute,
  listComparisonsRoute,
  openNextBatchRoute,
  reviewComparisonRoute,
  setCampaignStatusRoute,
  setMembersRoute,
  updateCampaignRoute,
  updateVariantRoute,
} from "./campaign-routes";
import { getExportRoute, startExportRoute } from "./export-routes";
import { importPromptSetRoute, listPromptSetsRoute } from "./prompt-set-routes";

export const API_ROUTES: ApiRoute<never>[] = [
  listCampaignsRoute,
  createCampaignRoute,
  getCampaignRoute,
  updateCampaignRoute,
  setCampaignStatusRoute,
  createVariantRoute,
  updateVariantRoute,
  openNextBatchRoute,
  closeBatchRoute,
  setMembersRoute,
  listComparisonsRoute,
  getComparisonRoute,
  reviewComparisonRoute,
  leaderboardRoute,
  dashboardRoute,
  startExportRoute,
  getExportRoute,
  importPromptSetRoute,
  listPromptSetsRoute,
] as ApiRoute<never>[];

type JsonSchema = {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  description?: string;
  [key: string]: unknown;
};

function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  delete json.$schema;
  return json;
}

/** The input's schema without the fields the path fills in. */
function withoutPathFields(json: JsonSchema, names: string[]): JsonSchema {
  const properties = Object.fromEntries(
    Object.entries(json.properties ?? {}).filter(([name]) => !names.includes(name)),
  );
  const required = (json.required ?? []).filter((name) => !names.includes(name));
  return { ...json, properties, ...(required.length ? { required } : { required: undefined }) };
}

const problemResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Problem" } } },
});

function operationOf(route: ApiRoute<never>) {
  const { operation } = route;
  const pathNames = pathParameters(operation.path);
  const input = operation.input ? withoutPathFields(jsonSchemaOf(operation.input), pathNames) : null;
  const parameters = pathNames.map((name) => ({
    name,
    in: "path",
    required: true,
    schema: { type: "string", format: "uuid" },
  }));
  if (operation.method === "GET" && input) {
    for (const [name, schema] of Object.entries(input.properties ?? {})) {
      parameters.push({
        name,
        in: "query",
        required: input.required?.includes(name) ?? false,
        schema,
      } as never);
    }
  }
  const success = operation.produces
    ? {
        content: {
          [operation.produces]: { schema: { type: "string", contentMediaType: operation.produces } },
        },
      }
    : { content: { "application/json": { schema: {} } } };
  return {
    operationId: `${operation.method.toLowerCase()}${operation.path
      .replace(/^\/api\/v1/, "")
      .replace(/\{(\w+)\}/g, "By-$1")
      .split(/[/-]/)
      .filter(Boolean)
      .map((part) => part[0].toUpperCase() + part.slice(1))
      .join("")}`,
    summary: operation.summary,
    description: `Needs the ${ROLE_LABELS[operation.role].toLowerCase()} role, and a token with the ${operation.scope} scope (or wider).`,
    tags: [operation.tag],
    security: [{ bearerToken: [operation.scope] }, { sessionCookie: [] }],
    "x-arbiter-role": operation.role,
    "x-arbiter-scope": operation.scope,
    parameters,
    ...(operation.method !== "GET" && input
      ? { requestBody: { required: true, content: { "application/json": { schema: input } } } }
      : {}),
    responses: {
      [String(operation.status ?? 200)]: { description: operation.returns, ...success },
      "400": problemResponse("The input is not valid; the message says which field and why."),
      "401": problemResponse("No valid session or token; or the token was revoked or has expired."),
      "403": problemResponse("The role, the token's scope or the token's campaign does not allow this."),
      "404": problemResponse("The campaign (or what it names) does not exist."),
      "409": problemResponse(
        "The change conflicts with the current state (a name taken, a campaign archived).",
      ),
      "413": problemResponse("The body is larger than the API accepts."),
      "415": problemResponse("The body is not JSON."),
    },
  };
}

export function buildOpenApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of API_ROUTES) {
    const { path, method } = route.operation;
    paths[path] = { ...paths[path], [method.toLowerCase()]: operationOf(route) };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Arbiter HTTP API",
      version: "1",
      description:
        "Drive Arbiter from scripts and pipelines. Send an API token as `Authorization: Bearer arb_…` " +
        "(create one on your account's token page; admins create service tokens). A token acts as its owner, " +
        "within its scope (read < annotate < admin) and, if it has one, its campaign. Errors are " +
        '`{ "error": { "code", "message" } }`.',
    },
    tags: [{ name: "Campaigns" }, { name: "Annotation data" }, { name: "Exports" }, { name: "Prompt sets" }],
    paths,
    components: {
      securitySchemes: {
        bearerToken: {
          type: "http",
          scheme: "bearer",
          description: `An Arbiter API token. Scopes: ${API_TOKEN_SCOPES.join(", ")}.`,
        },
        sessionCookie: { type: "apiKey", in: "cookie", name: "next-auth.session-token" },
      },
      schemas: {
        Problem: {
          type: "object",
          required: ["error"],
          properties: {
            error: {
              type: "object",
              required: ["code", "message"],
              properties: {
                code: { type: "string" },
                message: { type: "string" },
                named: {
                  type: "object",
                  description:
                    "For common errors: a stable name for the message and the values it needs, so a client can word it in its own language.",
                  required: ["key"],
                  properties: { key: { type: "string" }, values: { type: "object" } },
                },
              },
            },
          },
        },
      },
    },
  };
}
