// The authorization matrix: every procedure of the root router, and every route handler under
// app/api, called as anonymous, a deactivated user, annotator, reviewer and admin. Generated from
// the router and the route files, so a new procedure or route is covered without editing this file.
import path from "node:path";
import { initTRPC } from "@trpc/server";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { createTestDb } from "@/db/testing";
import { setUserActive } from "@/server/services/users/set-user-active";
import {
  checkProcedure,
  checkRouteHandler,
  IDENTITIES,
  listProcedures,
  listRouteHandlers,
  type Identity,
  type RouteHandlerEntry,
} from "@/server/testing/authorization-matrix";
import { createAdmin, createAnnotator, createReviewer } from "@/server/testing/fixtures";
import { sessionHeaders, TEST_AUTH_SECRET } from "@/server/testing/session-cookie";
import type { ExportDownloadDeps } from "./export-download-route";
import type { HealthDeps } from "./health-route";
import { appRouter, createCaller } from "./root";
import { defineRoute, ROUTE, type Route } from "./route-handler";
import type { GenerationDeps } from "./turn-stream-handler";
import { createContext, publicProcedure, type Context, type Meta } from "./trpc";

let database: Database;
let contexts: Record<Identity, Context>;
let sessions: Record<Identity, Headers>;
let routeHandlers: RouteHandlerEntry[];
let routeDeps: GenerationDeps & ExportDownloadDeps & HealthDeps;
const signedIn = () =>
  Object.fromEntries(IDENTITIES.map((identity) => [identity, contexts[identity].user !== null])) as Record<
    Identity,
    boolean
  >;

beforeAll(async () => {
  database = await createTestDb();
  const db = database.db;
  const admin = await createAdmin(db);
  const deactivated = await createAnnotator(db);
  await setUserActive(db, { userId: deactivated.user.id, isActive: false }, admin.actor);
  // Each context is resolved from a real session cookie, the way an HTTP request's is.
  sessions = {
    anonymous: await sessionHeaders(null),
    deactivated: await sessionHeaders(deactivated.actor),
    annotator: await sessionHeaders((await createAnnotator(db)).actor),
    reviewer: await sessionHeaders((await createReviewer(db)).actor),
    admin: await sessionHeaders(admin.actor),
  };
  contexts = Object.fromEntries(
    await Promise.all(
      IDENTITIES.map(async (identity) => [
        identity,
        await createContext(db, sessions[identity], TEST_AUTH_SECRET),
      ]),
    ),
  ) as Record<Identity, Context>;
  routeDeps = {
    db: async () => db,
    secret: TEST_AUTH_SECRET,
    // Called without a body or with an unknown turn, no admitted request gets as far as these.
    generation: () => {
      throw new Error("The matrix does not generate.");
    },
    exportKey: () => {
      throw new Error("The matrix does not export.");
    },
    openDatabase: async () => database,
    inference: () => null,
    healthToken: undefined,
  };
  routeHandlers = await listRouteHandlers(path.resolve(import.meta.dirname, "../../app/api"));
});

afterAll(async () => {
  await database?.close();
});

const procedures = listProcedures(appRouter);

describe("authorization matrix", () => {
  it("resolves each identity from its session cookie", () => {
    expect(contexts.anonymous.user).toBeNull();
    expect(contexts.deactivated.user).toBeNull();
    expect(contexts.annotator.user?.role).toBe("annotator");
    expect(contexts.reviewer.user?.role).toBe("reviewer");
    expect(contexts.admin.user?.role).toBe("admin");
  });

  it("finds the procedures of the root router", () => {
    expect(procedures.map((entry) => entry.path)).toEqual(
      expect.arrayContaining(["users.invite", "audit.list"]),
    );
  });

  it.each(procedures)("$path ($type, role $role) admits exactly the roles it declares", async (entry) => {
    expect(await checkProcedure(entry, createCaller as never, contexts)).toEqual([]);
  });
});

describe("the matrix itself", () => {
  // A router with the mistakes the matrix exists to catch.
  const t = initTRPC.context<Context>().meta<Meta>().create({ transformer: superjson });
  const brokenRouter = t.router({
    noRole: t.procedure.query(() => "anyone gets this"),
    adminInNameOnly: publicProcedure.meta({ role: "admin" }).query(() => "anyone gets this too"),
  });
  const brokenCaller = t.createCallerFactory(brokenRouter);

  it("reports a procedure that declares no role", async () => {
    const [entry] = listProcedures(brokenRouter).filter((candidate) => candidate.path === "noRole");
    expect(await checkProcedure(entry, brokenCaller as never, contexts)).toEqual([
      expect.stringContaining("noRole declares no role"),
    ]);
  });

  it("reports a procedure whose role is not enforced", async () => {
    const [entry] = listProcedures(brokenRouter).filter((candidate) => candidate.path === "adminInNameOnly");
    const problems = await checkProcedure(entry, brokenCaller as never, contexts);
    expect(problems).toContain(
      "adminInNameOnly (role admin) as anonymous: expected unauthorized, got admitted",
    );
    expect(problems).toContain("adminInNameOnly (role admin) as annotator: expected forbidden, got admitted");
  });
});

describe("authorization matrix of the route handlers", () => {
  it("finds the route handlers under app/api", () => {
    expect(routeHandlers.map((entry) => entry.name)).toEqual(
      expect.arrayContaining([
        "GET /api/health",
        "POST /api/generate",
        "GET /api/generate/[turnId]",
        "POST /api/exports/download",
        "GET /api/openapi.json",
        "GET /api/v1/campaigns",
        "POST /api/v1/campaigns/[campaignId]/exports",
      ]),
    );
  });

  it("admits exactly the roles each route handler declares", async () => {
    const problems: string[] = [];
    for (const entry of routeHandlers) {
      problems.push(...(await checkRouteHandler(entry, routeDeps, sessions, signedIn())));
    }
    expect(problems).toEqual([]);
  });
});

describe("the route handler matrix itself", () => {
  const entry = (name: string, handler: unknown): RouteHandlerEntry => ({
    name,
    method: "GET",
    url: "http://localhost/api/broken",
    params: {},
    handler,
  });
  const handle = async () => Response.json({ secret: "anyone gets this" });

  it("reports a route handler not built with defineRoute", async () => {
    expect(await checkRouteHandler(entry("GET /api/raw", handle), routeDeps, sessions, signedIn())).toEqual([
      expect.stringContaining("GET /api/raw declares no role"),
    ]);
  });

  it("reports a route handler whose declared role is not enforced", async () => {
    const open = defineRoute({ role: "public", handle });
    const adminInNameOnly: Route = { role: "admin", serve: open.serve };
    const handler = Object.assign(async () => handle(), { [ROUTE]: adminInNameOnly });
    const problems = await checkRouteHandler(
      entry("GET /api/broken", handler),
      routeDeps,
      sessions,
      signedIn(),
    );
    expect(problems).toContain(
      "GET /api/broken (role admin) as anonymous: expected unauthorized, got admitted",
    );
    expect(problems).toContain("GET /api/broken (role admin) as annotator: expected forbidden, got admitted");
  });
});
