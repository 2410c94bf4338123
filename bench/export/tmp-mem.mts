import fs from "node:fs";
import { openDatabase } from "@/db/client";
import { ExportOptions } from "@/server/services/exports/options";
import { runExport } from "@/server/services/exports/run-export";
import { folderTarget } from "@/server/services/exports/sinks";
const database = await openDatabase({ kind: "postgres", url: process.argv[2] });
fs.rmSync("/tmp/prof/mem", { recursive: true, force: true }); fs.mkdirSync("/tmp/prof/mem", { recursive: true });
const mb = (n: number) => Math.round(n / 2 ** 20);
const t0 = Date.now();
await runExport(database.db, { options: ExportOptions.parse({ format: process.argv[3] ?? "trl", campaigns: ["bench-export"] }), output: (process.argv[4] ?? "jsonl") as "jsonl", baseName: "x" }, folderTarget("/tmp/prof/mem"), {
  actor: null, via: "cli", key: Buffer.from("k"),
  onProgress: (done) => { if (done % 20000 === 0) { (globalThis as any).gc?.(); const m = process.memoryUsage(); console.log(done, Date.now() - t0, "rss", mb(m.rss), "heap", mb(m.heapUsed), "/", mb(m.heapTotal), "ext", mb(m.external), "ab", mb(m.arrayBuffers)); } },
});
console.log("maxrss", mb(process.resourceUsage().maxRSS * 1024));
await database.close();
