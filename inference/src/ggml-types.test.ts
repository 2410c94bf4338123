import { describe, expect, it } from "vitest";

import { bf16ToFp32, fp16ToFp32, fp32ToBf16, fp32ToFp16, ggmlTypeTraits } from "./ggml-types";
import { Random } from "./random";

function block(values: number[]): Float32Array {
  const out = new Float32Array(32);
  out.set(values);
  return out;
}

function quantize(type: "Q8_0" | "Q4_0" | "Q5_0" | "Q4_K" | "Q6_K", values: Float32Array): Uint8Array {
  const traits = ggmlTypeTraits(type);
  const out = new Uint8Array((values.length / traits.blockSize) * traits.typeSize);
  traits.quantize(values, out);
  return out;
}

describe("fp16 and bf16 conversion", () => {
  it("rounds to nearest even like F16C, including subnormals and overflow", () => {
    expect(fp32ToFp16(1)).toBe(0x3c00);
    expect(fp32ToFp16(-2)).toBe(0xc000);
    expect(fp32ToFp16(65504)).toBe(0x7bff);
    expect(fp32ToFp16(65520)).toBe(0x7c00); // halfway to the next binade rounds up to infinity
    expect(fp32ToFp16(1 + 2 ** -11)).toBe(0x3c00); // tie -> even mantissa
    expect(fp32ToFp16(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie -> even mantissa (up)
    expect(fp32ToFp16(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(fp32ToFp16(2 ** -25)).toBe(0x0000); // tie -> even (zero)
    expect(fp32ToFp16(1.5 * 2 ** -25)).toBe(0x0001);
    expect(fp32ToFp16(3 * 2 ** -25)).toBe(0x0002); // tie between 1 and 2 -> 2
    expect(fp32ToFp16(2 ** -14 - 2 ** -25)).toBe(0x0400); // rounds up into the smallest normal
    expect(fp32ToFp16(-0)).toBe(0x8000);
    expect(fp32ToFp16(Infinity)).toBe(0x7c00);
    expect(fp32ToFp16(NaN) & 0x7e00).toBe(0x7e00);
  });

  it("decodes every fp16 value back to what it encodes", () => {
    for (let h = 0; h < 0x7c00; h++) {
      expect(fp32ToFp16(fp16ToFp32(h))).toBe(h);
      expect(fp32ToFp16(fp16ToFp32(h | 0x8000))).toBe(h | 0x8000);
    }
  });

  it("rounds bf16 to nearest even", () => {
    expect(fp32ToBf16(1)).toBe(0x3f80);
    expect(fp32ToBf16(1 + 2 ** -8)).toBe(0x3f80);
    expect(fp32ToBf16(1 + 3 * 2 ** -8)).toBe(0x3f82);
    expect(fp32ToBf16(-3.5)).toBe(0xc060);
    expect(bf16ToFp32(0x3f82)).toBe(1 + 2 ** -6);
  });
});

describe("Q8_0 quantizer (ggml quantize_row_q8_0_ref)", () => {
  it("uses d = amax / 127 and rounds halfway cases away from zero", () => {
    // amax 127 gives d = id = 1 exactly, so x * id is the value itself.
    const bytes = quantize("Q8_0", block([127, 2.5, -2.5, 0.5, -0.5, 1.49, -126.6, 0]));
    expect(fp16ToFp32(bytes[0]! | (bytes[1]! << 8))).toBe(1);
    const qs = Array.from(new Int8Array(bytes.buffer, 2, 8));
    expect(qs).toEqual([127, 3, -3, 1, -1, 1, -127, 0]);
  });

  it("stores the fp16 of the float32 scale and an all-zero block as zeros", () => {
    const bytes = quantize("Q8_0", block([0.3, -0.1]));
    expect(bytes[0]! | (bytes[1]! << 8)).toBe(fp32ToFp16(Math.fround(Math.fround(0.3) / 127)));
    expect(new Int8Array(bytes.buffer, 2, 2)[0]).toBe(127);
    expect(new Int8Array(bytes.buffer, 2, 2)[1]).toBe(-42); // -0.1/0.3*127 = -42.33
    expect(Array.from(quantize("Q8_0", new Float32Array(32)))).toEqual(new Array(34).fill(0));
  });
});

describe("Q4_0 quantizer (ggml quantize_row_q4_0_ref)", () => {
  it("takes d from the signed max-magnitude element divided by -8", () => {
    // max = -8 -> d = 1: q = min(15, trunc(x + 8.5)).
    const values = block([-8, 7.9, 7.5, 0, -0.5, -0.6, 0.5, 3.2]);
    const bytes = quantize("Q4_0", values);
    expect(fp16ToFp32(bytes[0]! | (bytes[1]! << 8))).toBe(1);
    const low = Array.from(bytes.subarray(2, 10), (b) => b & 15);
    expect(low).toEqual([0, 15, 15, 8, 8, 7, 9, 11]);
    // The second half of the block goes into the high nibbles.
    expect(Array.from(bytes.subarray(2, 18), (b) => b >> 4)).toEqual(new Array(16).fill(8));
  });

  it("keeps the first of two elements with the same magnitude", () => {
    const negativeFirst = quantize("Q4_0", block([-4, 4]));
    expect(fp16ToFp32(negativeFirst[0]! | (negativeFirst[1]! << 8))).toBe(0.5);
    const positiveFirst = quantize("Q4_0", block([4, -4]));
    expect(fp16ToFp32(positiveFirst[0]! | (positiveFirst[1]! << 8))).toBe(-0.5);
    // With d = -0.5 the positive max maps to 0 (-8) and -4 to 16, capped at 15.
    expect(positiveFirst[2]! & 15).toBe(0);
    expect(positiveFirst[3]! & 15).toBe(15);
  });
});

describe("Q5_0 quantizer (ggml quantize_row_q5_0_ref)", () => {
  it("maps the signed max-magnitude element to -16 and puts bit 4 of element j in bit j of qh", () => {
    // max = -16 -> d = 1: q = min(31, trunc(x + 16.5)).
    const bytes = quantize("Q5_0", block([-16, 15.9, 0, 0.4, -0.6, 3]));
    const view = new DataView(bytes.buffer);
    expect(fp16ToFp32(view.getUint16(0, true))).toBe(1);
    const qh = view.getUint32(2, true);
    const level = (j: number) =>
      (j < 16 ? bytes[6 + j]! & 15 : bytes[6 + j - 16]! >> 4) | (((qh >>> j) & 1) << 4);
    expect([0, 1, 2, 3, 4, 5].map(level)).toEqual([0, 31, 16, 16, 15, 19]);
    const back = new Float32Array(32);
    ggmlTypeTraits("Q5_0").dequantize(bytes, back);
    expect(Array.from(back.subarray(0, 6))).toEqual([-16, 15, 0, 0, -1, 3]);
  });
});

describe("K-quant quantizers (ggml quantize_row_q4_K_ref / q6_K_ref)", () => {
  it("encode an all-zero super-block as zeros and decode it to zeros", () => {
    for (const type of ["Q4_K", "Q6_K"] as const) {
      const bytes = quantize(type, new Float32Array(256));
      const back = new Float32Array(256).fill(1);
      ggmlTypeTraits(type).dequantize(bytes, back);
      expect(back.every((v) => v === 0)).toBe(true);
    }
  });

  it("Q6_K keeps 6 bits: a ramp of 64 levels comes back within half a level", () => {
    // Sub-blocks of 16 values k * 0.25 - 8: levels 0.25 apart fit 6 bits.
    const values = new Float32Array(256).map((_, i) => (i % 64) * 0.25 - 8);
    const back = new Float32Array(256);
    ggmlTypeTraits("Q6_K").dequantize(quantize("Q6_K", values), back);
    for (let i = 0; i < 256; i++) expect(Math.abs(back[i]! - values[i]!)).toBeLessThan(0.13);
  });
});

describe("dequantize and random blocks", () => {
  const rng = new Random(7);
  const values = new Float32Array(4096).map(() => rng.normal() * 0.02);

  it.each(["F32", "F16", "BF16", "Q8_0", "Q4_0"] as const)("%s round-trips within its precision", (type) => {
    const traits = ggmlTypeTraits(type);
    const bytes = new Uint8Array((values.length / traits.blockSize) * traits.typeSize);
    traits.quantize(values, bytes);
    const back = new Float32Array(values.length);
    traits.dequantize(bytes, back);
    // Worst-case error of each encoding relative to the block's (or value's) magnitude.
    const relative = {
      F32: 0,
      F16: 2 ** -11,
      BF16: 2 ** -8,
      Q8_0: 0.5 / 127 + 2 ** -11,
      Q4_0: 1 / 8 + 2 ** -11,
    }[type];
    for (let i = 0; i < values.length; i += 32) {
      const slice = values.subarray(i, i + 32);
      const amax = Math.max(...Array.from(slice, Math.abs));
      for (let j = 0; j < 32; j++) {
        const scale = traits.blockSize === 1 ? Math.abs(slice[j]!) : amax;
        // 2^-25: half the smallest fp16 subnormal, for values that underflow to subnormals.
        const absolute = type === "F16" ? 2 ** -25 : 1e-30;
        expect(Math.abs(back[i + j]! - slice[j]!)).toBeLessThanOrEqual(scale * relative + absolute);
      }
    }
  });

  it.each([
    ["Q5_0", 32, "amax", 1 / 16 + 2 ** -11], // truncates like Q4_0
    ["Q4_K", 32, "range", 1 / 15], // one level of the sub-block's range (min .. max, min <= 0)
    ["Q6_K", 16, "amax", 1 / 32 + 1 / 127], // a level, with the scale rounded to int8
  ] as const)("%s round-trips within a level of its %i-value sub-block", (type, sub, basis, relative) => {
    const traits = ggmlTypeTraits(type);
    const bytes = new Uint8Array((values.length / traits.blockSize) * traits.typeSize);
    traits.quantize(values, bytes);
    const back = new Float32Array(values.length);
    traits.dequantize(bytes, back);
    for (let i = 0; i < values.length; i += sub) {
      const slice = Array.from(values.subarray(i, i + sub));
      const scale =
        basis === "amax"
          ? Math.max(...slice.map(Math.abs))
          : Math.max(...slice) - Math.min(0, Math.min(...slice));
      slice.forEach((v, j) => expect(Math.abs(back[i + j]! - v)).toBeLessThanOrEqual(scale * relative));
    }
  });

  it.each(["F32", "F16", "BF16", "Q8_0", "Q4_0", "Q5_0", "Q4_K", "Q6_K"] as const)(
    "%s random blocks have about the requested std and mean zero",
    (type) => {
      const traits = ggmlTypeTraits(type);
      const n = 1 << 16;
      const bytes = new Uint8Array((n / traits.blockSize) * traits.typeSize);
      traits.randomBlocks(new Random(1), bytes, 0.05);
      const back = new Float32Array(n);
      traits.dequantize(bytes, back);
      let sum = 0;
      let sq = 0;
      for (const v of back) {
        sum += v;
        sq += v * v;
      }
      const mean = sum / n;
      const std = Math.sqrt(sq / n - mean * mean);
      expect(std).toBeGreaterThan(0.045);
      expect(std).toBeLessThan(0.055);
      expect(Math.abs(mean)).toBeLessThan(0.002);
      // Same seed, same bytes.
      const again = new Uint8Array(bytes.length);
      traits.randomBlocks(new Random(1), again, 0.05);
      expect(Buffer.compare(bytes, again)).toBe(0);
    },
  );
});
