import { describe, expect, it } from "vitest";

import { decideCuda } from "./detect-cuda.mjs";

const nvcc = "/usr/local/cuda/bin/nvcc";
const machine = (found: { nvcc?: string; driver?: string }) => ({
  nvcc: () => found.nvcc ?? null,
  driver: () => found.driver ?? null,
});

describe("decideCuda", () => {
  it("leaves CUDA out where nvcc is installed but no driver or GPU is found", () => {
    const decision = decideCuda({}, machine({ nvcc }));
    expect(decision.cuda).toBe(false);
    expect(decision.reason).toMatch(/no NVIDIA driver or GPU found/);
  });

  it("builds CUDA where nvcc and a driver are both found", () => {
    expect(decideCuda({}, machine({ nvcc, driver: "/dev/nvidia0" })).cuda).toBe(true);
  });

  it("says why a driver without nvcc gives a CPU-only build", () => {
    const decision = decideCuda({}, machine({ driver: "/dev/nvidiactl" }));
    expect(decision.cuda).toBe(false);
    expect(decision.reason).toMatch(/nvcc was not found/);
  });

  it("builds CUDA without a GPU when ARBITER_CUDA=on, as CI does", () => {
    expect(decideCuda({ ARBITER_CUDA: "on" }, machine({ nvcc })).cuda).toBe(true);
  });

  it("refuses ARBITER_CUDA=on without nvcc, naming where it looked", () => {
    expect(() => decideCuda({ ARBITER_CUDA: "on" }, machine({ driver: "/dev/nvidia0" }))).toThrow(
      /ARBITER_CUDA=on but nvcc was not found on PATH/,
    );
  });

  it("builds the stub when ARBITER_CUDA=off, whatever the machine has", () => {
    expect(decideCuda({ ARBITER_CUDA: "off" }, machine({ nvcc, driver: "/dev/nvidia0" })).cuda).toBe(false);
  });

  it("treats an empty ARBITER_CUDA as auto and rejects other values by name", () => {
    expect(decideCuda({ ARBITER_CUDA: " " }, machine({ nvcc })).cuda).toBe(false);
    expect(() => decideCuda({ ARBITER_CUDA: "1" }, machine({ nvcc }))).toThrow(
      /ARBITER_CUDA must be on, off or auto/,
    );
  });
});
