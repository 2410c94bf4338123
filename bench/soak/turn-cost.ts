// `npm run --silent bench:turn-cost`: what one completed turn of the soak costs the deployment —
// SQL statements (by kind) and CPU time of the instances and of PostgreSQL — on the deployment
// `npm run bench:soak` uses (tests/scale-out/cluster.ts: production instances behind HAProxy, one
// PostgreSQL, one shared inference server), driven through the soak's HTTP client with the soak's
// flow: prompt, read the stream (every fourth annotator also follows each turn from the other
// instance), submit, three turns a dialogue, end. Counts, not timings, so it can run on a busy
// machine. PostgreSQL logs every statement (log_statement=all, set once the annotators are
// signed in); statements and CPU are counted over the work, less what an idle stretch just
// before shows for the same time (health checks, job polling), and divided by completed turns.
// With --cpu-prof DIR the instances run under Node's --cpu-prof and are stopped with SIGTERM at
// the end, so that each writes its CPU profile (a .cpuprofile file) into DIR.
//   npm run --silent bench:turn-cost -- [--annotators N] [--dialogues D] [--think-ms T] [--idle-ms I] [--cpu-prof DIR]
import fs from "node:fs";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import pg from "pg";
import {
  ADMIN,
  findHaproxy,
  lockCurrentBuild,
  signalInstance,
  startDeployment,
  type Deployment,
} from "@/tests/scale-out/cluster";
import { HttpUser, type StartedTurn, type TurnStream } from "@/tests/scale-out/http-user";
import { describeMachine, loadAverage } from "../machine";
import { createSoakCampaign, inviteAnnotators, positiveOption } from "./soak-campaign";

const { values: options } = parseArgs({
  options: {
    annotators: { type: "string", default: "8" },
    dialogues: { type: "string", default: "3" },
    "think-ms": { type: "string", default: "1000" },
    "idle-ms": { type: "string", default: "10000" },
    "cpu-prof": { type: "string" },
  },
  strict: true,
});
const positive = (name: keyof typeof options) => positiveOption(options, name);
const ANNOTATORS = Math.round(positive("annotators"));
const DIALOGUES = Math.round(positive("dialogues"));
const THINK_MS = positive("think-ms");
/** As in the soak (deploy/haproxy.cfg names two). */
const INSTANCES = 2;
const IDLE_MS = positive("idle-ms");
const TURNS_PER_DIALOGUE = 3;
const MAX_TOKENS = 24;
const log = (line: string) => process.stderr.write(`[bench:turn-cost] ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const think = () => sleep(THINK_MS * (0.5 + Math.random()));
const CLOCK_TICK_MS = 10; // USER_HZ is 100 on Linux

/** CPU ticks (user + system) of live processes, by pid, with their parent and process group. */
function processTicks() {
  const result: { pid: number; ppid: number; pgrp: number; ticks: number; childTicks: number }[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // gone meanwhile
    }
    // Fields after the command (in parentheses, which may hold spaces): state ppid pgrp ...
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    result.push({
      pid: Number(entry),
      ppid: Number(fields[1]),
      pgrp: Number(fields[2]),
      ticks: Number(fields[11]) + Number(fields[12]),
      childTicks: Number(fields[13]) + Number(fields[14]),
    });
  }
  return result;
}

/** CPU milliseconds used so far by each instance's process group and by PostgreSQL (the
 * postmaster, its live children and the children it has reaped). */
function cpuMs(deployment: Deployment, postmasterPid: number) {
  const all = processTicks();
  const instances = Object.fromEntries(
    deployment.instances.map((instance) => [
      instance.name,
      all
        .filter((item) => item.pgrp === instance.process.pid)
        .reduce((sum, item) => sum + item.ticks * CLOCK_TICK_MS, 0),
    ]),
  );
  const postgres = all
    .filter((item) => item.pid === postmasterPid || item.ppid === postmasterPid)
    .reduce(
      (sum, item) => sum + (item.ticks + (item.pid === postmasterPid ? item.childTicks : 0)) * CLOCK_TICK_MS,
      0,
    );
  return { instances, postgres };
}

/** One logged statement's text with its parameters' numbers and list lengths folded, so that
 * every run of the same query counts as one kind. */
function normalize(statement: string) {
  return statement
    .replace(/\s+/g, " ")
    .replace(/\$\d+(, \$\d+)*/g, "$n")
    .trim();
}

/** A short name of a statement: its verb and the tables it names first. */
function kindOf(statement: string) {
  const verb = /^\s*(\w+)/.exec(statement)?.[1].toLowerCase() ?? "?";
  const tables = [...statement.matchAll(/(?:from|into|update|join)\s+"?(\w+)"?/gi)].map((m) => m[1]);
  return `${verb} ${[...new Set(tables)].slice(0, 4).join(",")}`.trim();
}

/** The statements of a PostgreSQL log (log_statement=all, default prefix), between two marks. */
function statementsBetween(logText: string, startMark: string, endMark: string) {
  const records: string[] = [];
  for (const line of logText.split("\n")) {
    if (/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/.test(line)) records.push(line);
    else if (records.length > 0) records[records.length - 1] += `\n${line}`;
  }
  const statements: string[] = [];
  let inside = false;
  for (const record of records) {
    const match = /\bLOG:\s+(?:statement|execute [^:]+):\s([\s\S]*)$/.exec(record);
    if (!match) continue;
    if (match[1].includes(startMark)) inside = true;
    else if (match[1].includes(endMark)) inside = false;
    else if (inside) statements.push(normalize(match[1]));
  }
  return statements;
}

function countByText(statements: string[]) {
  const counts = new Map<string, number>();
  for (const statement of statements) counts.set(statement, (counts.get(statement) ?? 0) + 1);
  return counts;
}

let turnsCompleted = 0;
let turnsFailed = 0;

async function readToEnd(stream: TurnStream) {
  const { events, ended } = await stream.rest();
  return ended && !events.some((event) => event.type === "response" && event.response.status === "failed");
}

async function annotator(deployment: Deployment, user: HttpUser, campaignId: string, index: number) {
  for (let dialogue = 0; dialogue < DIALOGUES; dialogue++) {
    let conversationId: string | null = null;
    for (let turnIndex = 0; turnIndex < TURNS_PER_DIALOGUE; turnIndex++) {
      await think();
      const stream = await user.openStream({
        send: {
          campaignId,
          conversationId,
          message: `Prompt ${index}.${dialogue}.${turnIndex}: say something.`,
        },
      });
      const first = await stream.next();
      if (first?.type !== "turn") throw new Error(`A prompt was refused (${stream.status}).`);
      const turn: StartedTurn = first.turn;
      conversationId = turn.conversationId;
      // As in the soak: every fourth annotator also follows each turn straight from another instance.
      const other =
        index % 4 === 0
          ? deployment.instances.find((instance) => instance.name !== stream.instance)
          : undefined;
      const [completed] = await Promise.all([
        readToEnd(stream),
        other ? user.openStream({ turnId: turn.turnId }, other.url).then(readToEnd) : null,
      ]);
      if (!completed) {
        turnsFailed++;
        break;
      }
      await think();
      const ids = [...turn.responses].sort((a, b) => a.position - b.position).map((response) => response.id);
      await user.call("mutate", "annotation.submitComparison", {
        turnId: turn.turnId,
        idempotencyKey: randomUUID(),
        ranking: ids,
        strength: "better",
        timeSpentMs: 4000,
      });
      turnsCompleted++;
    }
    if (conversationId) await user.call("mutate", "annotation.endConversation", { conversationId });
  }
}

async function main() {
  const loadAtStart = loadAverage();
  const haproxy = findHaproxy();
  if (!haproxy) throw new Error("HAProxy is not installed (apt-get install haproxy).");
  const lock = await lockCurrentBuild(log);
  const profileDir = options["cpu-prof"] && path.resolve(options["cpu-prof"]);
  if (profileDir) fs.mkdirSync(profileDir, { recursive: true });
  const deployment = await startDeployment({
    instances: INSTANCES,
    haproxy,
    log,
    nodeArgs: profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : undefined,
  });
  const sql = new pg.Pool({ connectionString: deployment.databaseUrl, max: 1 });
  try {
    const admin = new HttpUser(deployment.url);
    await admin.signIn(ADMIN.email, ADMIN.password);
    const campaign = await createSoakCampaign(admin, "Turn cost", MAX_TOKENS);
    const users = await inviteAnnotators(deployment, admin, campaign.id, ANNOTATORS, "cost");

    const [{ data_directory: dataDir }] = (await sql.query<{ data_directory: string }>("show data_directory"))
      .rows;
    const postmasterPid = Number(
      fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0],
    );
    const logFile = path.join(path.dirname(dataDir), "postgres.log");
    await sql.query("alter system set log_statement = 'all'");
    await sql.query("select pg_reload_conf()");
    await sleep(1000); // every backend has read the new setting before its next statement
    const mark = (name: string) => sql.query(`select 'turn-cost:${name}'`);

    log(`idle for ${IDLE_MS} ms`);
    await mark("idle-start");
    const idleCpu = cpuMs(deployment, postmasterPid);
    const idleStarted = performance.now();
    await sleep(IDLE_MS);
    const idleMs = performance.now() - idleStarted;
    const workCpu = cpuMs(deployment, postmasterPid);
    await mark("work-start");
    const workStarted = performance.now();
    const workStartedUs = process.hrtime.bigint() / 1000n;
    log(`${ANNOTATORS} annotators, ${DIALOGUES} dialogues of ${TURNS_PER_DIALOGUE} turns each`);
    await Promise.all(users.map((user, index) => annotator(deployment, user, campaign.id, index)));
    const workMs = performance.now() - workStarted;
    const workEndedUs = process.hrtime.bigint() / 1000n;
    const endCpu = cpuMs(deployment, postmasterPid);
    await mark("work-end");
    await sql.query("alter system reset log_statement");
    await sql.query("select pg_reload_conf()");

    const logText = fs.readFileSync(logFile, "utf8");
    const idle = countByText(statementsBetween(logText, "turn-cost:idle-start", "turn-cost:work-start"));
    const work = countByText(statementsBetween(logText, "turn-cost:work-start", "turn-cost:work-end"));
    const scale = workMs / idleMs;
    const turns = turnsCompleted;
    const perTurn = (value: number) => Number((value / turns).toFixed(2));
    const byText = [...work]
      .map(([text, count]) => {
        const background = (idle.get(text) ?? 0) * scale;
        return { kind: kindOf(text), perTurn: perTurn(count - background), count, background, text };
      })
      .sort((a, b) => b.perTurn - a.perTurn);
    const byKind = new Map<string, number>();
    for (const item of byText)
      byKind.set(item.kind, (byKind.get(item.kind) ?? 0) + item.count - item.background);
    const workTotal = [...work.values()].reduce((a, b) => a + b, 0);
    const idleTotal = [...idle.values()].reduce((a, b) => a + b, 0);
    const cpuPerTurn = (pick: (cpu: ReturnType<typeof cpuMs>) => number) => {
      const idleRate = (pick(workCpu) - pick(idleCpu)) / idleMs;
      return perTurn(pick(endCpu) - pick(workCpu) - idleRate * workMs);
    };
    const instanceCpu = (cpu: ReturnType<typeof cpuMs>) =>
      Object.values(cpu.instances).reduce((a, b) => a + b, 0);
    const result = {
      benchmark: "turn-cost",
      machine: describeMachine(loadAtStart),
      method:
        "PostgreSQL log_statement=all over the work and over an idle stretch before it; per completed turn = (work count - idle rate x work time) / turns. CPU: user+system ticks of each instance's process group and of PostgreSQL (postmaster, its children, reaped children), same subtraction.",
      inputs: {
        annotators: ANNOTATORS,
        dialogues: DIALOGUES,
        turnsPerDialogue: TURNS_PER_DIALOGUE,
        thinkMs: THINK_MS,
        instances: INSTANCES,
        maxTokens: MAX_TOKENS,
        idleMs: Math.round(idleMs),
        workMs: Math.round(workMs),
      },
      turns: { completed: turns, failed: turnsFailed },
      statementsPerTurn: perTurn(workTotal - idleTotal * scale),
      statementsPerTurnRaw: perTurn(workTotal),
      cpuMsPerTurn: {
        instances: cpuPerTurn(instanceCpu),
        postgres: cpuPerTurn((cpu) => cpu.postgres),
      },
      byKind: Object.fromEntries(
        [...byKind]
          .map(([kind, count]) => [kind, perTurn(count)] as const)
          .filter(([, value]) => Math.abs(value) >= 0.01)
          .sort((a, b) => b[1] - a[1]),
      ),
      byStatement: byText
        .filter((item) => Math.abs(item.perTurn) >= 0.01)
        .map((item) => ({ perTurn: item.perTurn, kind: item.kind, text: item.text.slice(0, 240) })),
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (profileDir) {
      // A profile is written when the process exits by itself: SIGTERM drains and exits 0.
      for (const instance of deployment.instances) signalInstance(instance, "SIGTERM");
      await Promise.all(deployment.instances.map((instance) => instance.exit));
      // The profiles' sample times are on the same monotonic clock (microseconds).
      log(`CPU profiles in ${profileDir}; the work ran from ${workStartedUs} to ${workEndedUs} µs`);
    }
  } finally {
    await sql.end().catch(() => {});
    await deployment.stop();
    lock.release();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
