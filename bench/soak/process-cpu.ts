// CPU time per role in the soak's deployment (each instance, PostgreSQL, the inference server,
// HAProxy, the load generator), from /proc: on a machine whose cores all of them share, which
// one takes the CPU says where a request waits. Sampled every few seconds; a process is counted
// under the first role found walking up its parents (PostgreSQL's backends under the postmaster
// listening on the benchmark's port), so a process that was killed and replaced is counted too.
import fs from "node:fs";

/** Linux's USER_HZ: the unit of utime and stime in /proc/<pid>/stat. */
const TICKS_PER_SECOND = 100;

interface ProcessStat {
  pid: number;
  parent: number;
  command: string;
  ticks: number;
}

function readStat(pid: number): ProcessStat | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null; // exited meanwhile
  }
  // The command is in parentheses and may hold spaces; the fields after it are numbers.
  const close = text.lastIndexOf(")");
  const fields = text.slice(close + 2).split(" ");
  return {
    pid,
    parent: Number(fields[1]),
    command: text.slice(text.indexOf("(") + 1, close),
    ticks: Number(fields[11]) + Number(fields[12]),
  };
}

/** The whole machine's busy time (all cores, every process: other work on the machine too). */
function machineBusyTicks() {
  const [, ...counters] = fs.readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = counters.map(Number);
  return user + nice + system + irq + softirq + steal;
}

function postmasterPid(stats: ProcessStat[], port: string) {
  for (const stat of stats) {
    if (stat.command !== "postgres") continue;
    let commandLine: string[];
    try {
      commandLine = fs.readFileSync(`/proc/${stat.pid}/cmdline`, "utf8").split("\0");
    } catch {
      continue; // exited meanwhile
    }
    const portIndex = commandLine.indexOf("-p");
    if (portIndex >= 0 && commandLine[portIndex + 1] === port) return stat.pid;
  }
  return null;
}

export class CpuByRole {
  private readonly lastTicks = new Map<number, number>();
  private readonly secondsByRole = new Map<string, number>();
  private readonly machineStart = machineBusyTicks();
  private machineNow = this.machineStart;
  private sampled = false;

  /** `roots`: the processes whose trees make up each role now (instances are replaced). */
  constructor(
    private readonly roots: () => Map<number, string>,
    private readonly postgresPort: string,
  ) {}

  sample() {
    const stats = fs
      .readdirSync("/proc")
      .filter((name) => /^\d+$/.test(name))
      .map((name) => readStat(Number(name)))
      .filter((stat): stat is ProcessStat => stat !== null);
    const byPid = new Map(stats.map((stat) => [stat.pid, stat]));
    const roots = this.roots();
    const postmaster = postmasterPid(stats, this.postgresPort);
    if (postmaster !== null) roots.set(postmaster, "postgresql");
    const roleOf = (stat: ProcessStat): string | null => {
      for (let current: ProcessStat | undefined = stat; current; current = byPid.get(current.parent)) {
        if (roots.has(current.pid)) return roots.get(current.pid)!;
        if (current.command === "haproxy") return "haproxy";
      }
      return null;
    };
    for (const stat of stats) {
      const role = roleOf(stat);
      if (role === null) continue;
      // A process first seen now started after the last sample (or this is the first sample).
      const since = this.lastTicks.get(stat.pid) ?? (this.sampled ? 0 : stat.ticks);
      this.lastTicks.set(stat.pid, stat.ticks);
      this.secondsByRole.set(
        role,
        (this.secondsByRole.get(role) ?? 0) + (stat.ticks - since) / TICKS_PER_SECOND,
      );
    }
    this.machineNow = machineBusyTicks();
    this.sampled = true;
  }

  /** CPU seconds per role since the first sample, and the machine's busy seconds (all cores). */
  summary() {
    const roles = Object.fromEntries(
      [...this.secondsByRole.entries()]
        .sort(([, a], [, b]) => b - a)
        .map(([role, seconds]) => [role, Number(seconds.toFixed(1))]),
    );
    const deployment = [...this.secondsByRole.values()].reduce((sum, seconds) => sum + seconds, 0);
    const machine = (this.machineNow - this.machineStart) / TICKS_PER_SECOND;
    return {
      cpuSecondsByRole: roles,
      deploymentCpuSeconds: Number(deployment.toFixed(1)),
      machineBusyCpuSeconds: Number(machine.toFixed(1)),
    };
  }
}
