// What every benchmark's JSON says about the machine it ran on: the CPU, memory, Node, and the
// load average (how much other work the machine had) when the measurement started and ended, so
// that a figure taken on a shared machine says so.
import os from "node:os";

/** The 1-, 5- and 15-minute load averages, rounded. */
export function loadAverage(): number[] {
  return os.loadavg().map((value) => Math.round(value * 100) / 100);
}

export function describeMachine(loadAverageAtStart: number[]) {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    loadAverageAtStart,
    loadAverageAtEnd: loadAverage(),
  };
}
