import { describe, expect, it } from "vitest";
import { isCiRun, resolveTestDatabaseUrl } from "./test-database-url.mts";

const URL = "postgres://postgres@127.0.0.1:5432/postgres";

describe("resolveTestDatabaseUrl", () => {
  it("stops a CI run that has no PostgreSQL instead of skipping its projects", () => {
    expect(() => resolveTestDatabaseUrl({ CI: "true" })).toThrow(/CI is set but TEST_DATABASE_URL is not/);
    expect(() => resolveTestDatabaseUrl({ CI: "1", TEST_DATABASE_URL: "  " })).toThrow(/TEST_DATABASE_URL/);
  });

  it("runs on PGlite alone outside CI", () => {
    expect(resolveTestDatabaseUrl({})).toBeUndefined();
    expect(resolveTestDatabaseUrl({ CI: "false" })).toBeUndefined();
  });

  it("gives the URL when set, and refuses one that is not PostgreSQL's", () => {
    expect(resolveTestDatabaseUrl({ CI: "true", TEST_DATABASE_URL: ` ${URL} ` })).toBe(URL);
    expect(() => resolveTestDatabaseUrl({ TEST_DATABASE_URL: "mysql://localhost/x" })).toThrow(
      "TEST_DATABASE_URL must be a postgres:// or postgresql:// URL.",
    );
  });
});

describe("isCiRun", () => {
  it("reads CI as CI services set it", () => {
    expect([undefined, "", "false", "0", "true", "1", "TRUE"].map((CI) => isCiRun({ CI }))).toEqual([
      false,
      false,
      false,
      false,
      true,
      true,
      true,
    ]);
  });
});
