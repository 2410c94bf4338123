// What anyone on the internet can make the server do without an account: batches are capped, a
// made-up invitation token costs no password hashing, and each address has a budget of calls.
// Requests go over TCP to a real server on 127.0.0.1, in front of the tRPC handler.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Database } from "@/db/client";
import { createTestDb } from "@/db/testing";
import * as password from "@/server/auth/password";
import { createAdmin } from "@/server/testing/fixtures";
import { serveOnLoopback, type LoopbackServer } from "@/server/testing/loopback-server";
import { TEST_AUTH_SECRET } from "@/server/testing/session-cookie";
import { inviteUser } from "@/server/services/users/invite-user";
import { createTrpcHttpHandler } from "./http-handler";
import { createContext, PUBLIC_CALL_LIMIT } from "./trpc";

// Counts the real argon2 hashing; the spy calls straight through to it.
vi.mock("@/server/auth/password", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@/server/auth/password")>();
  return { ...actual, hashPassword: vi.fn(actual.hashPassword) };
});

async function startServer() {
  const database = await createTestDb();
  const handle = createTrpcHttpHandler((request) =>
    createContext(database.db, request.headers, TEST_AUTH_SECRET),
  );
  return { database, server: await serveOnLoopback(handle) };
}

let database: Database;
let server: LoopbackServer;
beforeAll(async () => {
  ({ database, server } = await startServer());
});
afterAll(async () => {
  await server?.close();
  await database?.close();
});

type Reply = { error?: { json: { message: string; data: { code: string } } }; result?: unknown };

async function batch(base: string, path: string, inputs: unknown[], headers: Record<string, string> = {}) {
  const body = Object.fromEntries(inputs.map((input, index) => [index, { json: input }]));
  const response = await fetch(`${base}/api/trpc/${Array(inputs.length).fill(path).join(",")}?batch=1`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Reply[] | Reply };
}

const bogusAccept = (index: number) => ({
  token: `made-up-token-${index}`,
  password: "a long enough password",
});

describe("invitations.accept", () => {
  it("refuses a batch of 200 calls in one request before running any of them", async () => {
    vi.mocked(password.hashPassword).mockClear();
    const inputs = Array.from({ length: 200 }, (_, index) => bogusAccept(index));
    const { status, body } = await batch(server.url, "invitations.accept", inputs);
    expect(status).toBe(400);
    expect(JSON.stringify(body)).toContain("One request may batch at most 10 calls.");
    expect(password.hashPassword).not.toHaveBeenCalled();
  });

  it("answers a made-up token without hashing the password", async () => {
    vi.mocked(password.hashPassword).mockClear();
    const { status, body } = await batch(server.url, "invitations.accept", [bogusAccept(1)]);
    expect(status).toBe(404);
    expect((body as Reply[])[0].error?.json.message).toMatch(/invitation link is not valid/);
    expect(password.hashPassword).not.toHaveBeenCalled();
  });

  it("still sets the password of a real invitation", async () => {
    const { actor: admin } = await createAdmin(database.db);
    const { token } = await inviteUser(
      database.db,
      { email: "joins@example.test", role: "annotator" },
      admin,
    );
    vi.mocked(password.hashPassword).mockClear();
    const { status } = await batch(server.url, "invitations.accept", [
      { token, password: "a long enough password" },
    ]);
    expect(status).toBe(200);
    expect(password.hashPassword).toHaveBeenCalledTimes(1);
  });
});

describe("public procedures", () => {
  it("answer 429 past the per-address budget, whatever X-Forwarded-For the client writes", async () => {
    // A fresh server and database: the budget is counted per address, and this file's other calls share one.
    const own = await startServer();
    try {
      // Windows follow the clock; start well inside one so the budget cannot reset halfway.
      const intoWindow = Date.now() % PUBLIC_CALL_LIMIT.windowMs;
      if (intoWindow > PUBLIC_CALL_LIMIT.windowMs - 10_000) {
        await new Promise((resolve) => setTimeout(resolve, PUBLIC_CALL_LIMIT.windowMs - intoWindow + 100));
      }
      const codes: string[] = [];
      for (let request = 0; request < 4; request++) {
        const inputs = Array.from({ length: 10 }, (_, index) => bogusAccept(request * 10 + index));
        const { body } = await batch(own.server.url, "invitations.accept", inputs, {
          "x-forwarded-for": `198.51.100.${request}`,
          "x-real-ip": `198.51.100.${request}`,
        });
        codes.push(...(body as Reply[]).map((reply) => reply.error?.json.data.code ?? "OK"));
      }
      expect(codes.filter((code) => code === "NOT_FOUND")).toHaveLength(PUBLIC_CALL_LIMIT.calls);
      expect(codes.filter((code) => code === "TOO_MANY_REQUESTS")).toHaveLength(40 - PUBLIC_CALL_LIMIT.calls);

      const { status, body } = await batch(own.server.url, "invitations.accept", [bogusAccept(40)], {
        "x-forwarded-for": "203.0.113.250",
      });
      expect(status).toBe(429);
      expect((body as Reply[])[0].error?.json.message).toMatch(
        /^Too many requests from your network address\. Wait \d+ (seconds?|minute) and try again\.$/,
      );
    } finally {
      await own.server.close();
      await own.database.close();
    }
  });
});
