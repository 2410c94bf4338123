// The committed migrations must match db/schema: a schema change without `npm run db:generate`
// fails here instead of at someone's first start.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { testDatabaseKind } from "./testing";

const root = path.resolve(import.meta.dirname, "..");

describe.skipIf(testDatabaseKind() !== "pglite")("db/migrations", () => {
  it("are up to date with db/schema", () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "arbiter-migrations-"));
    try {
      fs.cpSync(path.join(root, "db", "migrations"), copy, { recursive: true });
      const output = execFileSync(
        process.execPath,
        [
          "--conditions=react-server", // db/schema is marked server-only
          path.join(root, "node_modules", "drizzle-kit", "bin.cjs"),
          "generate",
          "--dialect=postgresql",
          "--schema=./db/schema/index.ts",
          `--out=${path.relative(root, copy)}`,
        ],
        { cwd: root, encoding: "utf8" },
      );
      expect(output).toContain("No schema changes");
      expect(fs.readdirSync(copy).filter((file) => file.endsWith(".sql"))).toEqual(
        fs.readdirSync(path.join(root, "db", "migrations")).filter((file) => file.endsWith(".sql")),
      );
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });
});
