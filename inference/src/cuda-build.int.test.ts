// The CUDA build as every machine sees it. Where the build chose CUDA (a machine with an NVIDIA
// driver and nvcc, or ARBITER_CUDA=on as in CI) the addon carries the CUDA objects; without a GPU
// it still loads, reports no devices, runs device "auto" on the CPU and refuses device "cuda"
// with DEVICE_UNAVAILABLE. On a GPU machine the same tests expect CUDA to be picked. The kernels' block decoding is checked on the CPU here
// (cuda_host_checks); the kernels themselves by gpu-check on a GPU (inference/gpu/README.md).
// A check that needs CUDA objects or a GPU this machine lacks is reported as skipped.

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { cudaCompiled, cudaDeviceCount, loadModel } from "./index";
import { addonPath } from "./native";
import { buildTarget } from "./testing/build-target";
import { createSmallModel, createTempDir, type TempDir } from "./testing/fixtures";

// What scripts/build-addon.mjs chose when it configured this build (scripts/detect-cuda.mjs).
const buildConfiguration = join(dirname(addonPath()), "..", "arbiter-configuration.json");
const hasGpu = cudaDeviceCount() > 0;

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
  it("is compiled in exactly when the build chose CUDA", () => {
    expect(existsSync(buildConfiguration), `${buildConfiguration} is written by npm run build:addon`).toBe(
      true,
    );
    const built = JSON.parse(readFileSync(buildConfiguration, "utf8")) as { cuda: boolean };
    expect(cudaCompiled()).toBe(built.cuda);
  });

  it("counts devices without failing, whatever the driver", () => {
    const count = cudaDeviceCount();
    expect(Number.isInteger(count)).toBe(true);
    expect(count).toBeGreaterThanOrEqual(0);
    if (!cudaCompiled()) expect(count).toBe(0);
  });

  it.skipIf(!cudaCompiled())(
    "decodes every weight type's blocks in its kernels as the scalar references do (on the CPU)",
    () => {
      const program = buildTarget("cuda_host_checks");
      const run = spawnSync(program, { encoding: "utf8" });
      expect(run.stdout).toMatch(/cuda_host_checks: 8 checks, 0 failed/);
      expect(run.status).toBe(0);
    },
    600_000,
  );

  it('runs device "auto" on CUDA when a GPU is present, else on the CPU', async () => {
    const model = await loadModel(modelPath, {
      device: "auto",
      threads: 2,
      contextLength: 64,
      maxSequences: 2,
    });
    try {
      expect(model.info.device).toBe(hasGpu ? "cuda" : "cpu");
      const result = await model.generate([1, 5, 9], { temperature: 0, maxTokens: 4, ignoreEos: true });
      expect(result.tokens).toHaveLength(4);
    } finally {
      model.dispose();
    }
  });

  it.skipIf(!hasGpu)('loads device "cuda" on a GPU and names its compute capability', async () => {
    const model = await loadModel(modelPath, { device: "cuda", contextLength: 64, maxSequences: 2 });
    try {
      expect(model.info.device).toBe("cuda");
      expect(model.info.deviceDescription).toMatch(/sm_\d+/);
    } finally {
      model.dispose();
    }
  });

  it.skipIf(hasGpu)(
    'refuses device "cuda" without a GPU with DEVICE_UNAVAILABLE and says what to do',
    async () => {
      const error = await loadModel(modelPath, { device: "cuda", contextLength: 64, maxSequences: 2 }).then(
        () => null,
        (e: unknown) => e as Error & { code?: string },
      );
      expect(error?.code).toBe("DEVICE_UNAVAILABLE");
      expect(error?.message).toMatch(/device "cpu"/);
    },
  );
});
