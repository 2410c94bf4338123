// Child process of the corrupt-GGUF test: loads each file of a manifest with the engine and
// prints one JSON line per file, so a crash (which ends this process) cannot hide in the test
// runner and the parent knows which file caused it. A file that loads is also used a little
// (tokenize, detokenize, evaluate) to show that whatever the loader accepted is safe to run.
//
// usage: tsx load-files-child.ts MANIFEST.json   (MANIFEST: [{ "name": ..., "path": ... }])

import { readFileSync } from "node:fs";

import { loadModel } from "../index";

interface Entry {
  name: string;
  path: string;
}

function line(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + "\n");
}

function describeError(error: unknown): { code: string | null; message: string } {
  const e = error as { code?: unknown; message?: unknown };
  return {
    code: typeof e?.code === "string" ? e.code : null,
    message: typeof e?.message === "string" ? e.message : String(error),
  };
}

async function main(): Promise<void> {
  const entries = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as Entry[];
  for (const entry of entries) {
    line({ start: entry.name });
    let model;
    try {
      model = await loadModel(entry.path, { device: "cpu", threads: 1, contextLength: 16, maxSequences: 1 });
    } catch (error) {
      line({ name: entry.name, loaded: false, ...describeError(error) });
      continue;
    }
    let use: { code: string | null; message: string } | null = null;
    try {
      const ids = model.tokenize("Hello world 🦙", { addBos: true });
      model.detokenize(ids);
      await model.evaluate(ids.slice(0, 4));
    } catch (error) {
      use = describeError(error);
    } finally {
      model.dispose();
    }
    line({ name: entry.name, loaded: true, useError: use });
  }
  line({ done: true });
}

main().catch((error: unknown) => {
  process.stderr.write(`load-files-child: ${String(error)}\n`);
  process.exit(1);
});
