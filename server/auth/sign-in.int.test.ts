// Guessing passwords: the per-address count cannot be dodged with a forged header, parallel
// guesses cannot slip past it, and nobody else's failures lock the owner out.
import { like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { signInThrottles } from "@/db/schema";
import { createTestDb } from "@/db/testing";
import { authorizeCredentials } from "./options";
import { createAnnotator } from "@/server/testing/fixtures";
import { serveOnLoopback } from "@/server/testing/loopback-server";
import { createSession } from "./sessions";
import { delayAfterFailures, MAX_DELAY_SECONDS, signIn, WRONG_CREDENTIALS_MESSAGE } from "./sign-in";

let database: Database;
beforeAll(async () => {
  database = await createTestDb();
});
afterAll(async () => {
  await database?.close();
});

const TOO_MANY = /Too many failed sign-in attempts\. Wait/;

function attempt(email: string, password: string, ipAddress: string, now: Date) {
  return signIn(database.db, { email, password, ipAddress, userAgent: null }, now);
}

describe("signIn through next-auth's credentials check", () => {
  it("counts failures against the TCP peer, whatever X-Forwarded-For says, when no proxy is trusted", async () => {
    // As next-auth calls authorize(): the credentials, and the request's headers as a record.
    const server = await serveOnLoopback(async (request, headers) => {
      try {
        await authorizeCredentials(database.db, await request.json(), headers);
        return Response.json({ ok: true });
      } catch (error) {
        return Response.json({ error: (error as Error).message }, { status: 401 });
      }
    });
    try {
      const messages: string[] = [];
      for (let index = 0; index < 40 && !messages.some((message) => TOO_MANY.test(message)); index++) {
        const response = await fetch(server.url, {
          method: "POST",
          headers: { "x-forwarded-for": `203.0.113.${index}`, "x-real-ip": `203.0.113.${index}` },
          body: JSON.stringify({ email: `probe-${index}@example.test`, password: "guess guess" }),
        });
        messages.push(((await response.json()) as { error: string }).error);
      }
      expect(messages.slice(0, 30)).toEqual(Array(30).fill(WRONG_CREDENTIALS_MESSAGE));
      expect(messages.at(-1)).toMatch(TOO_MANY);
      const addresses = await database.db
        .select({ key: signInThrottles.key })
        .from(signInThrottles)
        .where(like(signInThrottles.key, "address:%"));
      expect(addresses).toEqual([{ key: "address:127.0.0.1" }]);
    } finally {
      await server.close();
    }
  });
});

describe("signIn", () => {
  it("checks 5 of 20 parallel wrong guesses and refuses the rest before checking them", async () => {
    const { user } = await createAnnotator(database.db);
    const now = new Date();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, () => attempt(user.email, "not the password", "10.20.0.1", now)),
    );
    const messages = outcomes.map((outcome) =>
      outcome.status === "rejected" ? outcome.reason.message : "signed in",
    );
    expect(messages.filter((message) => message === WRONG_CREDENTIALS_MESSAGE)).toHaveLength(5);
    expect(messages.filter((message) => TOO_MANY.test(message))).toHaveLength(15);
    const [row] = await database.db
      .select()
      .from(signInThrottles)
      .where(like(signInThrottles.key, `account+address:${user.email}|10.20.0.1`));
    expect(row.failures).toBe(5);
  });

  it("lets the owner in at once after someone else failed five times from another address", async () => {
    const { user, password } = await createAnnotator(database.db);
    const now = new Date();
    for (let index = 0; index < 5; index++) {
      await expect(attempt(user.email, "not the password", "10.30.0.1", now)).rejects.toThrow(
        WRONG_CREDENTIALS_MESSAGE,
      );
    }
    await expect(attempt(user.email, password!, "10.30.0.2", now)).resolves.toMatchObject({ id: user.id });
  });

  it("makes the right password wait, not fail, after five failures from the same address", async () => {
    const { user, password } = await createAnnotator(database.db);
    const now = new Date();
    for (let index = 0; index < 5; index++) {
      await attempt(user.email, "not the password", "10.40.0.1", now).catch(() => {});
    }
    await expect(attempt(user.email, password!, "10.40.0.1", now)).rejects.toThrow(
      /Too many failed sign-in attempts\. Wait 1 second and try again/,
    );
    const waited = new Date(now.getTime() + 1000);
    await expect(attempt(user.email, password!, "10.40.0.1", waited)).resolves.toMatchObject({ id: user.id });
  });

  it("spaces out guesses spread over many addresses, yet the owner gets in after the wait or from a known address", async () => {
    const { user, password } = await createAnnotator(database.db);
    const now = new Date();
    for (let index = 0; index < 20; index++) {
      await attempt(user.email, "not the password", `10.50.1.${index}`, now).catch(() => {});
    }
    await expect(attempt(user.email, password!, "10.50.2.1", now)).rejects.toThrow(TOO_MANY);
    // An address the owner signed in from before is not held up by failures elsewhere.
    await createSession(database.db, { userId: user.id, ipAddress: "10.50.3.1", userAgent: null });
    await expect(attempt(user.email, password!, "10.50.3.1", now)).resolves.toMatchObject({ id: user.id });
    const waited = new Date(now.getTime() + 1000);
    await expect(attempt(user.email, password!, "10.50.2.1", waited)).resolves.toMatchObject({ id: user.id });
  });

  it("doubles the wait with each further failure, up to fifteen minutes", () => {
    expect([4, 5, 6, 7].map((failures) => delayAfterFailures(failures, "accountAddress"))).toEqual([
      0, 1, 2, 4,
    ]);
    expect(delayAfterFailures(15, "accountAddress")).toBe(MAX_DELAY_SECONDS);
    expect(delayAfterFailures(1000, "accountAddress")).toBe(15 * 60);
  });
});
