// The C++ test programs and benchmarks are not part of an install (it builds the addon only):
// whoever runs one builds it first, incrementally, with the build's own CUDA choice.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const buildScript = fileURLToPath(new URL("../../scripts/build-addon.mjs", import.meta.url));
const release = fileURLToPath(new URL("../../build/Release/", import.meta.url));

/** Builds a binding.gyp target (up to date: a no-op) and returns the path of its program. */
export function buildTarget(target: string): string {
  const build = spawnSync(process.execPath, [buildScript, target], { encoding: "utf8" });
  if (build.status !== 0)
    throw new Error(`building ${target} failed (status ${build.status}):\n${build.stdout}\n${build.stderr}`);
  return `${release}${target}`;
}
