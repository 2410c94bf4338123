// Knows whether .next holds a build of the current sources: a hash of everything that goes into
// the build is stored beside it, and `npm start` rebuilds when the two differ.
import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "..");
const BUILD_DIR = path.join(ROOT, ".next");
const HASH_FILE = path.join(BUILD_DIR, "arbiter-source-hash");

const SOURCE_DIRS = ["app", "server", "db", "lib", "inference/src", "public"];
const SOURCE_FILES = [
  "package.json",
  "package-lock.json",
  "next.config.js",
  "tsconfig.json",
  "tsconfig.web.json",
  "postcss.config.mjs",
  "instrumentation.ts",
  "proxy.ts",
];
const SKIPPED = /(^|\/)(node_modules|\.next|build)(\/|$)|\.test\.tsx?$/;

function listFiles(relativeDir: string): string[] {
  const absolute = path.join(ROOT, relativeDir);
  if (!fs.existsSync(absolute)) return [];
  return fs
    .readdirSync(absolute, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(ROOT, path.join(entry.parentPath, entry.name)))
    .filter((file) => !SKIPPED.test(file));
}

export function sourceHash(): string {
  const files = [
    ...SOURCE_DIRS.flatMap(listFiles),
    ...SOURCE_FILES.filter((file) => fs.existsSync(path.join(ROOT, file))),
  ].sort();
  const hash = crypto.createHash("sha256");
  for (const file of files) {
    hash.update(`${file}\0`);
    hash.update(fs.readFileSync(path.join(ROOT, file)));
  }
  return hash.digest("hex");
}

export function isBuildCurrent(hash = sourceHash()): boolean {
  if (!fs.existsSync(path.join(BUILD_DIR, "BUILD_ID"))) return false;
  return fs.existsSync(HASH_FILE) && fs.readFileSync(HASH_FILE, "utf8").trim() === hash;
}

export const NEXT_BIN = path.join(ROOT, "node_modules", "next", "dist", "bin", "next");

/**
 * V8 options of the production server (`npm start`; the scale-out tests' and the soak's
 * instances). After each major collection V8 lets the old generation grow to a multiple of what
 * survived before it collects again, and on a machine with a few GB of memory that multiple
 * climbs to 4 under steady traffic: in the soak an instance's live heap stayed at ~60 MB while its
 * reserved heap went from ~140 to ~270 MB within five minutes, and its RSS with it. A factor of 2
 * keeps the headroom at the size of the live heap, so memory follows what is live rather than how
 * long the instance has been busy, for more frequent (each one no larger) major collections.
 * Unlike a heap cap (--max-old-space-size) it limits nothing: the integrity report's votes still
 * fit. Not settable through NODE_OPTIONS, hence on the command line.
 */
export const SERVER_V8_OPTIONS = ["--heap-growing-percent=100"];

export function nextEnv(): NodeJS.ProcessEnv {
  return { NEXT_TELEMETRY_DISABLED: "1", ...process.env };
}

/** Runs `next build` and records what it was built from. Exits the process if the build fails. */
export function build(hash = sourceHash()) {
  fs.rmSync(HASH_FILE, { force: true });
  const result = spawnSync(process.execPath, [NEXT_BIN, "build"], {
    cwd: ROOT,
    stdio: "inherit",
    env: nextEnv(),
  });
  if (result.status !== 0) {
    console.error("\n[arbiter] The build failed (see above). Fix the error and run the command again.");
    process.exit(result.status ?? 1);
  }
  fs.writeFileSync(HASH_FILE, `${hash}\n`);
}
