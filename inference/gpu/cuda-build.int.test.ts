// The CUDA build as every machine sees it. Where nvcc is installed (CI, this dev box) the addon
// carries the CUDA objects; without a GPU it still loads, reports no devices, runs device
// "auto" on the CPU and refuses device "cuda" with DEVICE_UNAVAILABLE. On a GPU machine the same
// tests expect CUDA to be picked. The kernels' block decoding is checked on the CPU here
// (cuda_host_checks); the kernels themselves by gpu-check on a GPU (run.sh).

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { cudaCompiled, cudaDeviceCount, loadModel } from "../src/index";
import { addonPath } from "../src/native";
import { createSmallModel, createTempDir, type TempDir } from "../src/testing/fixtures";

const detectCuda = fileURLToPath(new URL("../scripts/detect-cuda.mjs", import.meta.url));
// What binding.gyp decided at build time on this machine: 1 when nvcc is there (unless forced off).
const cudaExpected = spawnSync(process.execPath, [detectCuda], { encoding: "utf8" }).stdout.trim() === "1";

let dir: TempDir;
let modelPath: string;
beforeAll(async () => {
  dir = await createTempDir();
  modelPath = await createSmallModel(dir, "cuda-build.gguf", { type: "q8_0", dim: 64, ffn: 160 });
});
afterAll(async () => {
  await dir.remove();
});

describe("the CUDA backend in this build", () => {
  it("is compiled in exactly when nvcc was found", () => {
    expect(cudaCompiled()).toBe(cudaExpected);
  });

  it("counts devices without failing, whatever the driver", () => {
    const count = cudaDeviceCount();
    expect(Number.isInteger(count)).toBe(true);
    expect(count).toBeGreaterThanOrEqual(0);
    if (!cudaCompiled()) expect(count).toBe(0);
  });

  it("decodes every weight type's blocks in its kernels as the scalar references do (on the CPU)", () => {
    if (!cudaCompiled()) return;
    const program = join(dirname(addonPath()), "cuda_host_checks");
    expect(existsSync(program), `${program} is built beside the addon`).toBe(true);
    const run = spawnSync(program, { encoding: "utf8" });
    expect(run.stdout).toMatch(/cuda_host_checks: 8 checks, 0 failed/);
    expect(run.status).toBe(0);
  });

  it('runs device "auto" on CUDA when a GPU is present, else on the CPU', async () => {
    const model = await loadModel(modelPath, {
      device: "auto",
      threads: 2,
      contextLength: 64,
      maxSequences: 2,
    });
    try {
      expect(model.info.device).toBe(cudaDeviceCount() > 0 ? "cuda" : "cpu");
      const result = await model.generate([1, 5, 9], { temperature: 0, maxTokens: 4, ignoreEos: true });
      expect(result.tokens).toHaveLength(4);
    } finally {
      model.dispose();
    }
  });

  it('refuses device "cuda" without a GPU with DEVICE_UNAVAILABLE and says what to do', async () => {
    if (cudaDeviceCount() > 0) {
      const model = await loadModel(modelPath, { device: "cuda", contextLength: 64, maxSequences: 2 });
      expect(model.info.device).toBe("cuda");
      expect(model.info.deviceDescription).toMatch(/sm_\d+/);
      model.dispose();
      return;
    }
    const error = await loadModel(modelPath, { device: "cuda", contextLength: 64, maxSequences: 2 }).then(
      () => null,
      (e: unknown) => e as Error & { code?: string },
    );
    expect(error?.code).toBe("DEVICE_UNAVAILABLE");
    expect(error?.message).toMatch(/device "cpu"/);
  });
});
