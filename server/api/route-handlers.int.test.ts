// The route handlers attacked over their real handlers and a real database: what the public
// health check gives away, bodies without a length (chunked) that would stream gigabytes into
// the server, and requests that are not JSON.
import { NextRequest } from "next/server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Database, Db } from "@/db/client";
import { createTestDb, testDatabaseKind } from "@/db/testing";
import type { SessionUser } from "@/server/auth/session-user";
import { inferenceHealth, type GenerationRuntime } from "@/server/generation/runtime";
import { createAdmin, createAnnotator } from "@/server/testing/fixtures";
import { sessionHeaders, TEST_AUTH_SECRET } from "@/server/testing/session-cookie";
import { GET as healthGet } from "@/app/api/health/route";
import { POST as authPost } from "@/app/api/auth/[...nextauth]/route";
import { KB, MB } from "./body-limit";
import { exportDownloadRoute } from "./export-download-route";
import { healthRoute, type HealthDeps } from "./health-route";
import { createTrpcHttpHandler } from "./http-handler";
import { createContext } from "./trpc";
import { startTurnRoute } from "./turn-stream-handler";

const DATABASE_KEY = Symbol.for("arbiter.database");
const GENERATION_KEY = Symbol.for("arbiter.generation");
const HEALTH_TOKEN = "operator-probe-token-0123456789abcdef";

let database: Database;
let db: Db;
let admin: SessionUser;
let annotator: SessionUser;

/** What a server would hold after its local model server died and INFERENCE_URL carries a key. */
const runtime = {
  defaultModel: {
    kind: "remote",
    baseUrl: "https://probe:inference-pass@models.internal/v1",
    model: "blind-b",
  },
  demoModelError: null,
  supervisor: {
    status: () => [
      {
        modelPath: "/srv/models/variant-a.gguf",
        modelName: "variant-a",
        state: "restarting",
        pid: 4242,
        url: "http://127.0.0.1:41234",
        restarts: 3,
        lastError:
          "The inference server for variant-a exited with code 1. Last output: loading | HF_TOKEN=hf_leakedsecret",
        readySince: null,
      },
    ],
  },
} as unknown as GenerationRuntime;

beforeAll(async () => {
  database = await createTestDb();
  db = database.db;
  admin = (await createAdmin(db)).actor;
  annotator = (await createAnnotator(db)).actor;
});

afterEach(() => {
  const holder = globalThis as Record<symbol, unknown>;
  delete holder[DATABASE_KEY];
  delete holder[GENERATION_KEY];
});

afterAll(async () => {
  await database?.close();
});

function healthDeps(overrides: Partial<HealthDeps> = {}): HealthDeps {
  return {
    db: async () => db,
    secret: TEST_AUTH_SECRET,
    openDatabase: async () => database,
    inference: () => inferenceHealth(runtime),
    healthToken: HEALTH_TOKEN,
    ...overrides,
  };
}

const SECRETS = ["inference-pass", "hf_leakedsecret", "probe:"];

describe("GET /api/health", () => {
  it("tells an anonymous caller the status and nothing else", async () => {
    // The route as the server serves it, with this test's database and runtime in its place.
    const holder = globalThis as Record<symbol, unknown>;
    holder[DATABASE_KEY] = Promise.resolve(database);
    holder[GENERATION_KEY] = runtime;
    const response = await healthGet(new Request("http://localhost/api/health"), {
      params: Promise.resolve({}),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("answers 503 with the status only when the database is down", async () => {
    const deps = healthDeps({
      openDatabase: () => Promise.reject(new Error("connect postgres://arbiter:db-pass@db:5432 refused")),
    });
    const response = await healthRoute.serve(deps)(new Request("http://localhost/api/health"));
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: "error" });
  });

  it("gives an annotator, or a wrong token, the status only", async () => {
    const serve = healthRoute.serve(healthDeps());
    const asAnnotator = await serve(
      new Request("http://localhost/api/health", { headers: await sessionHeaders(annotator) }),
    );
    expect(await asAnnotator.json()).toEqual({ status: "ok" });
    const wrongToken = await serve(
      new Request("http://localhost/api/health", { headers: { authorization: `Bearer ${HEALTH_TOKEN}x` } }),
    );
    expect(await wrongToken.json()).toEqual({ status: "ok" });
  });

  it("gives an admin the details an admin can act on, without credentials or process output", async () => {
    const response = await healthRoute.serve(healthDeps())(
      new Request("http://localhost/api/health", { headers: await sessionHeaders(admin) }),
    );
    expect(response.status).toBe(200);
    const text = await response.text();
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    expect(JSON.parse(text)).toMatchObject({
      status: "ok",
      database: { status: "ok", kind: testDatabaseKind() },
      inference: {
        status: "error",
        defaultModel: { kind: "remote", url: "https://models.internal/v1", model: "blind-b" },
        servers: [
          {
            modelName: "variant-a",
            state: "restarting",
            pid: 4242,
            lastError: expect.stringMatching(
              /^The inference server for variant-a exited with code 1\. .*server log/,
            ),
          },
        ],
      },
    });
  });

  it("gives the operator's token the details, and a database error without its password", async () => {
    const deps = healthDeps({
      openDatabase: () => Promise.reject(new Error("connect postgres://arbiter:db-pass@db:5432 refused")),
    });
    const response = await healthRoute.serve(deps)(
      new Request("http://localhost/api/health", { headers: { authorization: `Bearer ${HEALTH_TOKEN}` } }),
    );
    expect(response.status).toBe(503);
    const body = (await response.json()) as { database: { error: string }; inference: unknown };
    expect(body.database.error).toBe("connect postgres://db:5432 refused");
    expect(body.inference).toBeDefined();
  });
});

/** A body of `total` bytes with no Content-Length (chunked), counting what the server pulls. */
function chunkedBody(total = 8 * MB, chunkBytes = 16 * KB) {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled >= total) return controller.close();
      pulled += chunkBytes;
      controller.enqueue(new Uint8Array(chunkBytes).fill(0x20)); // spaces: valid JSON padding
    },
  });
  return { stream, pulled: () => pulled, chunkBytes };
}

async function chunkedPost(url: string, user: SessionUser | null) {
  const body = chunkedBody();
  const headers = await sessionHeaders(user, { "content-type": "application/json" });
  const request = new Request(url, {
    method: "POST",
    headers,
    body: body.stream,
    duplex: "half",
  } as RequestInit);
  expect(request.headers.has("content-length")).toBe(false);
  return { request, body };
}

/** Refused with 413 having read no more than the limit and the chunks in flight. */
async function expectRefusedEarly(response: Response, body: ReturnType<typeof chunkedBody>, limit: number) {
  expect(response.status).toBe(413);
  expect(body.pulled()).toBeLessThanOrEqual(limit + 2 * body.chunkBytes);
  return (await response.json()) as { error: unknown };
}

describe("a chunked body of 8 MB", () => {
  it("is refused by tRPC after about 1 MB", async () => {
    const handle = createTrpcHttpHandler((request) => createContext(db, request.headers, TEST_AUTH_SECRET));
    const { request, body } = await chunkedPost("http://localhost/api/trpc/users.invite", admin);
    await expectRefusedEarly(await handle(request), body, MB);
  });

  it("is refused by POST /api/generate after about 256 KB", async () => {
    const serve = startTurnRoute.serve({
      db: async () => db,
      secret: TEST_AUTH_SECRET,
      generation: () => {
        throw new Error("a refused request does not generate");
      },
    });
    const { request, body } = await chunkedPost("http://localhost/api/generate", annotator);
    const answer = await expectRefusedEarly(await serve(request), body, 256 * KB);
    expect(answer).toEqual({
      error: { code: "payload_too_large", message: expect.stringMatching(/256 KB/) },
    });
  });

  it("is refused by POST /api/exports/download after about 64 KB", async () => {
    const serve = exportDownloadRoute.serve({
      db: async () => db,
      secret: TEST_AUTH_SECRET,
      exportKey: () => Buffer.alloc(32),
    });
    const { request, body } = await chunkedPost("http://localhost/api/exports/download", admin);
    await expectRefusedEarly(await serve(request), body, 64 * KB);
  });

  it("is refused by the sign-in callback after about 64 KB", async () => {
    const body = chunkedBody();
    // As Next.js calls it: a NextRequest (next-auth reads its nextUrl), and the catch-all params.
    const request = new NextRequest("http://localhost/api/auth/callback/credentials", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: body.stream,
      duplex: "half",
    } as ConstructorParameters<typeof NextRequest>[1]);
    const response = await authPost(request, {
      params: Promise.resolve({ nextauth: ["callback", "credentials"] }),
    });
    await expectRefusedEarly(response, body, 64 * KB);
  });
});

describe("POST /api/exports/download", () => {
  it("refuses a body that is not JSON with 415", async () => {
    const serve = exportDownloadRoute.serve({
      db: async () => db,
      secret: TEST_AUTH_SECRET,
      exportKey: () => Buffer.alloc(32),
    });
    const response = await serve(
      new Request("http://localhost/api/exports/download", {
        method: "POST",
        headers: await sessionHeaders(admin, { "content-type": "text/plain" }),
        body: JSON.stringify({ id: crypto.randomUUID(), output: "file", options: {} }),
      }),
    );
    expect(response.status).toBe(415);
    expect(await response.json()).toEqual({
      error: { code: "unsupported_media_type", message: expect.stringContaining("application/json") },
    });
  });
});
