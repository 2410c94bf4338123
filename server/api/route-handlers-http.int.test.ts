// Every route handler under app/api (the defineRoute ones), served over a real HTTP server on
// 127.0.0.1 with real session cookies: 401 for anonymous and deactivated callers, 403 for
// signed-in roles below the declared one, and 400 in the one error shape for bad input. The
// routes are found in app/api, and each must have its bad-input cases listed here.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { createTestDb } from "@/db/testing";
import type { Access } from "@/server/auth/roles";
import { setUserActive } from "@/server/services/users/set-user-active";
import {
  ADMITTED,
  IDENTITIES,
  listRouteHandlers,
  type Identity,
  type RouteHandlerEntry,
} from "@/server/testing/authorization-matrix";
import { createAdmin, createAnnotator, createReviewer } from "@/server/testing/fixtures";
import { serveOnLoopback, type LoopbackServer } from "@/server/testing/loopback-server";
import { refusingGeneration } from "@/server/testing/route-deps";
import { sessionHeaders, TEST_AUTH_SECRET } from "@/server/testing/session-cookie";
import type { ExportDownloadDeps } from "./export-download-route";
import type { HealthDeps } from "./health-route";
import { routeOf } from "./route-handler";
import type { GenerationDeps } from "./turn-stream-handler";

interface BadInput {
  what: string;
  /** The path after /api, with dynamic segments filled in. */
  path?: string;
  body?: string;
}

/** Bad requests per route, sent as an identity the route admits; null: the route takes no input. */
const BAD_INPUTS: Record<string, BadInput[] | null> = {
  "GET /api/health": null,
  "POST /api/generate": [
    { what: "an empty object", body: "{}" },
    { what: "a body that is not JSON", body: "{not json" },
    {
      what: "a campaign id that is not a uuid",
      body: JSON.stringify({ campaignId: "1", conversationId: null, message: "Hi" }),
    },
  ],
  "GET /api/generate/[turnId]": [{ what: "a turn id that is not a uuid", path: "/generate/not-a-turn" }],
  "POST /api/exports/download": [
    { what: "an empty object", body: "{}" },
    { what: "a body that is not JSON", body: "[1," },
    {
      what: "an unknown format",
      body: JSON.stringify({ id: crypto.randomUUID(), output: "file", options: { format: "csv" } }),
    },
  ],
  "GET /api/openapi.json": null,
  // The HTTP API (server/api/v1): its own test (v1/http-api.int.test.ts) covers tokens.
  "GET /api/v1/campaigns": [{ what: "a page size over 100", path: "/v1/campaigns?pageSize=101" }],
  "POST /api/v1/campaigns": [
    { what: "an empty object", body: "{}" },
    { what: "a body that is not JSON", body: "{not json" },
    { what: "an array", body: "[]" },
  ],
  "GET /api/v1/campaigns/[campaignId]": [
    { what: "a campaign id that is not a uuid", path: "/v1/campaigns/x" },
  ],
  "PUT /api/v1/campaigns/[campaignId]": [{ what: "an empty object", body: "{}" }],
  "POST /api/v1/campaigns/[campaignId]/status": [{ what: "an unknown action", body: '{"action":"explode"}' }],
  "POST /api/v1/campaigns/[campaignId]/variants": [{ what: "an empty object", body: "{}" }],
  "PUT /api/v1/campaigns/[campaignId]/variants/[variantId]": [{ what: "an empty object", body: "{}" }],
  "POST /api/v1/campaigns/[campaignId]/batches": [
    { what: "an overlong label", body: JSON.stringify({ label: "x".repeat(101) }) },
  ],
  "POST /api/v1/campaigns/[campaignId]/batches/close": [
    { what: "a campaign id that is not a uuid", path: "/v1/campaigns/x/batches/close" },
  ],
  "PUT /api/v1/campaigns/[campaignId]/members": [
    { what: "an unknown membership", body: '{"membership":"some"}' },
  ],
  "GET /api/v1/campaigns/[campaignId]/comparisons": [
    { what: "an unknown status", path: `/v1/campaigns/${crypto.randomUUID()}/comparisons?status=lost` },
  ],
  "GET /api/v1/campaigns/[campaignId]/comparisons/[comparisonId]": [
    {
      what: "a comparison id that is not a uuid",
      path: `/v1/campaigns/${crypto.randomUUID()}/comparisons/x`,
    },
  ],
  "POST /api/v1/campaigns/[campaignId]/comparisons/[comparisonId]/review": [
    { what: "an unknown decision", body: '{"decision":"maybe"}' },
  ],
  "GET /api/v1/campaigns/[campaignId]/leaderboard": [
    {
      what: "a batch id that is not a uuid",
      path: `/v1/campaigns/${crypto.randomUUID()}/leaderboard?batchId=1`,
    },
  ],
  "POST /api/v1/campaigns/[campaignId]/prompt-sets": [
    { what: "an empty object", body: "{}" },
    { what: "a body that is not JSON", body: "{not json" },
  ],
  "GET /api/v1/campaigns/[campaignId]/prompt-sets": [
    { what: "a campaign id that is not a uuid", path: "/v1/campaigns/x/prompt-sets" },
  ],
  "GET /api/v1/campaigns/[campaignId]/dashboard": [
    {
      what: "a batch id that is not a uuid",
      path: `/v1/campaigns/${crypto.randomUUID()}/dashboard?batchId=1`,
    },
  ],
  "POST /api/v1/campaigns/[campaignId]/exports": [{ what: "an unknown format", body: '{"output":"file"}' }],
  "GET /api/v1/campaigns/[campaignId]/exports/[id]": [
    { what: "an export id that is not a uuid", path: `/v1/campaigns/${crypto.randomUUID()}/exports/x` },
  ],
};

let database: Database;
let sessions: Record<Identity, Headers>;
let routes: { entry: RouteHandlerEntry; role: Access; server: LoopbackServer }[];

beforeAll(async () => {
  database = await createTestDb();
  const db = database.db;
  const admin = await createAdmin(db);
  const deactivated = await createAnnotator(db);
  await setUserActive(db, { userId: deactivated.user.id, isActive: false }, admin.actor);
  sessions = {
    anonymous: await sessionHeaders(null),
    deactivated: await sessionHeaders(deactivated.actor),
    annotator: await sessionHeaders((await createAnnotator(db)).actor),
    reviewer: await sessionHeaders((await createReviewer(db)).actor),
    admin: await sessionHeaders(admin.actor),
  };
  const deps: GenerationDeps & ExportDownloadDeps & HealthDeps = {
    db: async () => db,
    secret: TEST_AUTH_SECRET,
    // Nothing sent here gets past validation, so nothing generates or exports.
    generation: refusingGeneration,
    exportKey: () => Buffer.alloc(32),
    openDatabase: async () => database,
    inference: () => null,
    healthToken: undefined,
  };
  const entries = await listRouteHandlers(path.resolve(import.meta.dirname, "../../app/api"));
  routes = await Promise.all(
    entries.map(async (entry) => {
      const route = routeOf(entry.handler)!;
      const serve = route.serve(deps);
      // As Next.js does: the dynamic segment (the last one here) comes to the handler as a param.
      const server = await serveOnLoopback((request) => {
        const last = new URL(request.url).pathname.split("/").at(-1)!;
        const params = Object.fromEntries(Object.keys(entry.params).map((name) => [name, last]));
        return serve(request, { params: Promise.resolve(params) });
      });
      return { entry, role: route.role, server };
    }),
  );
});

afterAll(async () => {
  for (const { server } of routes ?? []) await server.close();
  await database?.close();
});

async function send(
  route: (typeof routes)[number],
  identity: Identity,
  request: { path?: string; body?: string } = {},
) {
  const headers = new Headers(sessions[identity]);
  const hasBody = route.entry.method !== "GET";
  if (hasBody) headers.set("content-type", "application/json");
  const target = request.path ? `/api${request.path}` : new URL(route.entry.url).pathname;
  const response = await fetch(`${route.server.url}${target}`, {
    method: route.entry.method,
    headers,
    body: hasBody ? (request.body ?? "{}") : undefined,
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // a stream or a file: not an error answer
  }
  return { status: response.status, body };
}

const errorShape = (code: string) => ({ error: { code, message: expect.stringMatching(/\S/) } });

describe("route handlers over HTTP", () => {
  it("lists bad input for every route handler under app/api", () => {
    expect(Object.keys(BAD_INPUTS).sort()).toEqual(routes.map(({ entry }) => entry.name).sort());
  });

  it("refuse anonymous and deactivated callers with 401, and roles below their own with 403", async () => {
    const refusals: string[] = [];
    for (const route of routes) {
      for (const identity of IDENTITIES) {
        const { status, body } = await send(route, identity);
        if (ADMITTED[route.role].includes(identity)) {
          if (status === 401 || status === 403)
            refusals.push(`${route.entry.name} refused ${identity}: ${status}`);
          continue;
        }
        const expected = identity === "anonymous" || identity === "deactivated" ? 401 : 403;
        if (status !== expected)
          refusals.push(`${route.entry.name} as ${identity}: ${status}, expected ${expected}`);
        else expect(body).toEqual(errorShape(expected === 401 ? "unauthorized" : "forbidden"));
      }
    }
    expect(refusals).toEqual([]);
  });

  it("refuse annotators and reviewers on the export download with 403", async () => {
    const download = routes.find(({ entry }) => entry.name === "POST /api/exports/download")!;
    for (const identity of ["annotator", "reviewer"] as const) {
      expect(await send(download, identity)).toEqual({ status: 403, body: errorShape("forbidden") });
    }
    expect(await send(download, "anonymous")).toEqual({ status: 401, body: errorShape("unauthorized") });
  });

  it("answer bad input with 400 in the one error shape", async () => {
    const answers: string[] = [];
    for (const route of routes) {
      const identity = ADMITTED[route.role].find((candidate) => candidate !== "anonymous") ?? "anonymous";
      for (const bad of BAD_INPUTS[route.entry.name] ?? []) {
        const { status, body } = await send(route, route.role === "admin" ? "admin" : identity, bad);
        const code = (body as { error?: { code?: string } }).error?.code;
        if (status !== 400 || (code !== "validation" && code !== "bad_request")) {
          answers.push(`${route.entry.name} with ${bad.what}: ${status} ${JSON.stringify(body)}`);
        }
      }
    }
    expect(answers).toEqual([]);
  });
});
