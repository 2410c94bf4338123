// The rows of a raw `db.execute(sql...)`: both drivers (PGlite, node-postgres) answer `{ rows }`.
import type { SQL } from "drizzle-orm";
import type { Db } from "./client";

export async function queryRows<T>(db: Db, query: SQL): Promise<T[]> {
  return ((await db.execute(query)) as unknown as { rows: T[] }).rows;
}
