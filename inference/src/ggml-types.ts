// ggml weight types in TypeScript: ids, block sizes, fp16/bf16 conversion, and for each type a
// quantizer bit-compatible with ggml's reference (quantize_row_*_ref), a dequantizer and a fast
// generator of random blocks for large test models. Mirrors inference/engine/ggml_types.h.
// To add a type (Q5_0, Q4_K, Q6_K), add its traits to GGML_TYPE_TRAITS.

import type { Random } from "./random";

/** ggml_type ids as stored in GGUF tensor infos (the ones the engine handles). */
export const GGML_TYPE_ID = {
  F32: 0,
  F16: 1,
  Q4_0: 2,
  Q5_0: 6,
  Q8_0: 8,
  Q4_K: 12,
  Q6_K: 14,
  BF16: 30,
} as const;

export type GgmlTypeName = keyof typeof GGML_TYPE_ID;

export function ggmlTypeName(id: number): GgmlTypeName | null {
  for (const [name, value] of Object.entries(GGML_TYPE_ID)) {
    if (value === id) return name as GgmlTypeName;
  }
  return null;
}

export interface GgmlTypeTraits {
  readonly name: GgmlTypeName;
  readonly id: number;
  /** Values per block (1 for float types). */
  readonly blockSize: number;
  /** Bytes per block. */
  readonly typeSize: number;
  /** Encodes src (length a multiple of blockSize) into dst exactly as ggml's reference does. */
  quantize(src: Float32Array, dst: Uint8Array): void;
  /** Decodes src into dst (dst.length values). */
  dequantize(src: Uint8Array, dst: Float32Array): void;
  /**
   * Fills dst (whole blocks) with random blocks whose values have standard deviation about
   * `std` and mean zero, without going through floats: how multi-gigabyte models are written
   * in seconds.
   */
  randomBlocks(rng: Random, dst: Uint8Array, std: number): void;
}

// ---------------------------------------------------------------------------------------------
// fp16 / bf16

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

function float32Bits(x: number): number {
  f32Scratch[0] = x;
  return u32Scratch[0]!;
}

/** IEEE binary16 bits of x, rounded to nearest even (as F16C's _cvtss_sh and ggml's fallback). */
export function fp32ToFp16(x: number): number {
  const bits = float32Bits(x);
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    // Half subnormal: value = m * 2^-24 with m = (1.mant as a 24-bit integer) >> (14 - e).
    const full = mant | 0x800000;
    const shift = 14 - e;
    let m = full >>> shift;
    const rem = full & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (m & 1) === 1)) m++;
    return sign | m;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h++; // a carry into the exponent is right
  return sign | h;
}

let fp16Table: Float32Array | null = null;

function buildFp16Table(): Float32Array {
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0) table[h] = sign * mant * 2 ** -24;
    else if (exp === 31) table[h] = mant === 0 ? sign * Infinity : NaN;
    else table[h] = sign * (1 + mant / 1024) * 2 ** (exp - 15);
  }
  return table;
}

export function fp16ToFp32(h: number): number {
  fp16Table ??= buildFp16Table();
  return fp16Table[h & 0xffff]!;
}

/** bfloat16 bits of x, rounded to nearest even; NaN stays a quiet NaN (as ggml does). */
export function fp32ToBf16(x: number): number {
  const bits = float32Bits(x);
  if ((bits & 0x7fffffff) > 0x7f800000) return ((bits >>> 16) | 0x40) & 0xffff;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

export function bf16ToFp32(h: number): number {
  u32Scratch[0] = (h & 0xffff) << 16;
  return f32Scratch[0]!;
}

// ---------------------------------------------------------------------------------------------
// Random values: a table of normal samples indexed by random 16-bit numbers. A sample from this
// 65536-point empirical normal is as good as a fresh normal for random weights, and costs a
// table lookup.

function normalTable(rng: Random, std: number): Float32Array {
  const table = new Float32Array(65536);
  for (let i = 0; i < table.length; i++) table[i] = rng.normal() * std;
  return table;
}

function randomWords(rng: Random, count: number): Uint32Array {
  const words = new Uint32Array(count);
  for (let i = 0; i < count; i++) words[i] = rng.nextUint32();
  return words;
}

function assertWholeBlocks(traits: { name: string; blockSize: number }, n: number): void {
  if (n % traits.blockSize !== 0) {
    throw new RangeError(
      `${traits.name}: ${n} values is not a multiple of the block size ${traits.blockSize}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Float types

const F32: GgmlTypeTraits = {
  name: "F32",
  id: GGML_TYPE_ID.F32,
  blockSize: 1,
  typeSize: 4,
  quantize(src, dst) {
    const view = new DataView(dst.buffer, dst.byteOffset, src.length * 4);
    for (let i = 0; i < src.length; i++) view.setFloat32(4 * i, src[i]!, true);
  },
  dequantize(src, dst) {
    const view = new DataView(src.buffer, src.byteOffset, dst.length * 4);
    for (let i = 0; i < dst.length; i++) dst[i] = view.getFloat32(4 * i, true);
  },
  randomBlocks(rng, dst, std) {
    const table = normalTable(rng, std);
    const n = dst.length / 4;
    const words = randomWords(rng, Math.ceil(n / 2));
    const view = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
    for (let i = 0; i < n; i++) {
      const w = words[i >>> 1]!;
      view.setFloat32(4 * i, table[i & 1 ? w >>> 16 : w & 0xffff]!, true);
    }
  },
};

function halfLike(
  name: "F16" | "BF16",
  encode: (x: number) => number,
  decode: (h: number) => number,
): GgmlTypeTraits {
  return {
    name,
    id: GGML_TYPE_ID[name],
    blockSize: 1,
    typeSize: 2,
    quantize(src, dst) {
      const view = new DataView(dst.buffer, dst.byteOffset, src.length * 2);
      for (let i = 0; i < src.length; i++) view.setUint16(2 * i, encode(src[i]!), true);
    },
    dequantize(src, dst) {
      const view = new DataView(src.buffer, src.byteOffset, dst.length * 2);
      for (let i = 0; i < dst.length; i++) dst[i] = decode(view.getUint16(2 * i, true));
    },
    randomBlocks(rng, dst, std) {
      const floats = normalTable(rng, std);
      const table = new Uint16Array(floats.length);
      for (let i = 0; i < floats.length; i++) table[i] = encode(floats[i]!);
      const n = dst.length / 2;
      const words = randomWords(rng, Math.ceil(n / 2));
      const view = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
      for (let i = 0; i < n; i++) {
        const w = words[i >>> 1]!;
        view.setUint16(2 * i, table[i & 1 ? w >>> 16 : w & 0xffff]!, true);
      }
    },
  };
}

const F16 = halfLike("F16", fp32ToFp16, fp16ToFp32);
const BF16 = halfLike("BF16", fp32ToBf16, bf16ToFp32);

// ---------------------------------------------------------------------------------------------
// Q8_0: blocks of 32 = { fp16 d; int8 qs[32] }, x = qs * d.

const QK8_0 = 32;

/** C's roundf: halfway cases away from zero (Math.round rounds them up). */
function roundHalfAwayFromZero(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

// Random blocks draw d from a small table of jittered scales (a per-block fp16 conversion
// would dominate the time for billions of values).
function jitteredScales(rng: Random, base: number): Uint16Array {
  const scales = new Uint16Array(256);
  for (let i = 0; i < 256; i++) scales[i] = fp32ToFp16(base * (0.75 + 0.5 * rng.next()));
  return scales;
}

const Q8_0: GgmlTypeTraits = {
  name: "Q8_0",
  id: GGML_TYPE_ID.Q8_0,
  blockSize: QK8_0,
  typeSize: 34,
  quantize(src, dst) {
    assertWholeBlocks(this, src.length);
    const view = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
    for (let b = 0; b * QK8_0 < src.length; b++) {
      const x = b * QK8_0;
      const y = b * 34;
      let amax = 0;
      for (let j = 0; j < QK8_0; j++) amax = Math.max(amax, Math.abs(src[x + j]!));
      // ggml computes in float32: every intermediate is rounded with Math.fround.
      const d = Math.fround(amax / 127);
      const id = d !== 0 ? Math.fround(1 / d) : 0;
      view.setUint16(y, fp32ToFp16(d), true);
      for (let j = 0; j < QK8_0; j++) {
        view.setInt8(y + 2 + j, roundHalfAwayFromZero(Math.fround(src[x + j]! * id)));
      }
    }
  },
  dequantize(src, dst) {
    assertWholeBlocks(this, dst.length);
    for (let b = 0; b * QK8_0 < dst.length; b++) {
      const y = b * 34;
      const d = fp16ToFp32(src[y]! | (src[y + 1]! << 8));
      for (let j = 0; j < QK8_0; j++) {
        const q = src[y + 2 + j]!;
        dst[b * QK8_0 + j] = (q > 127 ? q - 256 : q) * d;
      }
    }
  },
  randomBlocks(rng, dst, std) {
    if (dst.length % 34 !== 0) throw new RangeError("Q8_0: not a whole number of blocks");
    rng.fillBytes(dst);
    // Uniform q in [-127, 127] has standard deviation 127 / sqrt(3); -128 (outside what the
    // reference quantizer produces) becomes 0, which keeps the distribution symmetric.
    const scales = jitteredScales(rng, std / (127 / Math.sqrt(3)));
    for (let y = 0; y < dst.length; y += 34) {
      const s = scales[dst[y]!]!;
      dst[y] = s & 0xff;
      dst[y + 1] = s >>> 8;
      for (let j = y + 2; j < y + 34; j++) if (dst[j] === 0x80) dst[j] = 0;
    }
  },
};

// ---------------------------------------------------------------------------------------------
// Q4_0: blocks of 32 = { fp16 d; uint8 qs[16] }, x[j] = ((qs[j] & 15) - 8) * d,
// x[j + 16] = ((qs[j] >> 4) - 8) * d.

const QK4_0 = 32;

// Maps a random byte to one whose two nibbles are symmetric around 8 (nibble 0, i.e. -8, becomes
// 8, i.e. 0), so random weights have mean zero.
const symmetricNibbles = (() => {
  const lut = new Uint8Array(256);
  for (let b = 0; b < 256; b++) {
    const lo = b & 15 || 8;
    const hi = b >>> 4 || 8;
    lut[b] = lo | (hi << 4);
  }
  return lut;
})();

const Q4_0: GgmlTypeTraits = {
  name: "Q4_0",
  id: GGML_TYPE_ID.Q4_0,
  blockSize: QK4_0,
  typeSize: 18,
  quantize(src, dst) {
    assertWholeBlocks(this, src.length);
    const view = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
    for (let b = 0; b * QK4_0 < src.length; b++) {
      const x = b * QK4_0;
      const y = b * 18;
      // The scale comes from the element of largest magnitude, with its sign (first one wins on
      // ties), so that element maps exactly to -8.
      let amax = 0;
      let max = 0;
      for (let j = 0; j < QK4_0; j++) {
        const v = src[x + j]!;
        if (amax < Math.abs(v)) {
          amax = Math.abs(v);
          max = v;
        }
      }
      const d = Math.fround(max / -8);
      const id = d !== 0 ? Math.fround(1 / d) : 0;
      view.setUint16(y, fp32ToFp16(d), true);
      for (let j = 0; j < QK4_0 / 2; j++) {
        const x0 = Math.fround(src[x + j]! * id);
        const x1 = Math.fround(src[x + QK4_0 / 2 + j]! * id);
        // (int8_t)(x + 8.5f) truncates toward zero; the result is capped at 15.
        const q0 = Math.min(15, Math.trunc(Math.fround(x0 + 8.5)));
        const q1 = Math.min(15, Math.trunc(Math.fround(x1 + 8.5)));
        dst[y + 2 + j] = q0 | (q1 << 4);
      }
    }
  },
  dequantize(src, dst) {
    assertWholeBlocks(this, dst.length);
    for (let b = 0; b * QK4_0 < dst.length; b++) {
      const y = b * 18;
      const d = fp16ToFp32(src[y]! | (src[y + 1]! << 8));
      for (let j = 0; j < QK4_0 / 2; j++) {
        const q = src[y + 2 + j]!;
        dst[b * QK4_0 + j] = ((q & 15) - 8) * d;
        dst[b * QK4_0 + QK4_0 / 2 + j] = ((q >>> 4) - 8) * d;
      }
    }
  },
  randomBlocks(rng, dst, std) {
    if (dst.length % 18 !== 0) throw new RangeError("Q4_0: not a whole number of blocks");
    rng.fillBytes(dst);
    // The symmetric values -7..7 (0 twice as likely) have variance 2 * (1 + 4 + ... + 49) / 16.
    const scales = jitteredScales(rng, std / Math.sqrt(17.5));
    for (let y = 0; y < dst.length; y += 18) {
      const s = scales[dst[y]!]!;
      dst[y] = s & 0xff;
      dst[y + 1] = s >>> 8;
      for (let j = y + 2; j < y + 18; j++) dst[j] = symmetricNibbles[dst[j]!]!;
    }
  },
};

/** The types the writer can encode. Q5_0, Q4_K and Q6_K are added here when implemented. */
export const GGML_TYPE_TRAITS: Partial<Record<GgmlTypeName, GgmlTypeTraits>> = { F32, F16, BF16, Q8_0, Q4_0 };

export function ggmlTypeTraits(name: GgmlTypeName): GgmlTypeTraits {
  const traits = GGML_TYPE_TRAITS[name];
  if (!traits) throw new Error(`the GGUF writer cannot encode ${name} tensors yet`);
  return traits;
}

/** Bytes of a tensor of `elements` values (a multiple of the type's block size). */
export function ggmlTensorBytes(traits: GgmlTypeTraits, elements: number): number {
  assertWholeBlocks(traits, elements);
  return (elements / traits.blockSize) * traits.typeSize;
}
