// Preloaded into the soak's instances (NODE_OPTIONS=--import …): every 5 s, and after every
// major garbage collection, appends the process's memory figures as one JSON line to
// $ARBITER_MEMORY_PROBE_DIR/<pid>.jsonl. An instance's RSS swings by a hundred megabytes between
// collections, so one sample a minute says little; the heap left after a major collection is
// what a leak raises.
import fs from "node:fs";
import path from "node:path";
import { PerformanceObserver, constants } from "node:perf_hooks";

const dir = process.env.ARBITER_MEMORY_PROBE_DIR;
if (dir) {
  const file = path.join(dir, `${process.pid}.jsonl`);
  const write = (record) => fs.appendFileSync(file, `${JSON.stringify({ t: Date.now(), ...record })}\n`);
  const sample = () => {
    const { rss, heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
    write({ rss, heapTotal, heapUsed, external, arrayBuffers });
  };
  setInterval(sample, 5000).unref();
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        write({ heapUsedAfterMajorGc: process.memoryUsage().heapUsed });
      }
    }
  }).observe({ entryTypes: ["gc"] });
}
