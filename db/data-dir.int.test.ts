// The data directory holds the database and the session secret: other users of the machine
// must not be able to read it, whatever the umask of the process that created it.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readOrCreateSecret } from "@/server/auth/secret";
import { openDatabase } from "./client";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "arbiter-data-dir-"));
const modeOf = (file: string) => fs.statSync(file).mode & 0o777;

afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

describe("the data directory", () => {
  it("is created private (0700) by the embedded database, parents included", async () => {
    const dataDir = path.join(root, "srv", "arbiter");
    const database = await openDatabase({ kind: "pglite", dataDir });
    await database.close();
    expect(modeOf(dataDir)).toBe(0o700);
    expect(modeOf(path.dirname(dataDir))).toBe(0o700);
  });

  it("is created private (0700) with the session secret in it private (0600)", () => {
    const file = path.join(root, "secret-first", "nextauth-secret");
    readOrCreateSecret(file);
    expect(modeOf(path.dirname(file))).toBe(0o700);
    expect(modeOf(file)).toBe(0o600);
  });
});
