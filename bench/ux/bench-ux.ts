// `npm run bench:ux`: what an annotator feels in the workspace, measured in Chromium with its CPU
// slowed down through the DevTools protocol (Emulation.setCPUThrottlingRate, as Lighthouse's
// mobile profile does), against the production server (`next start` of the current build, built
// first if the sources changed, under the build lock Playwright takes) on a fresh embedded
// database with the demo model.
//   - Largest contentful paint of the workspace, opened fresh (median of BENCH_UX_LOADS loads).
//   - JavaScript shipped to the workspace: every script the page loaded, compressed as sent and
//     decoded.
//   - While two responses stream: interaction to next paint (clicks on the page's disclosure
//     controls every 150 ms; the slowest interaction, as INP is for a handful of them), frames
//     dropped (gaps between animation frames beyond one 60 Hz frame) and the main thread's long
//     tasks. Repeated for BENCH_UX_TURNS turns of a campaign whose variants write long answers.
// Prints JSON.
//   BENCH_UX_CPU_SLOWDOWN   Chromium CPU throttling rate (default 4)
//   BENCH_UX_LOADS          workspace loads for the LCP (default 5)
//   BENCH_UX_TURNS          streamed turns for INP and frames (default 3)
import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type Page } from "@playwright/test";
import { temperaturePairInputs } from "@/e2e/variant-inputs";
import { freePort } from "@/server/free-port";
import { lockCurrentBuild } from "@/tests/scale-out/cluster";
import { NEXT_BIN, ROOT } from "../../scripts/build-state.mts";
import { describeMachine, loadAverage } from "../machine";

// Benchmark tooling, not app code: it reads its own settings.
const CPU_SLOWDOWN = Number(process.env.BENCH_UX_CPU_SLOWDOWN ?? 4);
const LOADS = Number(process.env.BENCH_UX_LOADS ?? 5);
const TURNS = Number(process.env.BENCH_UX_TURNS ?? 3);
const ADMIN = { email: "admin@bench-ux.test", password: "bench ux admin password" };
const FRAME_MS = 1000 / 60;
const log = (line: string) => process.stderr.write(`[bench:ux] ${line}\n`);

async function startServer() {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "arbiter-bench-ux-"));
  const baseUrl = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [NEXT_BIN, "start", "--port", String(port)], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      PORT: String(port),
      DATABASE_URL: "",
      ARBITER_DATA_DIR: dataDir,
      NEXTAUTH_SECRET: crypto.randomBytes(32).toString("hex"),
      NEXTAUTH_URL: baseUrl,
      ARBITER_ADMIN_EMAIL: ADMIN.email,
      ARBITER_ADMIN_PASSWORD: ADMIN.password,
      LOG_LEVEL: "warn",
      MODEL_PATH: "",
      INFERENCE_URL: "",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  process.once("exit", () => child.kill("SIGKILL"));
  const deadline = Date.now() + 180_000;
  while ((await fetch(`${baseUrl}/api/health`).catch(() => null))?.ok !== true) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error("the server did not become ready in 3 minutes");
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    baseUrl,
    async stop() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A tRPC call from the page, with its cookies. */
async function call<T>(page: Page, procedure: string, input: unknown): Promise<T> {
  const response = await page.request.post(`/api/trpc/${procedure}`, { data: { json: input } });
  const body = (await response.json()) as { result?: { data: { json: T } } };
  if (!response.ok() || !body.result) throw new Error(`${procedure}: ${JSON.stringify(body)}`);
  return body.result.data.json;
}

/** A campaign on the demo model whose two variants write up to `maxTokens` tokens each. */
async function createCampaign(page: Page, maxTokens: number) {
  const campaign = await call<{ id: string }>(page, "campaigns.create", {
    name: `bench:ux ${Date.now()}`,
    kind: "helpfulness",
    guidelines: "# Guidelines\n\nJudge the responses.",
    safetyPreprompt: null,
    membership: "all",
  });
  for (const input of temperaturePairInputs({ campaignId: campaign.id, namePrefix: "local", maxTokens })) {
    await call(page, "variants.create", input);
  }
  await call(page, "batches.openNext", { campaignId: campaign.id });
  await call(page, "annotation.acknowledgeGuidelines", { campaignId: campaign.id, version: 1 });
  return campaign.id;
}

async function throttle(page: Page) {
  const session = await page.context().newCDPSession(page);
  await session.send("Emulation.setCPUThrottlingRate", { rate: CPU_SLOWDOWN });
}

/** One fresh load of the workspace: its LCP and the scripts it loaded. */
async function loadWorkspace(page: Page, url: string) {
  await page.goto(url, { waitUntil: "load" });
  await page.getByRole("textbox", { name: "Prompt", exact: true }).waitFor();
  return page.evaluate(async () => {
    const lcp = await new Promise<number>((resolve) => {
      new PerformanceObserver((list) => resolve(list.getEntries().at(-1)!.startTime)).observe({
        type: "largest-contentful-paint",
        buffered: true,
      });
    });
    const scripts = (performance.getEntriesByType("resource") as PerformanceResourceTiming[]).filter(
      (entry) => entry.initiatorType === "script" || /\.js(\?|$)/.test(entry.name),
    );
    return {
      lcpMs: lcp,
      scripts: scripts.length,
      transferredBytes: scripts.reduce((sum, entry) => sum + entry.encodedBodySize, 0),
      decodedBytes: scripts.reduce((sum, entry) => sum + entry.decodedBodySize, 0),
    };
  });
}

/**
 * Installed in the page before a prompt is sent: every animation frame's time, the slowest event
 * of each interaction, and the long tasks' total. A string: tsx's helpers do not exist in the page.
 */
const WATCH_STREAMING = `(() => {
  const state = { frames: [], interactions: new Map(), longTasksMs: 0, isRunning: true };
  window.__ux = state;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (!entry.interactionId) continue;
      state.interactions.set(entry.interactionId, Math.max(state.interactions.get(entry.interactionId) ?? 0, entry.duration));
    }
  }).observe({ type: "event", durationThreshold: 16, buffered: false });
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) state.longTasksMs += entry.duration;
  }).observe({ type: "longtask" });
  requestAnimationFrame(function onFrame(time) {
    state.frames.push(time);
    if (state.isRunning) requestAnimationFrame(onFrame);
  });
})()`;

/** Sends a prompt and measures the page while both responses stream in. */
async function streamTurn(page: Page, prompt: string) {
  await page.evaluate(WATCH_STREAMING);
  await page.getByRole("textbox", { name: "Prompt", exact: true }).fill(prompt);
  const startedAt = Date.now();
  await page.getByRole("button", { name: "Send", exact: true }).click();
  const statuses = page.getByTestId("response-status");
  await statuses.first().waitFor();
  // Clicks while the responses stream: the guidelines' and shortcuts' disclosures open and close.
  let clicks = 0;
  const disclosures = page.locator("summary");
  while ((await statuses.filter({ hasText: /^(Complete|Failed)/ }).count()) < 2) {
    if (Date.now() - startedAt > 120_000) throw new Error("the responses did not complete in 2 minutes");
    await disclosures.nth(clicks % 2).click();
    clicks++;
    await page.waitForTimeout(150);
  }
  const streamedMs = Date.now() - startedAt;
  const measured = await page.evaluate((frameMs) => {
    const state = (
      window as unknown as {
        __ux: {
          frames: number[];
          interactions: Map<number, number>;
          longTasksMs: number;
          isRunning: boolean;
        };
      }
    ).__ux;
    state.isRunning = false;
    let dropped = 0;
    for (let index = 1; index < state.frames.length; index++) {
      const gap = state.frames[index] - state.frames[index - 1];
      dropped += Math.max(0, Math.round(gap / frameMs) - 1);
    }
    return {
      frames: state.frames.length,
      droppedFrames: dropped,
      interactions: [...state.interactions.values()],
      longTasksMs: Math.round(state.longTasksMs),
    };
  }, FRAME_MS);
  const characters = (await page.getByTestId("response-text").allTextContents()).reduce(
    (sum, text) => sum + text.length,
    0,
  );
  // Judge the turn so that the next one starts a new prompt.
  await page.getByRole("radio", { name: "Response A", exact: true }).check();
  await page.getByRole("radio", { name: "Better", exact: true }).check();
  await page.getByRole("button", { name: "Submit", exact: true }).click();
  await page.getByRole("button", { name: "End conversation" }).click();
  await page.getByRole("textbox", { name: "Prompt", exact: true }).waitFor();
  return { streamedMs, characters, clicks, ...measured };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? null : sorted[Math.floor((sorted.length - 1) / 2)];
};

async function main() {
  const loadAtStart = loadAverage();
  const build = await lockCurrentBuild(log);
  const server = await startServer();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-background-networking"],
  });
  try {
    const context = await browser.newContext({
      baseURL: server.baseUrl,
      viewport: { width: 1280, height: 800 },
    });
    const page = await context.newPage();
    await page.goto("/sign-in");
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: /Welcome/ }).waitFor();
    const campaignId = await createCampaign(page, 400);
    const url = `/annotate/${campaignId}`;

    log(`${LOADS} workspace loads at ${CPU_SLOWDOWN}x CPU slowdown…`);
    const loads = [];
    for (let index = 0; index < LOADS; index++) {
      const fresh = await context.newPage(); // a new page: nothing of the last load in memory
      await throttle(fresh);
      loads.push(await loadWorkspace(fresh, url));
      await fresh.close();
    }
    log(`${TURNS} streamed turns…`);
    const streaming = await context.newPage();
    await throttle(streaming);
    await streaming.goto(url);
    const turns = [];
    for (let index = 0; index < TURNS; index++)
      turns.push(
        await streamTurn(streaming, `Write a long story about lighthouse keeper number ${index + 1}.`),
      );

    const interactions = turns.flatMap((turn) => turn.interactions);
    console.log(
      JSON.stringify(
        {
          benchmark: "bench:ux",
          machine: describeMachine(loadAtStart),
          browser: `Chromium ${browser.version()}`,
          inputs: { cpuSlowdown: CPU_SLOWDOWN, loads: LOADS, turns: TURNS, maxTokensPerResponse: 400 },
          workspace: {
            lcpMsMedian: median(loads.map((load) => Math.round(load.lcpMs))),
            lcpMs: loads.map((load) => Math.round(load.lcpMs)),
            javascript: {
              scripts: loads[0].scripts,
              transferredBytes: loads[0].transferredBytes,
              decodedBytes: loads[0].decodedBytes,
            },
          },
          whileStreaming: {
            inpMs: interactions.length > 0 ? Math.round(Math.max(...interactions)) : null,
            interactionsSlowerThan16Ms: interactions.length,
            clicks: turns.reduce((sum, turn) => sum + turn.clicks, 0),
            droppedFrames: turns.reduce((sum, turn) => sum + turn.droppedFrames, 0),
            frames: turns.reduce((sum, turn) => sum + turn.frames, 0),
            longTasksMs: turns.reduce((sum, turn) => sum + turn.longTasksMs, 0),
            streamedMs: turns.reduce((sum, turn) => sum + turn.streamedMs, 0),
            characters: turns.reduce((sum, turn) => sum + turn.characters, 0),
          },
        },
        null,
        2,
      ),
    );
  } finally {
    await browser.close();
    await server.stop();
    build.release();
  }
}

main().catch((error: unknown) => {
  console.error(`[bench:ux] failed: ${(error as Error).stack ?? error}`);
  process.exit(1);
});
