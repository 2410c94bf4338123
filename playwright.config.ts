// Playwright runs e2e/ against a production build (`npm start`: build if needed, migrate, seed,
// serve) on a free port with a fresh data directory, in Debian's Chromium: on the embedded
// database, and when TEST_DATABASE_URL is set (always under CI) the same specs again against a
// second production server on a fresh PostgreSQL database of that server.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { defineConfig } from "@playwright/test";
import { E2E_OIDC_CLIENT, E2E_OIDC_DOMAIN, e2eOidcIssuer } from "./e2e/oidc-provider";
import { createE2eDatabase } from "./e2e/postgres-database";
import { isCiRun, resolveTestDatabaseUrl } from "./server/testing/test-database-url.mts";

function freePort() {
  const script =
    "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})";
  return execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }).trim();
}

// Tooling config, not app code. The runner computes these once; its workers inherit them.
const testDatabaseUrl = resolveTestDatabaseUrl(process.env);
if (!process.env.ARBITER_E2E_PORT) {
  process.env.ARBITER_E2E_PORT = freePort();
  process.env.ARBITER_E2E_DATA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "arbiter-e2e-"));
  process.env.ARBITER_E2E_OIDC_PORT = freePort();
  if (testDatabaseUrl) {
    process.env.ARBITER_E2E_PG_PORT = freePort();
    process.env.ARBITER_E2E_PG_DATA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "arbiter-e2e-pg-"));
    process.env.ARBITER_E2E_DATABASE_URL = createE2eDatabase(testDatabaseUrl);
  }
}

export const E2E_ADMIN = { email: "admin@e2e.test", password: "e2e admin password 1" };

/** One production server: `port`, its own data directory, PGlite or a PostgreSQL database. */
function productionServer(project: string, port: string, dataDir: string, databaseUrl: string) {
  const baseURL = `http://127.0.0.1:${port}`;
  const webServer = {
    // Started one after the other: the first builds when needed, the second finds the build current.
    command: "npm start",
    url: `${baseURL}/api/health`,
    reuseExistingServer: false,
    timeout: 600_000, // includes `next build` on a fresh clone
    stdout: "pipe" as const,
    stderr: "pipe" as const,
    env: {
      PORT: port,
      ARBITER_DATA_DIR: dataDir,
      ARBITER_ADMIN_EMAIL: E2E_ADMIN.email,
      ARBITER_ADMIN_PASSWORD: E2E_ADMIN.password,
      NEXTAUTH_URL: baseURL,
      DATABASE_URL: databaseUrl,
      // The admin specs' variants use an inference server on this machine, as a vLLM would be.
      ARBITER_OUTBOUND_ALLOW: "127.0.0.1",
      // One server runs every spec's local models (the demo model, the four families, a LoRA
      // base, a judge and a reward model): more than the default 4 of one deployment.
      ARBITER_MAX_MODEL_SERVERS: "12",
      // Single sign-on through the provider e2e/single-sign-on.spec.ts starts on this port.
      ARBITER_OIDC_ISSUER: e2eOidcIssuer(process.env.ARBITER_E2E_OIDC_PORT!),
      ARBITER_OIDC_CLIENT_ID: E2E_OIDC_CLIENT.id,
      ARBITER_OIDC_CLIENT_SECRET: E2E_OIDC_CLIENT.secret,
      ARBITER_OIDC_NEW_USERS: "annotator",
      ARBITER_OIDC_ALLOWED_DOMAINS: E2E_OIDC_DOMAIN,
      NEXT_TELEMETRY_DISABLED: "1",
    },
  };
  // metadata.dataDir: where a spec puts files this server reads (its models/ folder holds model files).
  const projectConfig = {
    name: project,
    metadata: { dataDir },
    use: { browserName: "chromium" as const, baseURL },
  };
  return { webServer, project: projectConfig };
}

const servers = [
  productionServer("chromium", process.env.ARBITER_E2E_PORT!, process.env.ARBITER_E2E_DATA_DIR!, ""),
  ...(testDatabaseUrl
    ? [
        productionServer(
          "chromium-postgres",
          process.env.ARBITER_E2E_PG_PORT!,
          process.env.ARBITER_E2E_PG_DATA_DIR!,
          process.env.ARBITER_E2E_DATABASE_URL!,
        ),
      ]
    : []),
];
const projects = servers.map((server) => server.project);

export default defineConfig({
  testDir: "e2e",
  testMatch: "**/*.spec.ts",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  // A committed test.only would run one test and pass: CI refuses it.
  forbidOnly: isCiRun(process.env),
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never" }]],
  globalTeardown: "./e2e/global-teardown.ts",
  use: {
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
      // Root has no sandbox here; the closed network refuses Chromium's background connections.
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  projects,
  webServer: servers.map((server) => server.webServer),
});
