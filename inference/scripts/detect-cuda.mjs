// Decides whether the addon is built with the CUDA objects. nvcc alone is not enough: compiling
// the kernels for four architectures takes minutes, wasted where no GPU will ever run them. So
// CUDA is on where nvcc is found and an NVIDIA driver or GPU is present, unless ARBITER_CUDA
// (a build-time setting: on, off or auto, the default) says otherwise.
// Run as a script (binding.gyp's arbiter_cuda), it prints 1 or 0.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The CUDA compiler: PATH, then $CUDA_HOME/bin, then /usr/local/cuda/bin; null when absent. */
export function findNvcc(env = process.env) {
  const candidates = (env.PATH ?? "").split(delimiter).map((dir) => join(dir, "nvcc"));
  if (env.CUDA_HOME) candidates.push(join(env.CUDA_HOME, "bin", "nvcc"));
  candidates.push("/usr/local/cuda/bin/nvcc");
  return candidates.find((path) => existsSync(path)) ?? null;
}

// The driver library a GPU machine has installed; the toolkit's stubs/ and compat/ copies, which
// exist without any GPU, do not count.
function findDriverLibrary(env) {
  const candidates = [];
  for (const ldconfig of ["ldconfig", "/sbin/ldconfig"]) {
    const listed = spawnSync(ldconfig, ["-p"], { encoding: "utf8" });
    if (listed.status !== 0) continue;
    for (const line of listed.stdout.split("\n")) {
      if (/^\s*libcuda\.so\.1\s/.test(line)) candidates.push(line.split("=>").pop().trim());
    }
    break;
  }
  const dirs = (env.LD_LIBRARY_PATH ?? "").split(delimiter).filter(Boolean);
  dirs.push("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib/wsl/lib");
  candidates.push(...dirs.map((dir) => join(dir, "libcuda.so.1")));
  return candidates.find((path) => !/\/(stubs|compat)\//.test(path) && existsSync(path)) ?? null;
}

/** What shows that this machine can run CUDA (a device node, the driver library, nvidia-smi), or null. */
export function findNvidiaDriver(env = process.env) {
  let devices = [];
  try {
    devices = readdirSync("/dev").filter((name) => /^nvidia(ctl|\d+)$/.test(name));
  } catch {}
  if (devices.length > 0) return `/dev/${devices.sort()[0]}`;
  const library = findDriverLibrary(env);
  if (library) return library;
  const smi = spawnSync("nvidia-smi", ["-L"], { encoding: "utf8", timeout: 10_000 });
  if (smi.status === 0 && /GPU \d+/.test(smi.stdout)) return "nvidia-smi -L";
  return null;
}

const systemProbe = { nvcc: findNvcc, driver: findNvidiaDriver };

/**
 * The CUDA decision and a sentence on why, for the build output. Throws when ARBITER_CUDA holds
 * something other than on, off or auto, or asks for CUDA where there is no nvcc.
 * @param {Record<string, string | undefined>} env
 * @param {{ nvcc: (env: Record<string, string | undefined>) => string | null, driver: (env: Record<string, string | undefined>) => string | null }} probe
 * @returns {{ cuda: boolean, reason: string }}
 */
export function decideCuda(env = process.env, probe = systemProbe) {
  const setting = (env.ARBITER_CUDA ?? "").trim().toLowerCase() || "auto";
  if (!["on", "off", "auto"].includes(setting)) {
    throw new Error(`ARBITER_CUDA must be on, off or auto (the default), not "${env.ARBITER_CUDA}"`);
  }
  if (setting === "off") return { cuda: false, reason: "ARBITER_CUDA=off" };
  const nvcc = probe.nvcc(env);
  if (setting === "on") {
    if (!nvcc) {
      throw new Error(
        "ARBITER_CUDA=on but nvcc was not found on PATH, in $CUDA_HOME/bin or in /usr/local/cuda/bin; " +
          "install the CUDA toolkit or set CUDA_HOME",
      );
    }
    return { cuda: true, reason: `ARBITER_CUDA=on; nvcc at ${nvcc}` };
  }
  const driver = probe.driver(env);
  if (!driver) {
    return {
      cuda: false,
      reason: nvcc
        ? `no NVIDIA driver or GPU found; nvcc at ${nvcc} is left unused`
        : "no NVIDIA driver or GPU found",
    };
  }
  if (!nvcc) return { cuda: false, reason: `an NVIDIA driver is present (${driver}) but nvcc was not found` };
  return { cuda: true, reason: `NVIDIA driver: ${driver}; nvcc at ${nvcc}` };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    process.stdout.write(decideCuda().cuda ? "1" : "0");
  } catch (error) {
    console.error(`[arbiter] ${error.message}`);
    process.exit(1);
  }
}
