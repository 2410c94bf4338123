// One `vitest run` for the whole repository: unit tests (*.test.ts) and integration tests
// (*.int.test.ts) everywhere, including inference/. Database integration suites run on PGlite,
// and again on PostgreSQL when TEST_DATABASE_URL is set. e2e/ belongs to Playwright.
import path from "node:path";
import { defineConfig } from "vitest/config";

const root = import.meta.dirname;
// Tooling config, not app code: the app reads its environment through server/env.ts.
const testDatabaseUrl = process.env.TEST_DATABASE_URL?.trim() || undefined;

const exclude = [
  "**/node_modules/**",
  "**/.next/**",
  "e2e/**",
  "data/**",
  "inference/build/**",
  "inference/bench/llama-cpp/**",
];
/** Suites that take a database from createTestDb(); they run once per database kind. */
const databaseSuites = ["db/**/*.int.test.ts", "server/**/*.int.test.ts", "app/**/*.int.test.ts"];

const shared = {
  resolve: { alias: { "@": root } },
};

export default defineConfig({
  test: {
    projects: [
      {
        ...shared,
        test: {
          name: "unit",
          include: ["**/*.test.ts", "**/*.test.tsx"],
          exclude: [...exclude, "**/*.int.test.ts"],
          environment: "node",
        },
      },
      {
        ...shared,
        test: {
          name: "integration",
          include: ["**/*.int.test.ts"],
          exclude,
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 120_000,
          provide: { databaseKind: "pglite" as const },
        },
      },
      ...(testDatabaseUrl
        ? [
            {
              ...shared,
              test: {
                name: "integration-postgres",
                include: databaseSuites,
                exclude,
                environment: "node",
                testTimeout: 60_000,
                hookTimeout: 120_000,
                provide: { databaseKind: "postgres" as const, testDatabaseUrl },
              },
            },
          ]
        : []),
    ],
  },
  resolve: { alias: { "@": path.resolve(root) } },
});
