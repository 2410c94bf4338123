// Playwright runs e2e/ against a production build (`npm start`: build if needed, migrate, seed,
// serve) on a free port with a fresh data directory, in Debian's Chromium.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { defineConfig } from "@playwright/test";

// Tooling config, not app code. The runner computes these once; its workers inherit them.
if (!process.env.ARBITER_E2E_PORT) {
  const script =
    "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})";
  process.env.ARBITER_E2E_PORT = execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }).trim();
  process.env.ARBITER_E2E_DATA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "arbiter-e2e-"));
}
const port = Number(process.env.ARBITER_E2E_PORT);
const baseURL = `http://127.0.0.1:${port}`;

export const E2E_ADMIN = { email: "admin@e2e.test", password: "e2e admin password 1" };

export default defineConfig({
  testDir: "e2e",
  testMatch: "**/*.spec.ts",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never" }]],
  globalTeardown: "./e2e/global-teardown.ts",
  use: {
    baseURL,
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
  projects: [{ name: "chromium", use: { browserName: "chromium" } }],
  webServer: {
    command: "npm start",
    url: `${baseURL}/api/health`,
    reuseExistingServer: false,
    timeout: 600_000, // includes `next build` on a fresh clone
    stdout: "pipe",
    stderr: "pipe",
    env: {
      PORT: String(port),
      ARBITER_DATA_DIR: process.env.ARBITER_E2E_DATA_DIR!,
      ARBITER_ADMIN_EMAIL: E2E_ADMIN.email,
      ARBITER_ADMIN_PASSWORD: E2E_ADMIN.password,
      NEXTAUTH_URL: baseURL,
      DATABASE_URL: "",
      // The admin specs' variants use an inference server on this machine, as a vLLM would be.
      ARBITER_OUTBOUND_ALLOW: "127.0.0.1",
      NEXT_TELEMETRY_DISABLED: "1",
    },
  },
});
