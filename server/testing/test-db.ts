// A test file's own database, seeded once before the file's tests and dropped after them; and
// the tRPC HTTP endpoint over such a database.
import { afterAll, beforeAll } from "vitest";
import type { Database, Db } from "@/db/client";
import { createTestDb } from "@/db/testing";
import { createTrpcHttpHandler } from "@/server/api/http-handler";
import { createContext } from "@/server/api/trpc";
import type { SessionUser } from "@/server/auth/session-user";
import { createAdmin } from "./fixtures";
import { TEST_AUTH_SECRET } from "./session-cookie";

/**
 * Call at the top of a test file. The returned object holds `db` and what `seed` returned; its
 * fields are set once the file's `beforeAll` hooks have run.
 */
export function setUpTestDb<T extends object>(seed: (db: Db) => Promise<T>): T & { db: Db } {
  const world = {} as T & { db: Db };
  let database: Database | undefined;
  beforeAll(async () => {
    database = await createTestDb();
    Object.assign(world, { db: database.db }, await seed(database.db));
  });
  afterAll(async () => {
    await database?.close();
  });
  return world;
}

export interface AdminDb {
  db: Db;
  admin: SessionUser;
}

export interface AdminHttp extends AdminDb {
  handle: (request: Request) => Promise<Response>;
}

/** The endpoint as the app route serves it, reading sessions signed with the test secret. */
export function testHttpHandler(db: Db) {
  return createTrpcHttpHandler((request) => createContext(db, request.headers, TEST_AUTH_SECRET));
}

const seedAdmin = async (db: Db) => ({ admin: (await createAdmin(db)).actor });

/** `setUpTestDb` with one signed-in admin. */
export function setUpAdminDb(): AdminDb {
  return setUpTestDb(seedAdmin);
}

/** `setUpAdminDb` with the tRPC HTTP endpoint over that database. */
export function setUpAdminHttp(): AdminHttp {
  return setUpTestDb(async (db) => ({ ...(await seedAdmin(db)), handle: testHttpHandler(db) }));
}
