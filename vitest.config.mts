// One `vitest run` for the whole repository: unit tests (*.test.ts) and integration tests
// (*.int.test.ts) everywhere, including inference/. Database integration suites run on PGlite,
// and again on PostgreSQL when TEST_DATABASE_URL is set. e2e/ belongs to Playwright.
import path from "node:path";
import { defineConfig } from "vitest/config";
import { isCiRun, resolveTestDatabaseUrl } from "./server/testing/test-database-url.mts";

const root = import.meta.dirname;
// Tooling config, not app code: the app reads its environment through server/env.ts. Under CI
// a missing TEST_DATABASE_URL stops the run, and a committed `.only` fails it.
const testDatabaseUrl = resolveTestDatabaseUrl(process.env);

const exclude = [
  "**/node_modules/**",
  "**/.next/**",
  "e2e/**",
  "data/**",
  "inference/build/**",
  "inference/bench/llama-cpp/**",
];
/** Suites that take a database from createTestDb(); they run once per database kind. */
const databaseSuites = [
  "db/**/*.int.test.ts",
  "server/**/*.int.test.ts",
  "app/**/*.int.test.ts",
  "scripts/synthetic/**/*.int.test.ts",
];

// Server modules import "server-only" so that a client component importing one fails the build.
// Outside the bundler it throws unless the "react-server" condition is set (the npm scripts that
// run server code under tsx set it); in tests it is the package's own no-op.
const alias = { "@": root, "server-only": path.join(root, "node_modules", "server-only", "empty.js") };

const shared = {
  resolve: { alias },
};

export default defineConfig({
  test: {
    allowOnly: !isCiRun(process.env),
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
                globalSetup: ["./server/testing/check-test-database.ts"],
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
  resolve: { alias },
});
