// GET /api/health over a real HTTP server when the database is really gone: a DATABASE_URL where
// nothing listens, and (on PostgreSQL) a database that refuses connections after the server had
// opened it, then comes back. Load balancers act on the status alone.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { openDatabase, type Database } from "@/db/client";
import { createBlankTestDb, testDatabaseKind } from "@/db/testing";
import { freePort } from "@/server/free-port";
import { serveOnLoopback, type LoopbackServer } from "@/server/testing/loopback-server";
import { TEST_AUTH_SECRET } from "@/server/testing/session-cookie";
import { healthRoute, type HealthDeps } from "./health-route";

const servers: LoopbackServer[] = [];
afterAll(async () => {
  for (const server of servers) await server.close();
});

/** The health route as the server serves it, opening its database the way server/db.ts does. */
async function serveHealth(openDb: () => Promise<Database>) {
  let opened: Promise<Database> | undefined;
  const open = () =>
    (opened ??= openDb().catch((error: unknown) => {
      opened = undefined; // the next request tries again, as the server's getDatabase does
      throw error;
    }));
  const deps: HealthDeps = {
    db: async () => (await open()).db,
    secret: TEST_AUTH_SECRET,
    openDatabase: open,
    inference: () => null,
    healthToken: undefined,
  };
  const serve = healthRoute.serve(deps);
  const server = await serveOnLoopback((request) => serve(request));
  servers.push(server);
  return async () => {
    const response = await fetch(`${server.url}/api/health`);
    return { status: response.status, body: await response.json() };
  };
}

describe("GET /api/health when the database is down", () => {
  it("answers 503 when DATABASE_URL points where no PostgreSQL listens", async () => {
    const port = await freePort();
    const check = await serveHealth(() =>
      openDatabase({ kind: "postgres", url: `postgres://arbiter:secret@127.0.0.1:${port}/arbiter` }),
    );
    expect(await check()).toEqual({ status: 503, body: { status: "error" } });
  });
});

describe.skipIf(testDatabaseKind() !== "postgres")("GET /api/health on PostgreSQL", () => {
  let database: Awaited<ReturnType<typeof createBlankTestDb>>;
  beforeAll(async () => {
    database = await createBlankTestDb();
  });
  afterAll(async () => {
    await database?.close();
  });

  /** Runs on the server's maintenance database, which stays up while the test's goes down. */
  async function onServer(statement: string) {
    const client = new pg.Client({ connectionString: inject("testDatabaseUrl") });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  }

  it("answers 503 while the database refuses connections, and 200 again once it is back", async () => {
    const name = database.location;
    // The server's own handle (a pool), opened while the database was up.
    const check = await serveHealth(() =>
      openDatabase({ kind: "postgres", url: database.url!, poolSize: 2 }),
    );
    expect(await check()).toEqual({ status: 200, body: { status: "ok" } });

    await onServer(`alter database "${name}" with allow_connections false`);
    try {
      await onServer(`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${name}'`);
      expect(await check()).toEqual({ status: 503, body: { status: "error" } });
    } finally {
      await onServer(`alter database "${name}" with allow_connections true`);
    }
    expect(await check()).toEqual({ status: 200, body: { status: "ok" } });
  });
});
