// Preloaded into the soak's instances (NODE_OPTIONS=--import …): every 5 s, and after every
// major garbage collection, appends the process's memory figures as one JSON line to
// $ARBITER_MEMORY_PROBE_DIR/<pid>.jsonl. An instance's RSS swings by a hundred megabytes between
// collections, so one sample a minute says little; the heap left after a major collection is
// what a leak raises. It also writes, every 5 s, the event loop's delay over those 5 s (a loop
// busy with other requests delays a submit that has arrived), and for each submit
// (annotation.submitComparison) how long the instance took from the request's headers to the
// answer's last byte: set beside the submit time that the load generator measures, it says
// whether a slow submit was slow in the instance or on the way (run queue, balancer, client).
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { PerformanceObserver, constants, monitorEventLoopDelay } from "node:perf_hooks";

const dir = process.env.ARBITER_MEMORY_PROBE_DIR;
if (dir) {
  const file = path.join(dir, `${process.pid}.jsonl`);
  const write = (record) => fs.appendFileSync(file, `${JSON.stringify({ t: Date.now(), ...record })}\n`);
  const sample = () => {
    const { rss, heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
    write({ rss, heapTotal, heapUsed, external, arrayBuffers });
  };
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const ms = (nanoseconds) => Number((nanoseconds / 1e6).toFixed(1));
  setInterval(() => {
    sample();
    write({
      loopDelayMs: {
        p50: ms(loopDelay.percentile(50)),
        p99: ms(loopDelay.percentile(99)),
        max: ms(loopDelay.max),
      },
    });
    loopDelay.reset();
  }, 5000).unref();
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (event, request, response) {
    if (event === "request" && request.url.includes("annotation.submitComparison")) {
      const began = performance.now();
      response.once("finish", () => write({ submitMs: Number((performance.now() - began).toFixed(1)) }));
    }
    return emit.apply(this, arguments);
  };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        write({ heapUsedAfterMajorGc: process.memoryUsage().heapUsed });
      }
    }
  }).observe({ entryTypes: ["gc"] });
}
