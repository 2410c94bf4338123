// Sessions and invitation links end, over a real HTTP server: a session cookie replayed after its
// owner signed out is refused (next-auth's sign-out event revokes the session row, which every web
// instance reads from the database), as are a session past its expiry, a cookie whose JWT expired,
// (also once it was accepted before: server/auth/request-user.ts remembers decoded JWTs), and an
// invitation link past its date. (e2e/access.spec.ts signs out in the browser.)
import { sql } from "drizzle-orm";
import { decode } from "next-auth/jwt";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Database } from "@/db/client";
import { queryRows } from "@/db/query-rows";
import { createTestDb } from "@/db/testing";
import { createTrpcHttpHandler } from "@/server/api/http-handler";
import { createContext } from "@/server/api/trpc";
import { turnStreamRoute } from "@/server/api/turn-stream-handler";
import { inviteUser } from "@/server/services/users/invite-user";
import { createAdmin, createAnnotator } from "@/server/testing/fixtures";
import { serveOnLoopback, type LoopbackServer } from "@/server/testing/loopback-server";
import { refusingGeneration } from "@/server/testing/route-deps";
import { sessionCookie } from "@/server/testing/session-cookie";
import { getAuthOptions } from "./options";
import { createSession, SESSION_MAX_AGE_SECONDS } from "./sessions";

// next-auth's options read the server's secret (server/env.ts): this file's, so that no data
// directory is read or written.
const SECRET = vi.hoisted(() => {
  process.env.NEXTAUTH_SECRET = `session-lifetime-test-${"s".repeat(32)}`;
  return process.env.NEXTAUTH_SECRET;
});

const DATABASE_KEY = Symbol.for("arbiter.database");
const COOKIE = "next-auth.session-token";

let database: Database;
let server: LoopbackServer;

beforeAll(async () => {
  database = await createTestDb();
  // The server's database (server/db.ts), which next-auth's sign-out event uses.
  (globalThis as Record<symbol, unknown>)[DATABASE_KEY] = Promise.resolve(database);
  const stream = turnStreamRoute.serve({
    db: async () => database.db,
    secret: SECRET,
    generation: refusingGeneration,
  });
  const trpc = createTrpcHttpHandler((request) => createContext(database.db, request.headers, SECRET));
  server = await serveOnLoopback(async (request) => {
    const { pathname } = new URL(request.url);
    if (pathname.startsWith("/api/trpc/")) return trpc(request);
    const turnId = pathname.split("/").at(-1)!;
    return stream(request, { params: Promise.resolve({ turnId }) });
  });
});

afterAll(async () => {
  delete (globalThis as Record<symbol, unknown>)[DATABASE_KEY];
  await server?.close();
  await database?.close();
});

/** What a signed-in request gets from a route: a 404 for a turn that is not theirs. */
async function streamStatus(cookie: string | null) {
  const response = await fetch(`${server.url}/api/generate/${crypto.randomUUID()}`, {
    headers: cookie ? { cookie } : {},
  });
  await response.body?.cancel();
  return response.status;
}

describe("signing out", () => {
  it("ends the session for a copy of the cookie replayed afterwards", async () => {
    const { actor } = await createAnnotator(database.db);
    const cookie = await sessionCookie(actor, { secret: SECRET });
    expect(await streamStatus(cookie)).toBe(404); // signed in: the turn is simply not theirs

    // What next-auth calls when the browser posts /api/auth/signout: the configured event, with
    // the token decoded from that browser's cookie.
    const token = await decode({ token: cookie.slice(COOKIE.length + 1), secret: SECRET });
    const { events } = getAuthOptions(new Headers());
    await events!.signOut!({ token: token!, session: null as never });

    expect(await streamStatus(cookie)).toBe(401);
    const [row] = await queryRows<{ revoked: boolean }>(
      database.db,
      sql`select revoked_at is not null as revoked from sessions where id = ${actor.sessionId}`,
    );
    expect(row).toEqual({ revoked: true });
  });
});

describe("an expired session", () => {
  it("is refused when its row has expired, though the JWT is still valid", async () => {
    const { actor } = await createAnnotator(database.db);
    const longAgo = new Date(Date.now() - (SESSION_MAX_AGE_SECONDS + 60) * 1000);
    const session = await createSession(
      database.db,
      { userId: actor.id, ipAddress: null, userAgent: null },
      longAgo,
    );
    expect(
      await streamStatus(await sessionCookie({ ...actor, sessionId: session.id }, { secret: SECRET })),
    ).toBe(401);
    // The same user with a live session gets in: the refusal is about the expiry.
    expect(await streamStatus(await sessionCookie(actor, { secret: SECRET }))).toBe(404);
  });

  it("is refused when its JWT has expired, though the row is still live", async () => {
    const { actor } = await createAnnotator(database.db);
    expect(await streamStatus(await sessionCookie(actor, { secret: SECRET, maxAge: -60 }))).toBe(401);
  });

  it("is refused once its JWT expires, though the same JWT was accepted (and remembered) before", async () => {
    const { actor } = await createAnnotator(database.db);
    const lifetimeSeconds = 5;
    const cookie = await sessionCookie(actor, { secret: SECRET, maxAge: lifetimeSeconds });
    expect(await streamStatus(cookie)).toBe(404);
    await new Promise((resolve) => setTimeout(resolve, lifetimeSeconds * 1000 + 100));
    expect(await streamStatus(cookie)).toBe(401);
  });
});

describe("an invitation link", () => {
  async function callTrpc(path: string, input: unknown, method: "GET" | "POST") {
    const payload = JSON.stringify({ json: input });
    const response = await fetch(
      `${server.url}/api/trpc/${path}${method === "GET" ? `?input=${encodeURIComponent(payload)}` : ""}`,
      method === "GET" ? {} : { method, headers: { "content-type": "application/json" }, body: payload },
    );
    return response.status;
  }

  it("is refused once past its date, and works before it", async () => {
    const { actor: admin } = await createAdmin(database.db);
    const expired = await inviteUser(database.db, { email: "late@example.test", role: "annotator" }, admin);
    const current = await inviteUser(database.db, { email: "prompt@example.test", role: "annotator" }, admin);
    await database.db.execute(
      sql`update user_invitations set expires_at = now() - interval '1 minute'
          where user_id = (select id from users where email = 'late@example.test')`,
    );
    const accept = (token: string) =>
      callTrpc("invitations.accept", { token, password: "a long enough password" }, "POST");
    expect(await callTrpc("invitations.get", { token: expired.token }, "GET")).toBe(404);
    expect(await accept(expired.token)).toBe(404);
    expect(await accept(current.token)).toBe(200);
    const rows = await queryRows(
      database.db,
      sql`select email, password_hash is not null as has_password from users where email in ('late@example.test', 'prompt@example.test') order by email`,
    );
    expect(rows).toEqual([
      { email: "late@example.test", has_password: false },
      { email: "prompt@example.test", has_password: true },
    ]);
  });
});
