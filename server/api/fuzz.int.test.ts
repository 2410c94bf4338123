// The fuzz test of every public input: each procedure of the root router, through the real tRPC
// HTTP handler, and each route handler under app/api, served with this test's database, gets
// random, oversized, deeply nested and malformed requests (chunked too) as anonymous, an annotator
// and an admin. No request may get a 5xx, every error keeps its one error shape, a body over 1 MB
// is refused with 413, and the heap does not grow with the number of requests.
// The seed is fixed; FUZZ_SEED=<seed> replays another run, FUZZ_SEED=random explores a new one
// (the seed is printed at the start, and in every failure).
import crypto from "node:crypto";
import path from "node:path";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import type { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { createTestDb } from "@/db/testing";
import type { SessionUser } from "@/server/auth/session-user";
import { createCampaign } from "@/server/services/campaigns/create-campaign";
import { StartTurnInput } from "@/server/services/annotation/start-turn";
import { DownloadExportInput } from "@/server/services/exports/download-export";
import { TEST_EXPORT_KEY } from "@/server/testing/export-readback";
import {
  listProcedures,
  listRouteHandlers,
  type RouteHandlerEntry,
} from "@/server/testing/authorization-matrix";
import { createAdmin, createAnnotator } from "@/server/testing/fixtures";
import {
  fuzzSeed,
  Fuzzer,
  routeRequest,
  toRequest,
  trpcRequest,
  type FuzzRequest,
} from "@/server/testing/fuzz";
import { sessionHeaders, TEST_AUTH_SECRET } from "@/server/testing/session-cookie";
import { createTrpcHttpHandler, MAX_BODY_BYTES, TRPC_ENDPOINT } from "./http-handler";
import { appRouter } from "./root";
import { routeOf } from "./route-handler";
import { serverRouteDeps } from "./server-route-deps";
import type { ApiRoute } from "./v1/api-route";
import { createContext } from "./trpc";

// Test tooling, not app code: the seed to replay is the one input of this test.
const seed = fuzzSeed(process.env.FUZZ_SEED);
console.log(`fuzz seed ${seed} (replay with FUZZ_SEED=${seed})`);

/** Requests per procedure for each identity: admins get past the role check, so most go there. */
const REQUESTS = { anonymous: 6, annotator: 10, admin: 24 } as const;
type Identity = keyof typeof REQUESTS;

/** Requests per route handler for each identity. */
const ROUTE_REQUESTS: Record<Identity, number> = { anonymous: 10, annotator: 20, admin: 20 };

/** The input each route's service validates, so generated bodies get past the first check (the
 * HTTP API's routes carry theirs in their definition). */
const ROUTE_INPUTS: Record<string, z.ZodType> = {
  "POST /api/generate": StartTurnInput,
  "POST /api/exports/download": DownloadExportInput,
};

/** The heap may settle higher than it started (caches, compiled code), but not by the payloads sent. */
const HEAP_GROWTH_LIMIT = 64 * 1024 * 1024;

/** Answers given before the body is read, so an oversized body needs no 413 to be harmless. */
const REFUSED_UNREAD = [401, 403, 404, 405, 415];

let database: Database;
let handle: (request: Request) => Promise<Response>;
let users: Record<Identity, SessionUser | null>;
let fuzzer: Fuzzer;
let heapBefore: number;
let routeHandlers: RouteHandlerEntry[];
let routeDeps: typeof serverRouteDeps;

/** A full collection, so heap figures compare live objects rather than garbage. */
function collectGarbage(): () => void {
  v8.setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}
const gc = collectGarbage();

function liveHeap() {
  gc();
  return process.memoryUsage().heapUsed;
}

beforeAll(async () => {
  database = await createTestDb();
  const admin = await createAdmin(database.db);
  const annotator = await createAnnotator(database.db);
  const campaign = await createCampaign(
    database.db,
    { name: "Fuzzed", kind: "helpfulness", membership: "all" },
    admin.actor,
  );
  users = { anonymous: null, annotator: annotator.actor, admin: admin.actor };
  fuzzer = new Fuzzer(seed, [admin.user.id, annotator.user.id, campaign.id]);
  handle = createTrpcHttpHandler((request) => createContext(database.db, request.headers, TEST_AUTH_SECRET));
  // The server's own dependencies (its generation runtime included) but the test's database and
  // secrets: nothing here is generated, because no fuzzed prompt reaches a campaign with variants.
  routeDeps = {
    ...serverRouteDeps,
    db: async () => database.db,
    secret: TEST_AUTH_SECRET,
    exportKey: () => TEST_EXPORT_KEY,
    openDatabase: async () => database,
    healthToken: crypto.randomBytes(16).toString("hex"),
  };
  routeHandlers = await listRouteHandlers(path.resolve(import.meta.dirname, "../../app/api"));
  heapBefore = liveHeap();
});

afterAll(async () => {
  await database?.close();
});

interface TrpcError {
  message?: unknown;
  data?: { code?: unknown; httpStatus?: unknown };
}

/** Problems with a tRPC error body: superjson wraps each error in { json }, a batch has one per call. */
function trpcErrorProblems(body: unknown, status: number): string[] {
  const problems: string[] = [];
  const envelopes = (Array.isArray(body) ? body : [body]) as { error?: TrpcError | { json: TrpcError } }[];
  for (const envelope of envelopes) {
    if (status !== 207 && !envelope?.error)
      problems.push(`no error in ${JSON.stringify(body).slice(0, 200)}`);
    if (!envelope?.error) continue;
    const error = "json" in envelope.error ? envelope.error.json : envelope.error;
    if (typeof error.message !== "string" || error.message.length === 0) {
      problems.push(`error without a message: ${JSON.stringify(error).slice(0, 200)}`);
    }
    if (typeof error.data?.code !== "string" || typeof error.data.httpStatus !== "number") {
      problems.push(`error without data.code and data.httpStatus: ${JSON.stringify(error).slice(0, 200)}`);
    }
    if (typeof error.data?.httpStatus === "number" && error.data.httpStatus >= 500) {
      problems.push(
        `error ${error.data.code as string} (${error.data.httpStatus}): ${String(error.message)}`,
      );
    }
  }
  return problems;
}

/** Problems with a route handler's error body: { error: { code, message } } (server/api/route-handler.ts). */
function routeErrorProblems(body: unknown): string[] {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  const isShaped =
    typeof error?.code === "string" && typeof error.message === "string" && error.message !== "";
  return isShaped
    ? []
    : [`error body is not { error: { code, message } }: ${JSON.stringify(body).slice(0, 200)}`];
}

/** What is wrong with one response; empty when it is an acceptable answer to a hostile request. */
async function problemsWith(
  request: FuzzRequest,
  response: Response,
  shape: "trpc" | "route",
  bodyLimit = MAX_BODY_BYTES,
) {
  const problems: string[] = [];
  const sent = request.body === undefined ? 0 : Buffer.byteLength(request.body);
  if (sent > bodyLimit && !REFUSED_UNREAD.includes(response.status) && response.status !== 413) {
    problems.push(`a ${sent}-byte body got ${response.status} instead of 413`);
  }
  if (response.status < 400 && response.status !== 207) {
    // A success may be a stream that lasts as long as a generation or an export: not read.
    await response.body?.cancel();
    return problems;
  }
  const text = await response.text();
  if (response.status >= 500) problems.push(`status ${response.status}: ${text.slice(0, 300)}`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return [...problems, `error body is not JSON: ${text.slice(0, 200)}`];
  }
  return [
    ...problems,
    ...(shape === "trpc" ? trpcErrorProblems(body, response.status) : routeErrorProblems(body)),
  ];
}

async function send(request: FuzzRequest, user: SessionUser | null) {
  const headers = await sessionHeaders(user, request.headers);
  const response = await handle(toRequest({ ...request, headers: Object.fromEntries(headers) }));
  return problemsWith(request, response, "trpc");
}

const procedures = listProcedures(appRouter);
const inputSchemas = appRouter._def.procedures as unknown as Record<
  string,
  { _def: { inputs: z.ZodType[] } }
>;

describe(`fuzzing every public input (seed ${seed})`, () => {
  it.each(procedures)("$path answers hostile requests without a server error", async (procedure) => {
    const [schema] = inputSchemas[procedure.path]._def.inputs;
    const problems: string[] = [];
    const procedureFuzzer = fuzzer.fork(procedure.path);
    for (const identity of Object.keys(REQUESTS) as Identity[]) {
      for (let attempt = 0; attempt < REQUESTS[identity]; attempt++) {
        const request = trpcRequest(procedureFuzzer, TRPC_ENDPOINT, procedure, schema);
        for (const problem of await send(request, users[identity])) {
          problems.push(`${identity} ${request.label}: ${problem}`);
        }
      }
    }
    expect(problems, `seed ${seed}`).toEqual([]);
  });

  it("answers procedure names that are not procedures", async () => {
    const problems: string[] = [];
    for (const path of [
      "__proto__",
      "constructor",
      "toString",
      "users.__proto__",
      "users",
      "",
      ".",
      "a".repeat(5000),
    ]) {
      for (const method of ["GET", "POST"]) {
        const request: FuzzRequest = {
          label: `${method} ${path.slice(0, 20)}`,
          method,
          url: `http://localhost${TRPC_ENDPOINT}/${path}`,
          headers: { "content-type": "application/json" },
          body: method === "POST" ? '{"json":{}}' : undefined,
        };
        problems.push(...(await send(request, users.admin)).map((problem) => `${request.label}: ${problem}`));
      }
    }
    expect(problems).toEqual([]);
  });

  it("serves every route handler under app/api", () => {
    expect(routeHandlers.map((entry) => entry.name)).toEqual(
      expect.arrayContaining(["GET /api/health", "POST /api/generate", "GET /api/generate/[turnId]"]),
    );
  });

  it("answers hostile requests to the route handlers without a server error", async () => {
    const problems: string[] = [];
    for (const entry of routeHandlers) {
      const route = routeOf(entry.handler);
      if (!route) {
        problems.push(`${entry.name} is not built with defineRoute, so it has no test seam to fuzz`);
        continue;
      }
      const serve = route.serve(routeDeps);
      // An upload route (a prompt set's files) declares a larger limit than the 1 MB of the rest.
      const bodyLimit = (route as Partial<ApiRoute>).operation?.bodyLimit ?? MAX_BODY_BYTES;
      const routeFuzzer = fuzzer.fork(entry.name);
      for (const identity of Object.keys(ROUTE_REQUESTS) as Identity[]) {
        for (let attempt = 0; attempt < ROUTE_REQUESTS[identity]; attempt++) {
          const schema = ROUTE_INPUTS[entry.name] ?? (route as Partial<ApiRoute>).operation?.input;
          const { request, params } = routeRequest(routeFuzzer, entry, schema);
          const headers = await sessionHeaders(users[identity], request.headers);
          const response = await serve(toRequest({ ...request, headers: Object.fromEntries(headers) }), {
            params: Promise.resolve(params),
          });
          for (const problem of await problemsWith(request, response, "route", bodyLimit)) {
            problems.push(`${entry.name} as ${identity}, ${request.label}: ${problem}`);
          }
        }
      }
    }
    expect(problems, `seed ${seed}`).toEqual([]);
  });

  it("leaves Object.prototype alone", () => {
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("still serves a valid call afterwards, with the heap back near where it started", async () => {
    const headers = await sessionHeaders(users.admin);
    const response = await handle(new Request(`http://localhost${TRPC_ENDPOINT}/account.me`, { headers }));
    expect(response.status).toBe(200);
    expect(await response.text()).toContain(users.admin?.email);
    const growth = liveHeap() - heapBefore;
    expect(growth, `the heap grew by ${Math.round(growth / 1024 / 1024)} MB`).toBeLessThan(HEAP_GROWTH_LIMIT);
  });
});
