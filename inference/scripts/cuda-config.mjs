// What binding.gyp's CUDA rules need, printed for `<!(...)` at configure time:
//   nvcc     the compiler (detect-cuda.mjs findNvcc: PATH, $CUDA_HOME/bin, /usr/local/cuda/bin)
//   lib      the folder holding libcudart_static.a (the runtime is linked statically, so the addon
//            loads on machines without CUDA; the driver is opened lazily on first use)
//   gencode  -gencode flags: SASS for sm_80, sm_86, sm_89, sm_90 and PTX for compute_90;
//            ARBITER_CUDA_ARCHS="90" (comma-separated) narrows the SASS list for quick builds
//   headers  the headers the .cu files include, so that editing one rebuilds them
// Prints harmless placeholders when CUDA is absent (the CUDA branch of binding.gyp is off then).
// build-addon.mjs imports the same answers to notice when they change and reconfigure.
import { existsSync, readdirSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { findNvcc } from "./detect-cuda.mjs";

const inferenceDir = join(dirname(fileURLToPath(import.meta.url)), "..");

export function findLib() {
  const nvcc = findNvcc();
  const homes = [process.env.CUDA_HOME, process.env.CUDA_PATH];
  if (nvcc) homes.push(dirname(dirname(realpathSync(nvcc))));
  homes.push("/usr/local/cuda");
  for (const home of homes.filter(Boolean)) {
    for (const sub of ["lib64", "lib", "targets/x86_64-linux/lib", "targets/sbsa-linux/lib"]) {
      if (existsSync(join(home, sub, "libcudart_static.a"))) return join(home, sub);
    }
  }
  return "/usr/local/cuda/lib64";
}

export function gencode() {
  const archs = (process.env.ARBITER_CUDA_ARCHS ?? "80,86,89,90")
    .split(",")
    .map((a) => a.trim())
    .filter((a) => /^\d+$/.test(a));
  const flags = archs.flatMap((a) => ["-gencode", `arch=compute_${a},code=sm_${a}`]);
  return [...flags, "-gencode", "arch=compute_90,code=compute_90"];
}

function headers() {
  const list = (dir, exts) =>
    readdirSync(join(inferenceDir, dir))
      .filter((f) => exts.some((e) => f.endsWith(e)))
      .map((f) => `${dir}/${f}`);
  return [...list("engine/cuda", [".h", ".cuh"]), ...list("engine", [".h"])];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const what = process.argv[2];
  if (what === "nvcc") process.stdout.write(findNvcc() ?? "nvcc");
  else if (what === "lib") process.stdout.write(findLib());
  else if (what === "gencode") process.stdout.write(gencode().join(" "));
  else if (what === "headers") process.stdout.write(headers().join(" "));
  else {
    console.error("usage: node scripts/cuda-config.mjs nvcc|lib|gencode|headers");
    process.exit(2);
  }
}
