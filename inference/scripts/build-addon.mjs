// Builds the native addon (npm postinstall, `npm run build:addon`): runs node-gyp in inference/,
// incrementally when the build folder is already configured for the current binding.gyp and the
// same CUDA choice. `--force` rebuilds from scratch. Says whether the CUDA objects are built and
// how to change that (detect-cuda.mjs decides). Exits non-zero with the reason when the build
// fails: the engine's tests and the inference server need the addon.
//
// Only the addon is built by default, so that an install compiles what the app runs. Other
// targets of binding.gyp are named on the command line by whoever needs them (the C++ tests,
// the CUDA host checks and the kernel benchmark build theirs on demand):
//   node inference/scripts/build-addon.mjs engine_tests
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { findLib, gencode } from "./cuda-config.mjs";
import { decideCuda, findNvcc } from "./detect-cuda.mjs";

const inferenceDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const force = process.argv.includes("--force");
const targets = process.argv.slice(2).filter((argument) => !argument.startsWith("--"));
// A named target joins the build as it was configured (CUDA on or off), which an environment
// without the install's settings (a test run) would otherwise change.
const joinConfiguredBuild = targets.length > 0;
if (targets.length === 0) targets.push("arbiter");
const buildDir = join(inferenceDir, "build");
const configurationFile = join(buildDir, "arbiter-configuration.json");
const jobs = process.env.ARBITER_BUILD_JOBS ?? String(availableParallelism());

function fail(reason) {
  console.error(`[arbiter] the native addon was not built: ${reason}`);
  console.error("[arbiter] fix the cause, then run: npm run build:addon");
  process.exit(1);
}

// npm runs lifecycle scripts with its bundled node-gyp on PATH; outside npm, use the copy that
// ships inside npm itself.
function nodeGypCommand() {
  const onPath = spawnSync("node-gyp", ["--version"], { stdio: "ignore" });
  if (onPath.status === 0) return { cmd: "node-gyp", prefix: [] };
  const bundled = join(
    dirname(process.execPath),
    "..",
    "lib",
    "node_modules",
    "npm",
    "node_modules",
    "node-gyp",
    "bin",
    "node-gyp.js",
  );
  if (existsSync(bundled)) return { cmd: process.execPath, prefix: [bundled] };
  fail("node-gyp was not found (it ships with npm; is npm installed next to node?)");
}

// Node's headers: npm passes its `nodedir` setting; otherwise use the headers installed beside
// this node binary, since this machine cannot download them.
function nodeDirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = join(dirname(process.execPath), "..");
  if (existsSync(join(prefix, "include", "node", "node_api.h"))) return [`--nodedir=${prefix}`];
  return [];
}

function run(gyp, args, env) {
  const result = spawnSync(gyp.cmd, [...gyp.prefix, ...args], {
    cwd: inferenceDir,
    stdio: "inherit",
    env,
  });
  if (result.error) fail(`node-gyp could not start: ${result.error.message}`);
  if (result.status !== 0)
    fail(`node-gyp ${args[0]} exited with status ${result.status} (see the compiler output above)`);
}

// One build at a time in build/: two makes in one folder corrupt each other's objects.
function acquireBuildLock(buildDir) {
  mkdirSync(buildDir, { recursive: true });
  const lock = join(buildDir, ".build-lock");
  let announced = false;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, "pid"), String(process.pid));
      const release = () => rmSync(lock, { recursive: true, force: true });
      process.on("exit", release);
      for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(1));
      return;
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
    }
    let owner = NaN;
    try {
      owner = Number(readFileSync(join(lock, "pid"), "utf8"));
    } catch {}
    let alive = false;
    try {
      alive = Number.isInteger(owner) && owner > 0 && process.kill(owner, 0);
    } catch {}
    if (!alive && Number.isInteger(owner)) {
      rmSync(lock, { recursive: true, force: true }); // left by a build that died
      continue;
    }
    if (!announced) console.log(`[arbiter] waiting for another addon build (pid ${owner}) to finish`);
    announced = true;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
  }
}

// make re-archives a static library only when one of its objects is newer than it, which a new
// configuration need not bring: CUDA on → off links the stub object compiled by an earlier build.
function removeArchives(buildDir) {
  const release = join(buildDir, "Release");
  if (!existsSync(release)) return;
  for (const file of readdirSync(release, { recursive: true })) {
    if (file.endsWith(".a")) rmSync(join(release, file), { force: true });
  }
}

function decide() {
  try {
    return decideCuda();
  } catch (error) {
    fail(error.message);
  }
}

const previousConfiguration =
  joinConfiguredBuild && existsSync(configurationFile) ? readFileSync(configurationFile, "utf8") : null;
const cuda = previousConfiguration ? { cuda: JSON.parse(previousConfiguration).cuda === true } : decide();
if (previousConfiguration) {
  console.log(
    `[arbiter] building ${targets.join(", ")} with CUDA ${cuda.cuda ? "on" : "off"}, as the addon was built`,
  );
} else if (cuda.cuda) {
  console.log(`[arbiter] CUDA: on (${cuda.reason}). Compiling the CUDA kernels takes minutes.`);
  console.log("[arbiter] for a CPU-only build instead: ARBITER_CUDA=off npm run build:addon");
} else {
  console.log(`[arbiter] CUDA: off (${cuda.reason}). Building the CPU engine only.`);
  console.log(
    "[arbiter] to compile the CUDA objects anyway (needs nvcc): ARBITER_CUDA=on npm run build:addon",
  );
}
// Everything binding.gyp reads from the environment at configure time: when it differs from the
// last configuration, the Makefile is stale.
const configuration =
  previousConfiguration ??
  JSON.stringify(
    cuda.cuda ? { cuda: true, nvcc: findNvcc(), lib: findLib(), gencode: gencode() } : { cuda: false },
  );
// binding.gyp asks detect-cuda.mjs again; the explicit setting makes it give the answer above.
const gypEnv = { ...process.env, ARBITER_CUDA: cuda.cuda ? "on" : "off" };

const gyp = nodeGypCommand();
acquireBuildLock(buildDir);
const configured =
  existsSync(join(buildDir, "Makefile")) &&
  existsSync(join(buildDir, "config.gypi")) &&
  existsSync(configurationFile) &&
  readFileSync(configurationFile, "utf8") === configuration;
const stale =
  !configured ||
  statSync(join(inferenceDir, "binding.gyp")).mtimeMs > statSync(join(buildDir, "config.gypi")).mtimeMs;

const started = Date.now();
if (force) run(gyp, ["clean"], gypEnv);
if (force || stale) {
  rmSync(configurationFile, { force: true });
  removeArchives(buildDir);
  run(gyp, ["configure", ...nodeDirArgs()], gypEnv);
  writeFileSync(configurationFile, configuration);
}
run(gyp, ["build", `--jobs=${jobs}`, ...targets], gypEnv);
console.log(
  `[arbiter] built ${targets.map((target) => `inference/build/Release/${target === "arbiter" ? "arbiter.node" : target}`).join(", ")} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
);
