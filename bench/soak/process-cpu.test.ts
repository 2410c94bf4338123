import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { CpuByRole } from "./process-cpu";

/** Burns this much CPU time in this process (not wall time: the machine may be busy). */
function burnCpu(ms: number) {
  const start = process.cpuUsage();
  const used = () => (process.cpuUsage(start).user + process.cpuUsage(start).system) / 1000;
  let sink = 0;
  while (used() < ms) sink += Math.sqrt(sink + 1);
  return sink;
}

describe("CpuByRole", () => {
  it("counts a role's CPU with its children's, from the first sample on", async () => {
    // A child that burns 0.3 s of CPU, says so and waits: counted under this process's role, as
    // an instance's workers are under the instance.
    const child = spawn(
      process.execPath,
      [
        "-e",
        "const end = process.cpuUsage().user + 300_000; while (process.cpuUsage().user < end); console.log('burned'); setInterval(() => {}, 1000);",
      ],
      { stdio: ["ignore", "pipe", "ignore"] },
    );
    try {
      const cpu = new CpuByRole(() => new Map([[process.pid, "this test"]]), "0");
      cpu.sample();
      burnCpu(200);
      await once(child.stdout, "data");
      cpu.sample();
      const { cpuSecondsByRole, deploymentCpuSeconds, machineBusyCpuSeconds } = cpu.summary();
      expect(Object.keys(cpuSecondsByRole)).toEqual(["this test"]);
      // 0.2 s here and 0.3 s in the child, less the ticks (10 ms) each may have had before the
      // first sample.
      expect(cpuSecondsByRole["this test"]).toBeGreaterThanOrEqual(0.45);
      expect(deploymentCpuSeconds).toBe(cpuSecondsByRole["this test"]);
      expect(machineBusyCpuSeconds).toBeGreaterThanOrEqual(deploymentCpuSeconds - 0.05);
    } finally {
      child.kill();
    }
  });
});
