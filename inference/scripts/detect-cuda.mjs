// Prints 1 when binding.gyp should compile the CUDA objects, else 0. ARBITER_CUDA=0/1 forces the
// answer; otherwise CUDA is on when nvcc is found and binding.gyp's CUDA branch lists the CUDA
// backend (so a tree with CUDA sources that are not wired in yet still builds, on the stub).
import { existsSync, readFileSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const inferenceDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const forced = process.env.ARBITER_CUDA;
if (forced === "0" || forced === "1") {
  process.stdout.write(forced);
  process.exit(0);
}

function findNvcc() {
  const candidates = (process.env.PATH ?? "").split(delimiter).map((dir) => join(dir, "nvcc"));
  if (process.env.CUDA_HOME) candidates.push(join(process.env.CUDA_HOME, "bin", "nvcc"));
  candidates.push("/usr/local/cuda/bin/nvcc");
  return candidates.find((path) => existsSync(path)) ?? null;
}

const wired = readFileSync(join(inferenceDir, "binding.gyp"), "utf8").includes("engine/cuda/cuda_backend.cu");
process.stdout.write(findNvcc() && wired ? "1" : "0");
