// The TypeScript quantizers (ggml-types.ts, used by the GGUF writer and make-model) against the
// engine's C++ reference quantizers (engine/quants_ref.cpp, through the addon): both follow
// ggml's quantize_row_*_ref operation by operation in float32, so their bytes must be equal.
// The two were written apart; this is what holds them to one definition.

import { describe, expect, it } from "vitest";

import { GGML_TYPE_ID, type GgmlTypeName, ggmlTypeTraits } from "./ggml-types";
import { loadNative } from "./native";
import { Random } from "./random";

// Rows that reach the quantizers' corners: signs, ties, outliers, zeros, tiny and huge scales.
function rows(count: number, n: number, seed: number): Float32Array[] {
  const rng = new Random(seed);
  const out: Float32Array[] = [];
  for (let r = 0; r < count; r++) {
    const scale = 10 ** ((r % 9) - 4);
    const row = new Float32Array(n).map(() => {
      const g = rng.normal();
      switch (r % 6) {
        case 0:
          return g * scale;
        case 1:
          return (rng.next() * 2 - 1) * scale; // uniform
        case 2:
          return g * rng.normal() * scale; // heavy tails
        case 3:
          return Math.abs(g) * scale; // all positive: the min of Q4_K is 0
        case 4:
          return rng.int(5) === 0 ? g * scale : 0; // mostly zero
        default:
          return Math.round(g * 4) * scale; // few distinct values, many ties
      }
    });
    if (r % 13 === 0) row.fill(0);
    if (r % 17 === 5) row[rng.int(n)] = 50 * scale; // one outlier
    out.push(row);
  }
  return out;
}

describe("TypeScript quantizers vs the engine's C++ references", () => {
  const native = loadNative();
  it.each(["Q4_K", "Q6_K", "Q5_0", "Q4_0", "Q8_0", "F16", "BF16"] as GgmlTypeName[])(
    "%s: identical bytes on 200 varied rows",
    (type) => {
      const traits = ggmlTypeTraits(type);
      for (const [i, row] of rows(200, 512, GGML_TYPE_ID[type]).entries()) {
        const ours = new Uint8Array((row.length / traits.blockSize) * traits.typeSize);
        traits.quantize(row, ours);
        const reference = native.quantizeReference(GGML_TYPE_ID[type], row);
        expect(Buffer.compare(Buffer.from(ours), Buffer.from(reference)), `row ${i}`).toBe(0);
      }
    },
  );

  it("refuses a row that is not whole blocks", () => {
    expect(() => native.quantizeReference(GGML_TYPE_ID.Q4_K, new Float32Array(100))).toThrow(
      /whole number of blocks/,
    );
  });
});
