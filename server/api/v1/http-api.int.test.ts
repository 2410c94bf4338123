// The HTTP API over a real HTTP server on 127.0.0.1, every route found in app/api/v1 and served
// with its path parameters as Next.js passes them: the authorization matrix extended to API
// tokens (role of the owner, scope, campaign, revoked and expired tokens), the API driving a
// campaign from creation to export, the OpenAPI document (valid, and the same routes as app/api/v1),
// and tokens refused everywhere else (tRPC, other route handlers, the pages' session reader).
import path from "node:path";
import SwaggerParser from "@apidevtools/swagger-parser";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, Db } from "@/db/client";
import { createTestDb } from "@/db/testing";
import { apiTokens, auditLog } from "@/db/schema";
import type { ApiTokenScope } from "@/lib/constants";
import { getUserFromHeaders } from "@/server/auth/request-user";
import type { SessionUser } from "@/server/auth/session-user";
import { createApiToken } from "@/server/services/api-tokens/create-api-token";
import { listMyApiTokens } from "@/server/services/api-tokens/list-api-tokens";
import { revokeApiToken } from "@/server/services/api-tokens/revoke-api-token";
import { createCampaign } from "@/server/services/campaigns/create-campaign";
import { listRouteHandlers, type RouteHandlerEntry } from "@/server/testing/authorization-matrix";
import { createTestCampaign, createTestDialogue } from "@/server/testing/annotation-history";
import { createAdmin, createAnnotator, createReviewer } from "@/server/testing/fixtures";
import { serveOnLoopback, type LoopbackServer } from "@/server/testing/loopback-server";
import { sessionHeaders, TEST_AUTH_SECRET } from "@/server/testing/session-cookie";
import { testHttpHandler } from "@/server/testing/test-db";
import type { ExportDownloadDeps } from "../export-download-route";
import { routeOf } from "../route-handler";
import type { ApiRoute } from "./api-route";

const API_DIR = path.resolve(import.meta.dirname, "../../../app/api");

/** Role and scope of every route, written out so that a change to either shows up here. */
const DECLARED: Record<string, string> = {
  "GET /api/v1/campaigns": "admin read",
  "POST /api/v1/campaigns": "admin admin",
  "GET /api/v1/campaigns/{campaignId}": "admin read",
  "PUT /api/v1/campaigns/{campaignId}": "admin admin",
  "POST /api/v1/campaigns/{campaignId}/status": "admin admin",
  "POST /api/v1/campaigns/{campaignId}/variants": "admin admin",
  "PUT /api/v1/campaigns/{campaignId}/variants/{variantId}": "admin admin",
  "POST /api/v1/campaigns/{campaignId}/batches": "admin admin",
  "POST /api/v1/campaigns/{campaignId}/batches/close": "admin admin",
  "PUT /api/v1/campaigns/{campaignId}/members": "admin admin",
  "GET /api/v1/campaigns/{campaignId}/comparisons": "reviewer read",
  "GET /api/v1/campaigns/{campaignId}/comparisons/{comparisonId}": "annotator read",
  "POST /api/v1/campaigns/{campaignId}/comparisons/{comparisonId}/review": "reviewer annotate",
  "GET /api/v1/campaigns/{campaignId}/leaderboard": "admin read",
  "GET /api/v1/campaigns/{campaignId}/dashboard": "admin read",
  "POST /api/v1/campaigns/{campaignId}/exports": "admin read",
  "GET /api/v1/campaigns/{campaignId}/exports/{id}": "admin read",
  "POST /api/v1/campaigns/{campaignId}/prompt-sets": "admin admin",
  "GET /api/v1/campaigns/{campaignId}/prompt-sets": "admin read",
};

type Owner = "annotator" | "reviewer" | "admin";
interface TokenCase {
  owner: Owner;
  scope: ApiTokenScope;
  /** "A": limited to campaign A. */
  campaign: "A" | null;
}

const TOKEN_CASES: Record<string, TokenCase> = {
  "admin, admin scope": { owner: "admin", scope: "admin", campaign: null },
  "admin, read scope": { owner: "admin", scope: "read", campaign: null },
  "admin, annotate scope": { owner: "admin", scope: "annotate", campaign: null },
  "admin, admin scope, campaign A": { owner: "admin", scope: "admin", campaign: "A" },
  "reviewer, read scope": { owner: "reviewer", scope: "read", campaign: null },
  "reviewer, annotate scope, campaign A": { owner: "reviewer", scope: "annotate", campaign: "A" },
  "annotator, annotate scope": { owner: "annotator", scope: "annotate", campaign: null },
};

const RANK = { annotator: 1, reviewer: 2, admin: 3, read: 1, annotate: 2 } as const;

/** Who gets in, from the rules in SECURITY.md rather than from the code under test. */
function expectedStatus(declared: string, token: TokenCase, target: "A" | "B", hasCampaign: boolean) {
  const [role, scope] = declared.split(" ") as [Owner, ApiTokenScope];
  if (RANK[token.owner] < RANK[role]) return 403;
  if (RANK[token.scope] < RANK[scope]) return 403;
  if (token.campaign && (!hasCampaign || token.campaign !== target)) return 403;
  return "admitted";
}

let database: Database;
let db: Db;
let server: LoopbackServer;
let trpcServer: LoopbackServer;
let entries: RouteHandlerEntry[];
let people: Record<Owner, SessionUser>;
let campaignIds: Record<"A" | "B", string>;
let secrets: Record<string, string>;

/** "GET /api/v1/campaigns/[campaignId]" → the OpenAPI key "GET /api/v1/campaigns/{campaignId}". */
const openApiName = (entry: RouteHandlerEntry) => entry.name.replace(/\[(\w+)\]/g, "{$1}");

/** Serves the route files as Next.js does: the request's path picks the file and fills its params. */
function dispatch(deps: ExportDownloadDeps) {
  const served = entries.map((entry) => {
    const names: string[] = [];
    const pattern = entry.name.split(" ")[1].replace(/\[(\w+)\]/g, (_, name: string) => {
      names.push(name);
      return "([^/]+)";
    });
    return { entry, names, pattern: new RegExp(`^${pattern}$`), serve: routeOf(entry.handler)!.serve(deps) };
  });
  return async (request: Request) => {
    const { pathname } = new URL(request.url);
    for (const { entry, names, pattern, serve } of served) {
      const match = pattern.exec(pathname);
      if (!match || entry.method !== request.method) continue;
      const params = Object.fromEntries(
        names.map((name, index) => [name, decodeURIComponent(match[index + 1])]),
      );
      return serve(request, { params: Promise.resolve(params) });
    }
    return new Response("no such route", { status: 404 });
  };
}

beforeAll(async () => {
  database = await createTestDb();
  db = database.db;
  people = {
    admin: (await createAdmin(db)).actor,
    reviewer: (await createReviewer(db)).actor,
    annotator: (await createAnnotator(db)).actor,
  };
  const stamp = Date.now();
  campaignIds = {
    A: (await createCampaign(db, { name: `API A ${stamp}`, kind: "helpfulness" }, people.admin)).id,
    B: (await createCampaign(db, { name: `API B ${stamp}`, kind: "helpfulness" }, people.admin)).id,
  };
  secrets = {};
  for (const [name, token] of Object.entries(TOKEN_CASES)) {
    const created = await createApiToken(
      db,
      { name, scope: token.scope, campaignId: token.campaign ? campaignIds[token.campaign] : null },
      people[token.owner],
      "personal",
    );
    secrets[name] = created.secret;
  }
  entries = (await listRouteHandlers(API_DIR)).filter(
    ({ name }) => name.includes(" /api/v1/") || name.endsWith(" /api/openapi.json"),
  );
  server = await serveOnLoopback(
    dispatch({ db: async () => db, secret: TEST_AUTH_SECRET, exportKey: () => Buffer.alloc(32, 7) }),
  );
  trpcServer = await serveOnLoopback(testHttpHandler(db));
});

afterAll(async () => {
  await server?.close();
  await trpcServer?.close();
  await database?.close();
});

const apiEntries = () => entries.filter(({ name }) => name.includes(" /api/v1/"));

function fill(openApiPath: string, campaignId: string) {
  return openApiPath.replace("{campaignId}", campaignId).replace(/\{\w+\}/g, () => crypto.randomUUID());
}

async function call(
  method: string,
  target: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const headers = new Headers(options.headers);
  if (options.token) headers.set("authorization", `Bearer ${options.token}`);
  if (options.body !== undefined && !headers.has("content-type"))
    headers.set("content-type", "application/json");
  const response = await fetch(`${server.url}${target}`, {
    method,
    headers,
    body:
      options.body === undefined
        ? undefined
        : typeof options.body === "string"
          ? options.body
          : JSON.stringify(options.body),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // a file, not JSON
  }
  return { status: response.status, headers: response.headers, body: body as never };
}

const errorShape = (code: string) => ({ error: { code, message: expect.stringMatching(/\S/) } });

describe("the HTTP API's routes", () => {
  it("declare the role and token scope written out here", () => {
    const declared = Object.fromEntries(
      apiEntries().map((entry) => {
        const { operation } = routeOf(entry.handler) as ApiRoute;
        expect(`${operation.method} ${operation.path}`).toBe(openApiName(entry));
        return [openApiName(entry), `${operation.role} ${operation.scope}`];
      }),
    );
    expect(declared).toEqual(DECLARED);
  });

  it("admit each token exactly as its owner's role, its scope and its campaign allow", async () => {
    const wrong: string[] = [];
    for (const entry of apiEntries()) {
      const route = openApiName(entry);
      const [method, openApiPath] = route.split(" ");
      const hasCampaign = openApiPath.includes("{campaignId}");
      for (const [tokenName, token] of Object.entries(TOKEN_CASES)) {
        for (const target of hasCampaign ? (["A", "B"] as const) : (["A"] as const)) {
          const { status, body } = await call(method, fill(openApiPath, campaignIds[target]), {
            token: secrets[tokenName],
            // An empty body: admitted calls stop at validation (or run harmlessly), refused ones never get there.
            body: method === "GET" ? undefined : {},
          });
          const expected = expectedStatus(DECLARED[route], token, target, hasCampaign);
          const got = status === 401 || status === 403 ? status : "admitted";
          if (got !== expected)
            wrong.push(`${route} on ${target} with "${tokenName}": ${status}, expected ${expected}`);
          else if (got === 403) expect(body).toEqual(errorShape("forbidden"));
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it("refuse calls without a token, or with an unknown, revoked or expired token, with 401", async () => {
    const revoked = await createApiToken(db, { name: "revoked", scope: "admin" }, people.admin, "personal");
    await revokeApiToken(db, { tokenId: revoked.id }, people.admin);
    const expired = await createApiToken(db, { name: "expired", scope: "admin" }, people.admin, "personal");
    await db
      .update(apiTokens)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(apiTokens.id, expired.id));
    const cases = {
      "no token": { token: undefined, message: /Sign in/ },
      "an unknown token": { token: "arb_0000000000000000000000000000000000000000000", message: /not valid/ },
      "a revoked token": { token: revoked.secret, message: /revoked/ },
      "an expired token": { token: expired.secret, message: /expired/ },
    };
    for (const entry of apiEntries()) {
      const [method, openApiPath] = openApiName(entry).split(" ");
      for (const [what, { token, message }] of Object.entries(cases)) {
        const { status, body } = await call(method, fill(openApiPath, campaignIds.A), {
          token,
          body: method === "GET" ? undefined : {},
        });
        expect({ route: entry.name, what, status }).toEqual({ route: entry.name, what, status: 401 });
        expect((body as { error: { message: string } }).error.message).toMatch(message);
      }
    }
  });

  it("take the owner's current role: a demoted admin's admin token is refused", async () => {
    const admin = await createAdmin(db);
    const { secret } = await createApiToken(db, { name: "demoted", scope: "admin" }, admin.actor, "personal");
    expect((await call("GET", "/api/v1/campaigns", { token: secret })).status).toBe(200);
    const { changeUserRole } = await import("@/server/services/users/change-user-role");
    await changeUserRole(db, { userId: admin.user.id, role: "annotator" }, people.admin);
    expect(await call("GET", "/api/v1/campaigns", { token: secret })).toMatchObject({ status: 403 });
  });

  it("still admit a signed-in browser session (the same user's cookie, no token)", async () => {
    const headers = Object.fromEntries(await sessionHeaders(people.admin));
    const { status } = await call("GET", `/api/v1/campaigns/${campaignIds.A}`, { headers });
    expect(status).toBe(200);
  });
});

describe("driving a campaign through the API", () => {
  it("creates, configures, opens, closes and exports a campaign with an admin token", async () => {
    const { secret: token } = await createApiToken(
      db,
      { name: "pipeline", scope: "admin" },
      people.admin,
      "service",
    );
    const created = await call("POST", "/api/v1/campaigns", {
      token,
      body: { name: `Checkpoint ${Date.now()}`, kind: "helpfulness", guidelines: "Pick the better answer." },
    });
    expect(created.status).toBe(201);
    const campaign = created.body as { id: string; name: string; status: string };
    expect(campaign.status).toBe("draft");
    // Audited under the token's owner, naming the token.
    const [audited] = await db.select().from(auditLog).where(eq(auditLog.targetId, campaign.id));
    expect(audited).toMatchObject({ action: "campaign.created", actorId: people.admin.id });
    expect(audited.details).toMatchObject({ apiToken: expect.stringMatching(/^pipeline \(arb_.{8}…\)$/) });
    const base = `/api/v1/campaigns/${campaign.id}`;

    const updated = await call("PUT", base, {
      token,
      body: { name: campaign.name, kind: "helpfulness", description: "From a script", maxTurns: 3 },
    });
    expect(updated).toMatchObject({ status: 200, body: { description: "From a script", maxTurns: 3 } });

    const variantIds: string[] = [];
    for (const name of ["base", "candidate"]) {
      const variant = await call("POST", `${base}/variants`, {
        token,
        body: { name, endpointKind: "openai", baseUrl: "http://127.0.0.1:9/v1", model: name },
      });
      expect(variant.status).toBe(201);
      variantIds.push((variant.body as { id: string }).id);
    }
    const edited = await call("PUT", `${base}/variants/${variantIds[1]}`, {
      token,
      body: {
        name: "candidate",
        endpointKind: "openai",
        baseUrl: "http://127.0.0.1:9/v1",
        model: "candidate",
        version: "v2",
      },
    });
    expect(edited.status).toBe(200);
    // A variant of another campaign, reached through this campaign's path, is not found.
    const elsewhere = await call("POST", `/api/v1/campaigns/${campaignIds.B}/variants`, {
      token,
      body: { name: "other", endpointKind: "openai", baseUrl: "http://127.0.0.1:9/v1", model: "o" },
    });
    const foreign = await call("PUT", `${base}/variants/${(elsewhere.body as { id: string }).id}`, {
      token,
      body: { name: "hijacked", endpointKind: "openai", baseUrl: "http://127.0.0.1:9/v1", model: "o" },
    });
    expect(foreign).toEqual({ status: 404, headers: expect.anything(), body: errorShape("not_found") });

    const members = await call("PUT", `${base}/members`, { token, body: { membership: "all" } });
    expect(members.status).toBe(200);
    const opened = await call("POST", `${base}/batches`, { token, body: { label: "ckpt-1" } });
    expect(opened).toMatchObject({ status: 201, body: { batch: { number: 1, status: "open" } } });
    const overview = await call("GET", base, { token });
    expect(overview.body).toMatchObject({
      campaign: { status: "active" },
      batches: [{ number: 1, label: "ckpt-1" }],
    });
    expect((await call("POST", `${base}/status`, { token, body: { action: "pause" } })).body).toMatchObject({
      status: "paused",
    });
    const closed = await call("POST", `${base}/batches/close`, { token, body: {} });
    expect(closed).toMatchObject({ status: 200, body: { number: 1, status: "closed" } });

    const comparisons = await call("GET", `${base}/comparisons?status=pending&page=2&pageSize=5`, { token });
    expect(comparisons).toMatchObject({ status: 200, body: { items: [], page: 2, pageSize: 5, total: 0 } });
    expect((await call("GET", `${base}/leaderboard`, { token })).status).toBe(200);
    expect((await call("GET", `${base}/dashboard`, { token })).status).toBe(200);

    const exportId = crypto.randomUUID();
    const exported = await call("POST", `${base}/exports`, {
      token,
      body: { id: exportId, output: "jsonl", options: { format: "raw" } },
    });
    expect(exported.status).toBe(200);
    expect(exported.headers.get("x-export-id")).toBe(exportId);
    expect(exported.headers.get("content-type")).toBe("application/x-ndjson");
    const progress = await call("GET", `${base}/exports/${exportId}`, { token });
    expect(progress).toMatchObject({
      status: 200,
      body: { id: exportId, status: "completed", options: { campaigns: [campaign.name] } },
    });
    // Another campaign's path does not show this export.
    const otherPath = await call("GET", `/api/v1/campaigns/${campaignIds.B}/exports/${exportId}`, { token });
    expect(otherPath.status).toBe(404);

    const listed = await listMyApiTokens(db, { pageSize: 100 }, people.admin);
    expect(listed.items.find((item) => item.name === "pipeline")?.lastUsedAt).toBeInstanceOf(Date);
  });

  it("answers bad input with 400, a non-JSON body with 415 and an oversized one with 413, in the one shape", async () => {
    const token = secrets["admin, admin scope"];
    expect(await call("GET", "/api/v1/campaigns?pageSize=1000", { token })).toMatchObject({
      status: 400,
      body: errorShape("validation"),
    });
    expect(await call("GET", "/api/v1/campaigns/not-a-campaign", { token })).toMatchObject({
      status: 400,
      body: errorShape("validation"),
    });
    expect(await call("POST", "/api/v1/campaigns", { token, body: "[1, 2]" })).toMatchObject({
      status: 400,
      body: errorShape("validation"),
    });
    expect(
      await call("POST", "/api/v1/campaigns", {
        token,
        body: "name=x",
        headers: { "content-type": "text/plain" },
      }),
    ).toMatchObject({ status: 415, body: errorShape("unsupported_media_type") });
    expect(
      await call("POST", "/api/v1/campaigns", {
        token,
        body: { name: "big", kind: "helpfulness", guidelines: "x".repeat(300 * 1024) },
      }),
    ).toMatchObject({ status: 413, body: errorShape("payload_too_large") });
  });
});

describe("prompt sets through the API", () => {
  it("imports a set from a pipeline's file (larger than other bodies may be) and reports its progress", async () => {
    const token = secrets["admin, admin scope, campaign A"];
    const base = `/api/v1/campaigns/${campaignIds.A}/prompt-sets`;
    // 400 KB of prompts: over the 256 KB other API bodies may have, well within an import's.
    const lines = Array.from({ length: 400 }, (_, index) =>
      JSON.stringify({ prompt: `${index} ${"x".repeat(1000)}` }),
    );
    const imported = await call("POST", base, {
      token,
      body: {
        name: `nightly ${Date.now()}`,
        format: "jsonl",
        files: [{ name: "prompts.jsonl", contentBase64: Buffer.from(lines.join("\n")).toString("base64") }],
        annotatorsPerPrompt: 3,
      },
    });
    expect(imported).toMatchObject({ status: 201, body: { itemCount: 400, annotatorsPerPrompt: 3 } });
    const listed = await call("GET", base, { token });
    expect(listed.status).toBe(200);
    expect(listed.body).toContainEqual(
      expect.objectContaining({ prompts: 400, servings: 1200, served: 0, inProgress: 0 }),
    );
  });
});

describe("reviewing through the API", () => {
  it("lets a reviewer's annotate token review a comparison of its campaign, and nothing else", async () => {
    const annotator = await createAnnotator(db);
    const setup = await createTestCampaign(db, { variants: 2 });
    const other = await createTestCampaign(db, { variants: 2 });
    const [comparison, foreign] = await Promise.all(
      [setup, other].map(async (campaign) => {
        const dialogue = await createTestDialogue(db, campaign, annotator.user.id, [
          { user: "Which is better?", responses: ["one", "two"], ranking: [0, 1], strength: "better" },
        ]);
        return dialogue.turns[0].comparison;
      }),
    );
    const base = `/api/v1/campaigns/${setup.campaign.id}/comparisons`;
    const scoped = await createApiToken(
      db,
      { name: "review bot", scope: "annotate", campaignId: setup.campaign.id },
      people.reviewer,
      "personal",
    );
    const own = await createApiToken(db, { name: "mine", scope: "read" }, annotator.actor, "personal");

    // The annotator reads their own comparison; the reviewer's token reads it too.
    expect(await call("GET", `${base}/${comparison.id}`, { token: own.secret })).toMatchObject({
      status: 200,
      body: { id: comparison.id, campaign: { id: setup.campaign.id } },
    });
    // Through another campaign's path, the comparison is not there.
    const wrongPath = await call(
      "GET",
      `/api/v1/campaigns/${other.campaign.id}/comparisons/${comparison.id}`,
      {
        token: secrets["admin, admin scope"],
      },
    );
    expect(wrongPath.status).toBe(404);
    // A read token may not review; the campaign-limited token may not reach the other campaign.
    expect(
      (
        await call("POST", `${base}/${comparison.id}/review`, {
          token: secrets["reviewer, read scope"],
          body: { decision: "accepted" },
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await call("POST", `/api/v1/campaigns/${other.campaign.id}/comparisons/${foreign.id}/review`, {
          token: scoped.secret,
          body: { decision: "accepted" },
        })
      ).status,
    ).toBe(403);
    // ...nor review the other campaign's comparison through its own campaign's path.
    expect(
      (
        await call("POST", `${base}/${foreign.id}/review`, {
          token: scoped.secret,
          body: { decision: "accepted" },
        })
      ).status,
    ).toBe(404);

    const reviewed = await call("POST", `${base}/${comparison.id}/review`, {
      token: scoped.secret,
      body: { decision: "rejected", comment: "The chosen answer is wrong." },
    });
    expect(reviewed).toMatchObject({ status: 201, body: { decision: "rejected" } });
    const listed = await call("GET", `${base}?status=rejected`, { token: scoped.secret });
    expect((listed.body as { items: { id: string }[] }).items.map(({ id }) => id)).toEqual([comparison.id]);
  });
});

describe("the OpenAPI document", () => {
  it("is served at /api/openapi.json and is a valid OpenAPI 3.1 document", async () => {
    const { status, body } = await call("GET", "/api/openapi.json");
    expect(status).toBe(200);
    expect((body as { openapi: string }).openapi).toBe("3.1.0");
    await expect(SwaggerParser.validate(structuredClone(body))).resolves.toBeDefined();
  });

  it("lists exactly the routes served under app/api/v1", async () => {
    const { body } = await call("GET", "/api/openapi.json");
    const documented = Object.entries((body as { paths: Record<string, Record<string, unknown>> }).paths)
      .flatMap(([route, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${route}`))
      .sort();
    expect(documented).toEqual(apiEntries().map(openApiName).sort());
  });

  it("describes each body with the service's schema, without the fields the path fills in", async () => {
    const { body } = await call("GET", "/api/openapi.json");
    const paths = (body as { paths: Record<string, Record<string, Record<string, never>>> }).paths;
    const createVariant = paths["/api/v1/campaigns/{campaignId}/variants"].post;
    const schema = createVariant.requestBody["content"]["application/json"]["schema"] as {
      properties: Record<string, unknown>;
    };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(["name", "endpointKind", "baseUrl"]),
    );
    expect(schema.properties).not.toHaveProperty("campaignId");
    const list = paths["/api/v1/campaigns"].get.parameters as unknown as { name: string; in: string }[];
    expect(list.map(({ name, in: where }) => `${where}:${name}`)).toEqual(
      expect.arrayContaining(["query:page", "query:pageSize", "query:status", "query:search"]),
    );
  });
});

describe("tokens outside the HTTP API", () => {
  it("are not a session for tRPC", async () => {
    const token = secrets["admin, admin scope"];
    const listMine = `${trpcServer.url}/api/trpc/apiTokens.listMine?input=${encodeURIComponent('{"json":{}}')}`;
    const viaToken = await fetch(listMine, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(viaToken.status).toBe(401);
    const viaCookie = await fetch(listMine, {
      headers: await sessionHeaders(people.admin),
    });
    expect(viaCookie.status).toBe(200);
  });

  it("are not a session for the pages", async () => {
    const headers = new Headers({ authorization: `Bearer ${secrets["admin, admin scope"]}` });
    expect(await getUserFromHeaders(db, headers, TEST_AUTH_SECRET)).toBeNull();
  });

  it("are not accepted by route handlers outside the API", async () => {
    const [download] = await listRouteHandlers(API_DIR).then((all) =>
      all.filter(({ name }) => name === "POST /api/exports/download"),
    );
    const serve = routeOf(download.handler)!.serve({
      db: async () => db,
      secret: TEST_AUTH_SECRET,
      exportKey: () => Buffer.alloc(32),
    } as ExportDownloadDeps);
    const response = await serve(
      new Request("http://127.0.0.1/api/exports/download", {
        method: "POST",
        headers: {
          authorization: `Bearer ${secrets["admin, admin scope"]}`,
          "content-type": "application/json",
        },
        body: "{}",
      }),
    );
    expect(response.status).toBe(401);
  });
});
