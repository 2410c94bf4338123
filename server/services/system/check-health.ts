// /api/health: is the database reachable, and which version is running.
import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import packageJson from "@/package.json";

export interface Health {
  status: "ok" | "error";
  version: string;
  database: {
    status: "ok" | "error";
    kind: Database["kind"] | "unknown";
    latencyMs?: number;
    error?: string;
  };
}

export async function checkHealth(openDatabase: () => Promise<Database>): Promise<Health> {
  const version = packageJson.version;
  const started = performance.now();
  try {
    const database = await openDatabase();
    await database.db.execute(sql`select 1`);
    return {
      status: "ok",
      version,
      database: { status: "ok", kind: database.kind, latencyMs: Math.round(performance.now() - started) },
    };
  } catch (error) {
    return {
      status: "error",
      version,
      database: { status: "error", kind: "unknown", error: (error as Error).message },
    };
  }
}
