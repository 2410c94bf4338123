// Which PostgreSQL server the test runners (vitest, Playwright) use, read from their own
// environment: tooling, not app code. Under CI the PostgreSQL runs are required, so a missing or
// malformed TEST_DATABASE_URL stops the run instead of quietly testing PGlite alone.

/** CI=true (or any value but "false" and "0"), as CI services and .ci/run set it. */
type Environment = Record<string, string | undefined>;

export function isCiRun(environment: Environment): boolean {
  const value = environment.CI?.trim().toLowerCase();
  return Boolean(value) && value !== "false" && value !== "0";
}

export function resolveTestDatabaseUrl(environment: Environment): string | undefined {
  const url = environment.TEST_DATABASE_URL?.trim() || undefined;
  if (!url) {
    if (isCiRun(environment)) {
      throw new Error(
        "CI is set but TEST_DATABASE_URL is not: CI runs every database suite and the Playwright " +
          "specs on PostgreSQL too. Set TEST_DATABASE_URL=postgres://… (.ci/run starts one), or unset CI.",
      );
    }
    return undefined;
  }
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    protocol = "";
  }
  if (protocol !== "postgres:" && protocol !== "postgresql:") {
    throw new Error("TEST_DATABASE_URL must be a postgres:// or postgresql:// URL.");
  }
  return url;
}
