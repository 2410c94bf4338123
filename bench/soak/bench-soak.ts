// `npm run bench:soak`: the scale-out deployment of tests/scale-out (two production instances
// behind HAProxy with deploy/haproxy.cfg, one PostgreSQL, one shared inference server on a tiny
// generated model) under simulated annotators for a while, with one PostgreSQL restart and one
// instance SIGKILL in the middle (`pg_ctl restart` at 40 % of the run, the SIGKILL at 60 %). Each annotator writes prompts, reads the streamed responses,
// submits (retrying with the same idempotency key while the server fails), continues and ends
// dialogues. Prints JSON: comparisons acknowledged vs stored (lost, duplicated), submit latency
// outside the fault windows, the delay of a turn's text reaching another instance (a follower
// connected straight to the instance that is not generating), and each instance's RSS and open
// file descriptors every minute of the run, with the growth from minute 2 to the end.
//   npm run bench:soak -- [--annotators N] [--minutes M] [--think-ms T]
//   --annotators   simulated annotators (default 200)
//   --minutes      how long they work, counted from when the first one starts (default 10)
//   --think-ms     pause between an annotator's actions, mean (default 8000)
//   --inference-nice  the inference server's niceness, 0-19 (default 0: the web tier's priority)
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { monitorEventLoopDelay } from "node:perf_hooks";
import pg from "pg";
import {
  ADMIN,
  findHaproxy,
  lockCurrentBuild,
  signalInstance,
  startDeployment,
  type Deployment,
} from "@/tests/scale-out/cluster";
import { HttpUser, type StartedTurn, type StreamEvent, type TurnStream } from "@/tests/scale-out/http-user";
import { describeMachine, loadAverage } from "../machine";
import { CpuByRole } from "./process-cpu";
import { createSoakCampaign, inviteAnnotators, positiveOption } from "./soak-campaign";

const { values: options } = parseArgs({
  options: {
    annotators: { type: "string", default: "200" },
    minutes: { type: "string", default: "10" },
    "think-ms": { type: "string", default: "8000" },
    "inference-nice": { type: "string", default: "0" },
  },
  strict: true,
});
const positive = (name: keyof typeof options) => positiveOption(options, name);
const ANNOTATORS = Math.round(positive("annotators"));
const MINUTES = positive("minutes");
const THINK_MS = positive("think-ms");
/** The inference server's niceness: in a deployment it has machines of its own (deploy/README.md);
 * here it shares the web tier's two cores, and at the same priority it takes them from submits. */
const INFERENCE_NICENESS = Number(options["inference-nice"]);
if (!Number.isInteger(INFERENCE_NICENESS) || INFERENCE_NICENESS < 0 || INFERENCE_NICENESS > 19)
  throw new Error("--inference-nice must be a whole number from 0 to 19.");
const TURNS_PER_DIALOGUE = 3;
const MAX_TOKENS = 24;
/** Submits this long after a fault began count as inside its window. */
const FAULT_WINDOW_MS = 30_000;
const log = (line: string) => process.stderr.write(`[bench:soak] ${line}\n`);

const durationMs = MINUTES * 60_000;
/** When the annotators start (set up, inviting and signing in are not counted). */
let started = 0;
const elapsed = () => Date.now() - started;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const think = () => sleep(THINK_MS * (0.5 + Math.random()));

function percentile(values: number[], q: number) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return Number(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)].toFixed(1));
}

const faults: { kind: string; atMs: number; detail?: string }[] = [];
const inFaultWindow = (at: number) =>
  faults.some((fault) => at >= fault.atMs && at < fault.atMs + FAULT_WINDOW_MS);

const stats = {
  turnsStarted: 0,
  turnsCompleted: 0,
  turnsWithFailedResponses: 0,
  /** Prompts the server refused, by status and message (e.g. a generation limit). */
  sendRefusals: {} as Record<string, number>,
  submitLatencies: [] as { atMs: number; ms: number }[],
  submitAttemptsFailed: 0,
  acknowledged: new Map<string, string>(), // turn id -> comparison id
  crossInstanceDelays: [] as number[],
  /** From sending a prompt to its stream's end (every response finished), uninterrupted turns. */
  turnStreamMs: [] as number[],
};

async function refusalMessage(stream: TurnStream) {
  const body = await stream.response.json().catch(() => null);
  return (body as { error?: { message?: string } } | null)?.error?.message ?? "";
}

/** Reads a stream to its end; per text length reached, when. */
async function readTimed(stream: TurnStream) {
  const lengths = new Map<string, number>();
  const reached: { responseId: string; length: number; at: number }[] = [];
  let ended = false;
  const failed = new Set<string>();
  for (let event = await stream.next(); event; event = await stream.next()) {
    const at = performance.now();
    if (event.type === "snapshot")
      for (const response of event.responses) lengths.set(response.id, response.text.length);
    if (event.type === "delta") {
      const length = event.offset + event.text.length;
      lengths.set(event.responseId, length);
      reached.push({ responseId: event.responseId, length, at });
    }
    if (event.type === "response" && event.response.status === "failed") failed.add(event.response.id);
    if (event.type === "end") {
      ended = true;
      break;
    }
  }
  return { reached, ended, failed };
}

/** For each piece of text the generating instance's stream got, how much later the other's did. */
function delays(local: Awaited<ReturnType<typeof readTimed>>, remote: Awaited<ReturnType<typeof readTimed>>) {
  const result: number[] = [];
  for (const piece of local.reached) {
    const there = remote.reached.find(
      (item) => item.responseId === piece.responseId && item.length >= piece.length,
    );
    if (there) result.push(Math.max(0, there.at - piece.at));
  }
  return result;
}

async function submit(user: HttpUser, turn: StartedTurn) {
  const ids = [...turn.responses].sort((a, b) => a.position - b.position).map((response) => response.id);
  const input = {
    turnId: turn.turnId,
    idempotencyKey: randomUUID(),
    ranking: ids,
    strength: "better",
    timeSpentMs: 4000,
  };
  // As the browser does: the same key until the server answers (idempotentRetry in app/_lib/trpc.tsx).
  for (let attempt = 0; elapsed() < durationMs + 120_000; attempt++) {
    const at = elapsed();
    const sent = performance.now();
    const answer = await user
      .mutate<{ comparisonId: string }>("annotation.submitComparison", input)
      .catch(() => null);
    if (answer?.status === 200) {
      stats.submitLatencies.push({ atMs: at, ms: performance.now() - sent });
      stats.acknowledged.set(turn.turnId, answer.body.comparisonId);
      return true;
    }
    stats.submitAttemptsFailed++;
    if (answer && answer.status < 500) return false; // refused for a reason: not retried
    await sleep(Math.min(8000, 1000 * 2 ** attempt));
  }
  return false;
}

async function annotator(deployment: Deployment, user: HttpUser, campaignId: string, index: number) {
  await sleep(Math.random() * THINK_MS * 2); // arrivals spread out
  while (elapsed() < durationMs) {
    let conversationId: string | null = null;
    for (let turnIndex = 0; turnIndex < TURNS_PER_DIALOGUE && elapsed() < durationMs; turnIndex++) {
      await think();
      stats.turnsStarted++;
      const sent = performance.now();
      const stream: TurnStream | null = await user
        .openStream({
          send: { campaignId, conversationId, message: `Prompt ${index}.${turnIndex}: say something.` },
        })
        .catch(() => null);
      const first: StreamEvent | null = stream && (await stream.next());
      if (!stream || first?.type !== "turn") {
        const reason = stream ? `${stream.status} ${await refusalMessage(stream)}` : "no answer";
        stats.sendRefusals[reason] = (stats.sendRefusals[reason] ?? 0) + 1;
        break; // start a new dialogue
      }
      const turn: StartedTurn = first.turn;
      conversationId = turn.conversationId;
      // Every fourth turn is also followed from the other instance, straight (not through the
      // balancer), to time the cross-instance path.
      const other =
        index % 4 === 0
          ? deployment.instances.find((instance) => instance.name !== stream.instance)
          : undefined;
      const [local, remote] = await Promise.all([
        readTimed(stream).then((result) => {
          if (result.ended) stats.turnStreamMs.push(performance.now() - sent);
          return result;
        }),
        other
          ? user
              .openStream({ turnId: turn.turnId }, other.url)
              .then(readTimed)
              .catch(() => null)
          : Promise.resolve(null),
      ]);
      if (remote && local.ended && remote.ended) stats.crossInstanceDelays.push(...delays(local, remote));
      let ended = local.ended;
      let failed = local.failed.size > 0;
      if (!ended) {
        // The stream broke (instance killed): follow again through the balancer.
        const again = await user.openStream({ turnId: turn.turnId }).catch(() => null);
        const result = again ? await readTimed(again) : null;
        ended = result?.ended ?? false;
        failed = failed || (result?.failed.size ?? 0) > 0;
      }
      if (!ended || failed) {
        stats.turnsWithFailedResponses++;
        break; // an annotator would retry; the soak starts a new dialogue instead
      }
      stats.turnsCompleted++;
      await think();
      if (!(await submit(user, turn))) break;
    }
    // As a person clicks End again until it works: a dialogue left open refuses the next one.
    for (let attempt = 0; conversationId && attempt < 6; attempt++) {
      const ended = await user.mutate("annotation.endConversation", { conversationId }).catch(() => null);
      if (ended && ended.status < 500) break;
      await sleep(1000 * 2 ** attempt);
    }
  }
}

/** The Next.js server's own process (the spawned one), by its /proc entry. */
function processFigures(pid: number) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { pid, rssMb: Math.round(rssKb / 1024), openFds: fs.readdirSync(`/proc/${pid}/fd`).length };
  } catch {
    return null;
  }
}

type Sample = { minute: number; instances: Record<string, ReturnType<typeof processFigures>> };

/** What bench/soak/memory-probe.mjs wrote for one process: a line every 5 s and after each major
 * GC, the event loop's delay every 5 s, a line per submit answered. */
type ProbeRecord = {
  t: number;
  loopDelayMs?: { p50: number; p99: number; max: number };
  submitMs?: number;
  rss?: number;
  heapTotal?: number;
  heapUsed?: number;
  external?: number;
  heapUsedAfterMajorGc?: number;
};

function readProbe(dir: string, pid: number): ProbeRecord[] {
  const file = path.join(dir, `${pid}.jsonl`);
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ProbeRecord);
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
const growth = (from: number, to: number) => Number(((100 * (to - from)) / from).toFixed(1));

/**
 * One process's memory over the run, a window per minute (the minute ending at 1, 2, …): RSS
 * lowest, median and highest of the 5-second samples, and the heap left after the last major
 * collection. The growth from minute 2 to the run's last minute is taken on the highest RSS of each
 * window (the top of the sawtooth that the collections draw: a leak lifts it) and on the heap
 * after a major collection (the live objects).
 */
function probeSummary(records: ProbeRecord[], startedAt: number) {
  const minuteOf = (record: ProbeRecord) => Math.ceil((record.t - startedAt) / 60_000);
  const windows = new Map<
    number,
    { rss: number[]; heapTotal: number[]; external: number[]; heapAfterGc: number | null }
  >();
  for (const record of records) {
    const minute = minuteOf(record);
    if (minute < 1) continue;
    const window = windows.get(minute) ?? { rss: [], heapTotal: [], external: [], heapAfterGc: null };
    if (record.rss !== undefined) window.rss.push(record.rss);
    if (record.heapTotal !== undefined) window.heapTotal.push(record.heapTotal);
    if (record.external !== undefined) window.external.push(record.external);
    if (record.heapUsedAfterMajorGc !== undefined) window.heapAfterGc = record.heapUsedAfterMajorGc;
    windows.set(minute, window);
  }
  const perMinute = [...windows.entries()]
    .filter(([, window]) => window.rss.length > 0)
    .sort(([a], [b]) => a - b)
    .map(([minute, window]) => ({
      minute,
      rssMb: {
        min: mb(Math.min(...window.rss)),
        median: mb(percentile(window.rss, 0.5)!),
        max: mb(Math.max(...window.rss)),
      },
      heapMbAfterMajorGc: window.heapAfterGc === null ? null : mb(window.heapAfterGc),
      // What the rest of the RSS is: V8's heap as reserved, and memory outside it (buffers).
      heapTotalMbMax: mb(Math.max(...window.heapTotal)),
      externalMbMax: mb(Math.max(...window.external)),
    }));
  // The run's last whole minute (the annotators finish their dialogues after it).
  const inRun = perMinute.filter((item) => item.minute <= Math.ceil(MINUTES));
  const early = inRun.find((item) => item.minute === 2) ?? null;
  const last = inRun.at(-1) ?? null;
  const lastHeap = inRun.findLast((item) => item.heapMbAfterMajorGc !== null) ?? null;
  const earlyHeap = inRun.find((item) => item.minute >= 2 && item.heapMbAfterMajorGc !== null) ?? null;
  return {
    peakRssGrowthPercent: early && last && last !== early ? growth(early.rssMb.max, last.rssMb.max) : null,
    heapAfterMajorGcGrowthPercent:
      earlyHeap && lastHeap && lastHeap !== earlyHeap
        ? growth(earlyHeap.heapMbAfterMajorGc!, lastHeap.heapMbAfterMajorGc!)
        : null,
    perMinute,
  };
}

/**
 * Per instance: the once-a-minute /proc samples (RSS at the first sample from minute 2 on and at
 * the last one, only compared when both are the same process: an instance killed meanwhile was
 * replaced; the range of its open file descriptors), and the probe's windows for the process
 * that ran to the end.
 */
function memorySummary(samples: Sample[], probeDir: string, deployment: Deployment, startedAt: number) {
  const names = Object.keys(samples[0]?.instances ?? {});
  return Object.fromEntries(
    names.map((name) => {
      const series = samples
        .map((sample) => ({ minute: sample.minute, figures: sample.instances[name] }))
        .filter((item) => item.figures !== null && item.figures !== undefined);
      const early = series.find((item) => item.minute >= 2) ?? null;
      const last = series.at(-1) ?? null;
      const sameProcess = early !== null && last !== null && early.figures!.pid === last.figures!.pid;
      const fds = series.map((item) => item.figures!.openFds);
      const pid = deployment.instances.find((instance) => instance.name === name)!.process.pid!;
      return [
        name,
        {
          rssMbAtMinute2: early && { minute: early.minute, rssMb: early.figures!.rssMb },
          rssMbAtEnd: last && { minute: last.minute, rssMb: last.figures!.rssMb },
          rssGrowthPercent: sameProcess
            ? Number(((100 * (last.figures!.rssMb - early.figures!.rssMb)) / early.figures!.rssMb).toFixed(1))
            : null,
          restartedInBetween: early && last ? !sameProcess : null,
          openFds: { min: Math.min(...fds), max: Math.max(...fds) },
          probe: sameProcess ? probeSummary(readProbe(probeDir, pid), startedAt) : null,
        },
      ];
    }),
  );
}

const spread = (values: number[]) => ({ median: percentile(values, 0.5), p95: percentile(values, 0.95) });

/**
 * The instances' side of the submits outside the fault windows (from the request's headers to
 * the answer's last byte, every instance process of the run), and their event loops' delay: the
 * 5-second windows' p99 and max, as percentiles over the windows.
 */
function instanceSideSummary(probeDir: string, instancePids: Set<number>, startedAt: number) {
  const records = [...instancePids].flatMap((pid) => readProbe(probeDir, pid));
  const calm = records.filter((record) => record.t >= startedAt && !inFaultWindow(record.t - startedAt));
  const submits = calm.flatMap((record) => (record.submitMs === undefined ? [] : [record.submitMs]));
  const loops = calm.flatMap((record) => (record.loopDelayMs ? [record.loopDelayMs] : []));
  return {
    submitMsOutsideFaultWindows: {
      count: submits.length,
      p50: percentile(submits, 0.5),
      p95: percentile(submits, 0.95),
    },
    eventLoopDelayMsPer5s: {
      windows: loops.length,
      p99: spread(loops.map((loop) => loop.p99)),
      max: spread(loops.map((loop) => loop.max)),
    },
  };
}

async function main() {
  const loadAtStart = loadAverage();
  const haproxy = findHaproxy();
  if (!haproxy) throw new Error("HAProxy is not installed (apt-get install haproxy).");
  const lock = await lockCurrentBuild(log);
  const probeDir = fs.mkdtempSync(path.join(os.tmpdir(), "arbiter-soak-memory-"));
  const deployment = await startDeployment({
    instances: 2,
    haproxy,
    inferenceNiceness: INFERENCE_NICENESS || undefined,
    log,
    env: {
      NODE_OPTIONS: `--import ${pathToFileURL(path.join(import.meta.dirname, "memory-probe.mjs")).href}`,
      ARBITER_MEMORY_PROBE_DIR: probeDir,
    },
  });
  const sql = new pg.Pool({ connectionString: deployment.databaseUrl, max: 2 });
  sql.on("error", () => {});
  try {
    const admin = new HttpUser(deployment.url);
    await admin.signIn(ADMIN.email, ADMIN.password);
    const campaign = await createSoakCampaign(admin, "Soak", MAX_TOKENS);
    log(`inviting ${ANNOTATORS} annotators…`);
    const users = await inviteAnnotators(deployment, admin, campaign.id, ANNOTATORS, "soak");

    const samples: Sample[] = [];
    const sample = () =>
      samples.push({
        minute: Number((elapsed() / 60_000).toFixed(1)),
        instances: Object.fromEntries(
          deployment.instances.map((instance) => [instance.name, processFigures(instance.process.pid!)]),
        ),
      });
    const sampler = setInterval(sample, 60_000);
    const schedule = [
      setTimeout(() => {
        faults.push({ kind: "postgresql restart (pg_ctl restart -m fast)", atMs: elapsed() });
        log("restarting PostgreSQL");
        void deployment.pg.restart().then(() => log("PostgreSQL is back"));
      }, durationMs * 0.4),
      setTimeout(() => {
        const victim = deployment.instances[1];
        faults.push({ kind: "instance SIGKILL", atMs: elapsed(), detail: victim.name });
        log(`killing ${victim.name}`);
        signalInstance(victim, "SIGKILL");
        void deployment.restartInstance(1).then(() => log(`${victim.name} is back`));
      }, durationMs * 0.6),
    ];
    // Which process takes the CPU, and whether the load generator itself lags (its own delay
    // would count in every latency it measures).
    const instancePids = new Set<number>();
    const cpu = new CpuByRole(() => {
      const roots = new Map<number, string>([
        [process.pid, "load generator"],
        [deployment.inference.pid, "inference server"],
      ]);
      for (const instance of deployment.instances) {
        roots.set(instance.process.pid!, instance.name);
        instancePids.add(instance.process.pid!);
      }
      return roots;
    }, new URL(deployment.databaseUrl).port);
    const cpuSampler = setInterval(() => cpu.sample(), 5000);
    const ownLoopDelay = monitorEventLoopDelay({ resolution: 10 });
    log(`${ANNOTATORS} annotators for ${MINUTES} min`);
    started = Date.now();
    cpu.sample();
    ownLoopDelay.enable();
    const ownCpuAtStart = process.cpuUsage();
    sample();
    await Promise.all(users.map((user, index) => annotator(deployment, user, campaign.id, index)));
    const ownCpu = process.cpuUsage(ownCpuAtStart);
    ownLoopDelay.disable();
    clearInterval(sampler);
    clearInterval(cpuSampler);
    schedule.forEach(clearTimeout);
    sample();
    cpu.sample();

    const acknowledgedIds = [...stats.acknowledged.values()];
    const { rows: stored } = await sql.query<{ id: string }>(
      "select id from comparisons where id = any($1::uuid[])",
      [acknowledgedIds],
    );
    const { rows: duplicates } = await sql.query<{ turn_id: string; n: string }>(
      "select turn_id, count(*) as n from comparisons where campaign_id = $1 group by turn_id having count(*) > 1",
      [campaign.id],
    );
    const { rows: total } = await sql.query<{ n: string }>(
      "select count(*) as n from comparisons where campaign_id = $1",
      [campaign.id],
    );
    const calm = stats.submitLatencies.filter((item) => !inFaultWindow(item.atMs)).map((item) => item.ms);
    const result = {
      benchmark: "soak",
      machine: describeMachine(loadAtStart),
      note: "Everything (PostgreSQL, HAProxy, both instances, the engine, the load generator) shares this machine: figures are per deployment, not a throughput-scaling result.",
      inputs: {
        annotators: ANNOTATORS,
        minutes: MINUTES,
        thinkMs: THINK_MS,
        maxTokens: MAX_TOKENS,
        instances: 2,
        inferenceNiceness: INFERENCE_NICENESS,
      },
      faults,
      turns: {
        started: stats.turnsStarted,
        completed: stats.turnsCompleted,
        withFailedResponses: stats.turnsWithFailedResponses,
        refused: stats.sendRefusals,
        perInstancePerMinute: Number((stats.turnsCompleted / 2 / MINUTES).toFixed(1)),
      },
      comparisons: {
        acknowledged: acknowledgedIds.length,
        storedOfAcknowledged: stored.length,
        lost: acknowledgedIds.length - stored.length,
        inDatabase: Number(total[0].n),
        turnsStoredTwice: duplicates.length,
        failedSubmitAttempts: stats.submitAttemptsFailed,
      },
      submitMs: {
        outsideFaultWindows: { count: calm.length, p50: percentile(calm, 0.5), p95: percentile(calm, 0.95) },
        all: {
          count: stats.submitLatencies.length,
          p95: percentile(
            stats.submitLatencies.map((item) => item.ms),
            0.95,
          ),
        },
      },
      turnStreamMs: {
        count: stats.turnStreamMs.length,
        p50: percentile(stats.turnStreamMs, 0.5),
        p95: percentile(stats.turnStreamMs, 0.95),
      },
      instanceSide: instanceSideSummary(probeDir, instancePids, started),
      loadGenerator: {
        cpuSeconds: Number(((ownCpu.user + ownCpu.system) / 1e6).toFixed(1)),
        eventLoopDelayMs: {
          p50: Number((ownLoopDelay.percentile(50) / 1e6).toFixed(1)),
          p99: Number((ownLoopDelay.percentile(99) / 1e6).toFixed(1)),
          max: Number((ownLoopDelay.max / 1e6).toFixed(1)),
        },
      },
      cpu: { runSeconds: Number((elapsed() / 1000).toFixed(0)), ...cpu.summary() },
      crossInstanceStreamDelayMs: {
        samples: stats.crossInstanceDelays.length,
        p50: percentile(stats.crossInstanceDelays, 0.5),
        p95: percentile(stats.crossInstanceDelays, 0.95),
      },
      memory: memorySummary(samples, probeDir, deployment, started),
      processes: samples,
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await sql.end();
    await deployment.stop();
    lock.release();
    fs.rmSync(probeDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    log(error.stack ?? error.message);
    process.exit(1);
  },
);
