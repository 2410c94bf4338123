// The authorization matrix: every procedure of the root router, called as anonymous, a
// deactivated user, annotator, reviewer and admin. Generated from the router, so a new
// procedure is covered without editing this file.
import { initTRPC } from "@trpc/server";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { createTestDb } from "@/db/testing";
import { setUserActive } from "@/server/services/users/set-user-active";
import { checkProcedure, listProcedures, type Identity } from "@/server/testing/authorization-matrix";
import { createAdmin, createAnnotator, createReviewer } from "@/server/testing/fixtures";
import { sessionHeaders, TEST_AUTH_SECRET } from "@/server/testing/session-cookie";
import { appRouter, createCaller } from "./root";
import { createContext, publicProcedure, type Context, type Meta } from "./trpc";

let database: Database;
let contexts: Record<Identity, Context>;

beforeAll(async () => {
  database = await createTestDb();
  const db = database.db;
  const admin = await createAdmin(db);
  const deactivated = await createAnnotator(db);
  await setUserActive(db, { userId: deactivated.user.id, isActive: false }, admin.actor);
  // Each context is resolved from a real session cookie, the way an HTTP request's is.
  const contextFor = async (actor: Parameters<typeof sessionHeaders>[0]) =>
    createContext(db, await sessionHeaders(actor), TEST_AUTH_SECRET);
  contexts = {
    anonymous: await contextFor(null),
    deactivated: await contextFor(deactivated.actor),
    annotator: await contextFor((await createAnnotator(db)).actor),
    reviewer: await contextFor((await createReviewer(db)).actor),
    admin: await contextFor(admin.actor),
  };
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
