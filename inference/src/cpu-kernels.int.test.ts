// The CPU kernels the engine picks are the best this machine runs, as Linux reports its CPU
// (/proc/cpuinfo lists AVX-512 only where the kernel saves its registers): a broken cpuid or
// xgetbv check would otherwise send every test, and every user, down a slower path that passes
// the same tests. The kernel tests (engine/tests/test_kernels.cpp) skip the instruction sets the
// engine's detection does not report, so only this check can see it go wrong.

import { readFileSync } from "node:fs";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { loadModel } from "./index";
import type { ModelType } from "./make-model";
import { createSmallModel, createTempDir, type TempDir } from "./testing/fixtures";

/** The instruction-set level the engine must select here, from the kernel's CPU flags. */
function expectedIsa(): string {
  const flags = new Set(
    /^flags\s*:(.*)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1]?.trim().split(/\s+/),
  );
  const has = (...names: string[]) => names.every((name) => flags.has(name));
  let level = has("avx2", "fma", "f16c")
    ? has("avx512f", "avx512bw", "avx512vl", "avx512_vnni")
      ? 2
      : 1
    : 0;
  // ARBITER_CPU_ISA lowers the level on purpose (to test the slower paths).
  const lowered = { portable: 0, avx2: 1 }[process.env.ARBITER_CPU_ISA ?? ""];
  if (lowered !== undefined) level = Math.min(level, lowered);
  return ["portable", "AVX2+FMA+F16C", "AVX-512+VNNI"][level]!;
}

const TYPES: ModelType[] = ["f32", "f16", "bf16", "q8_0", "q4_0", "q5_0", "q4_k", "q6_k"];

let dir: TempDir;
beforeAll(async () => {
  dir = await createTempDir();
});
afterAll(async () => {
  await dir.remove();
});

describe("CPU kernel selection", () => {
  const isa = expectedIsa();

  it.each(TYPES)(`runs %s products and attention on ${isa}`, async (type) => {
    // head_dim 64: a multiple of every vector width, so attention has no reason to fall back.
    const path = await createSmallModel(dir, `${type}.gguf`, {
      dim: 256,
      layers: 1,
      heads: 4,
      kvHeads: 4,
      ffn: 256,
      type,
    });
    const model = await loadModel(path, { device: "cpu", threads: 1, contextLength: 16, maxSequences: 1 });
    try {
      expect(model.info.cpuKernels).toEqual({ [type.toUpperCase()]: isa, attention: isa });
      expect(model.info.deviceDescription).toContain(`, ${isa}, `);
    } finally {
      model.dispose();
    }
  });
});
