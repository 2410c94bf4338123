// ggml weight types in TypeScript: ids, block sizes, fp16/bf16 conversion, and for each type a
// quantizer bit-compatible with ggml's reference (quantize_row_*_ref), a dequantizer and a fast
// generator of random blocks for large test models. Mirrors inference/engine/ggml_types.h.
// The quantizers repeat ggml's float32 arithmetic operation by operation (Math.fround after each
// one), so their bytes equal ggml's and the engine's C++ references' (quants_ref.cpp); the tests
// compare them byte for byte. To add a type, add its traits to GGML_TYPE_TRAITS.

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

// ---------------------------------------------------------------------------------------------
// Q5_0: blocks of 32 = { fp16 d; uint8 qh[4]; uint8 qs[16] }, x[j] = (q[j] - 16) * d where q[j]
// is the low nibble of qs[j] (j < 16) or the high nibble of qs[j - 16], with bit j of qh on top.

const QK5_0 = 32;
const f32 = Math.fround;

const Q5_0: GgmlTypeTraits = {
  name: "Q5_0",
  id: GGML_TYPE_ID.Q5_0,
  blockSize: QK5_0,
  typeSize: 22,
  quantize(src, dst) {
    assertWholeBlocks(this, src.length);
    const view = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
    for (let b = 0; b * QK5_0 < src.length; b++) {
      const x = b * QK5_0;
      const y = b * 22;
      // As Q4_0: the signed element of largest magnitude (the first on ties) maps to -16.
      let amax = 0;
      let max = 0;
      for (let j = 0; j < QK5_0; j++) {
        const v = src[x + j]!;
        if (amax < Math.abs(v)) {
          amax = Math.abs(v);
          max = v;
        }
      }
      const d = f32(max / -16);
      const id = d !== 0 ? f32(1 / d) : 0;
      view.setUint16(y, fp32ToFp16(d), true);
      let qh = 0;
      for (let j = 0; j < QK5_0 / 2; j++) {
        // (int8_t)(x + 16.5f) truncates toward zero; the result is capped at 31.
        const q0 = Math.min(31, Math.trunc(f32(f32(src[x + j]! * id) + 16.5)));
        const q1 = Math.min(31, Math.trunc(f32(f32(src[x + QK5_0 / 2 + j]! * id) + 16.5)));
        dst[y + 6 + j] = (q0 & 15) | ((q1 & 15) << 4);
        qh |= ((q0 >>> 4) & 1) << j;
        qh |= ((q1 >>> 4) & 1) << (j + 16);
      }
      view.setUint32(y + 2, qh >>> 0, true);
    }
  },
  dequantize(src, dst) {
    assertWholeBlocks(this, dst.length);
    const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
    for (let b = 0; b * QK5_0 < dst.length; b++) {
      const y = b * 22;
      const d = fp16ToFp32(view.getUint16(y, true));
      const qh = view.getUint32(y + 2, true);
      for (let j = 0; j < QK5_0 / 2; j++) {
        const q = src[y + 6 + j]!;
        dst[b * QK5_0 + j] = (((q & 15) | (((qh >>> j) & 1) << 4)) - 16) * d;
        dst[b * QK5_0 + QK5_0 / 2 + j] = (((q >>> 4) | (((qh >>> (j + 16)) & 1) << 4)) - 16) * d;
      }
    }
  },
  randomBlocks(rng, dst, std) {
    if (dst.length % 22 !== 0) throw new RangeError("Q5_0: not a whole number of blocks");
    rng.fillBytes(dst);
    // Level 0 (-16) becomes 16 (0), so the values -15..15 are symmetric (0 twice as likely):
    // variance 2 * (1 + 4 + ... + 225) / 32.
    const scales = jitteredScales(rng, std / Math.sqrt(77.5));
    const view = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
    for (let y = 0; y < dst.length; y += 22) {
      const s = scales[dst[y]!]!;
      dst[y] = s & 0xff;
      dst[y + 1] = s >>> 8;
      let qh = view.getUint32(y + 2, true);
      for (let j = 0; j < 16; j++) {
        const q = dst[y + 6 + j]!;
        if ((q & 15) === 0) qh |= 1 << j;
        if (q >>> 4 === 0) qh |= 1 << (j + 16);
      }
      view.setUint32(y + 2, qh >>> 0, true);
    }
  },
};

// ---------------------------------------------------------------------------------------------
// K-quants: super-blocks of 256 values (ggml's QK_K).

const QK_K = 256;

/** ggml's nearest_int: round half to even through the float32 adder (the bits of x + 1.5 * 2^23). */
function nearestInt(x: number): number {
  f32Scratch[0] = x + 12582912;
  return (u32Scratch[0]! & 0x007fffff) - 0x00400000;
}

const GROUP_MAX_EPS = f32(1e-15);

/**
 * ggml's make_qkx2_quants for n values at x[off..]: levels 0..nmax, a scale and a min chosen to
 * minimise the weighted squared error over nstep + 1 candidate scales. Writes the levels to L and
 * returns [scale, -min].
 */
function makeQkx2Quants(
  n: number,
  nmax: number,
  x: Float32Array,
  off: number,
  weights: Float32Array,
  L: Uint8Array,
  lOff: number,
  Laux: Uint8Array,
  rmin: number,
  rdelta: number,
  nstep: number,
): [number, number] {
  let min = x[off]!;
  let max = x[off]!;
  let sumW = weights[0]!;
  let sumX = f32(sumW * x[off]!);
  for (let i = 1; i < n; i++) {
    const v = x[off + i]!;
    if (v < min) min = v;
    if (v > max) max = v;
    const w = weights[i]!;
    sumW = f32(sumW + w);
    sumX = f32(sumX + f32(w * v));
  }
  if (min > 0) min = 0;
  if (max === min) {
    L.fill(0, lOff, lOff + n);
    return [0, -min];
  }
  // (max - min) is recomputed below: min moves when a candidate wins, as in ggml.
  let iscale = f32(nmax / f32(max - min));
  let scale = f32(1 / iscale);
  let bestError = 0;
  for (let i = 0; i < n; i++) {
    const v = x[off + i]!;
    const l = Math.max(0, Math.min(nmax, nearestInt(f32(iscale * f32(v - min)))));
    L[lOff + i] = l;
    const diff = f32(f32(f32(scale * l) + min) - v);
    bestError = f32(bestError + f32(weights[i]! * f32(diff * diff)));
  }
  for (let is = 0; is <= nstep; is++) {
    iscale = f32(f32(f32(rmin + f32(rdelta * is)) + nmax) / f32(max - min));
    let sumL = 0;
    let sumL2 = 0;
    let sumXL = 0;
    for (let i = 0; i < n; i++) {
      const v = x[off + i]!;
      const l = Math.max(0, Math.min(nmax, nearestInt(f32(iscale * f32(v - min)))));
      Laux[i] = l;
      const wl = f32(weights[i]! * l);
      sumL = f32(sumL + wl);
      sumL2 = f32(sumL2 + f32(wl * l));
      sumXL = f32(sumXL + f32(wl * v));
    }
    const D = f32(f32(sumW * sumL2) - f32(sumL * sumL));
    if (D > 0) {
      let thisScale = f32(f32(f32(sumW * sumXL) - f32(sumX * sumL)) / D);
      let thisMin = f32(f32(f32(sumL2 * sumX) - f32(sumL * sumXL)) / D);
      if (thisMin > 0) {
        thisMin = 0;
        thisScale = f32(sumXL / sumL2);
      }
      let error = 0;
      for (let i = 0; i < n; i++) {
        const diff = f32(f32(f32(thisScale * Laux[i]!) + thisMin) - x[off + i]!);
        error = f32(error + f32(weights[i]! * f32(diff * diff)));
      }
      if (error < bestError) {
        for (let i = 0; i < n; i++) L[lOff + i] = Laux[i]!;
        bestError = error;
        scale = thisScale;
        min = thisMin;
      }
    }
  }
  return [scale, -min];
}

/**
 * ggml's make_qx_quants with rmse_type 1 and no importance weights: a symmetric scale for n
 * values at x[off..] (levels -nmax..nmax-1, stored + nmax in L) minimising the x^2-weighted
 * squared error over 19 candidates. Returns the scale.
 */
function makeQxQuants(
  n: number,
  nmax: number,
  x: Float32Array,
  off: number,
  L: Uint8Array,
  lOff: number,
): number {
  let max = 0;
  let amax = 0;
  for (let i = 0; i < n; i++) {
    const ax = Math.abs(x[off + i]!);
    if (ax > amax) {
      amax = ax;
      max = x[off + i]!;
    }
  }
  if (amax < GROUP_MAX_EPS) {
    L.fill(0, lOff, lOff + n);
    return 0;
  }
  const level = (iscale: number, v: number) =>
    Math.max(-nmax, Math.min(nmax - 1, nearestInt(f32(iscale * v))));
  let iscale = f32(-nmax / max);
  let sumLX = 0;
  let sumL2 = 0;
  for (let i = 0; i < n; i++) {
    const v = x[off + i]!;
    const l = level(iscale, v);
    L[lOff + i] = l + nmax;
    const w = f32(v * v);
    sumLX = f32(sumLX + f32(f32(w * v) * l));
    sumL2 = f32(sumL2 + f32(f32(w * l) * l));
  }
  let scale = sumL2 !== 0 ? f32(sumLX / sumL2) : 0;
  let best = f32(scale * sumLX);
  for (let is = -9; is <= 9; is++) {
    if (is === 0) continue;
    iscale = f32(-f32(nmax + f32(f32(0.1) * is)) / max);
    sumLX = 0;
    sumL2 = 0;
    for (let i = 0; i < n; i++) {
      const v = x[off + i]!;
      const l = level(iscale, v);
      const w = f32(v * v);
      sumLX = f32(sumLX + f32(f32(w * v) * l));
      sumL2 = f32(sumL2 + f32(f32(w * l) * l));
    }
    if (sumL2 > 0 && f32(sumLX * sumLX) > f32(best * sumL2)) {
      for (let i = 0; i < n; i++) L[lOff + i] = level(iscale, x[off + i]!) + nmax;
      scale = f32(sumLX / sumL2);
      best = f32(scale * sumLX);
    }
  }
  return scale;
}

// Q4_K: super-blocks = { fp16 d; fp16 dmin; uint8 scales[12]; uint8 qs[128] }. Sub-block j (32
// values) has a 6-bit scale sc_j and min m_j packed in `scales`; x = d * sc_j * q - dmin * m_j,
// q in 0..15: sub-blocks 2k and 2k + 1 share qs[32k .. 32k + 32) (low nibbles, high nibbles).

const Q4_K_BYTES = 144;

/** The 6-bit scale and min of sub-block j (ggml's get_scale_min_k4); s = the 12 scale bytes. */
function q4KScaleMin(s: Uint8Array, at: number, j: number): [number, number] {
  if (j < 4) return [s[at + j]! & 63, s[at + j + 4]! & 63];
  return [
    (s[at + j + 4]! & 0x0f) | ((s[at + j - 4]! >>> 6) << 4),
    (s[at + j + 4]! >>> 4) | ((s[at + j]! >>> 6) << 4),
  ];
}

const Q4_K: GgmlTypeTraits = {
  name: "Q4_K",
  id: GGML_TYPE_ID.Q4_K,
  blockSize: QK_K,
  typeSize: Q4_K_BYTES,
  quantize(src, dst) {
    assertWholeBlocks(this, src.length);
    const view = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
    const L = new Uint8Array(QK_K);
    const Laux = new Uint8Array(32);
    const weights = new Float32Array(32);
    const scales = new Float32Array(8);
    const mins = new Float32Array(8);
    for (let b = 0; b * QK_K < src.length; b++) {
      const x = b * QK_K;
      const y = b * Q4_K_BYTES;
      let maxScale = 0;
      let maxMin = 0;
      for (let j = 0; j < 8; j++) {
        let sumX2 = 0;
        for (let l = 0; l < 32; l++) sumX2 = f32(sumX2 + f32(src[x + 32 * j + l]! * src[x + 32 * j + l]!));
        const avX = f32(Math.sqrt(f32(sumX2 / 32)));
        for (let l = 0; l < 32; l++) weights[l] = f32(avX + Math.abs(src[x + 32 * j + l]!));
        [scales[j], mins[j]] = makeQkx2Quants(
          32,
          15,
          src,
          x + 32 * j,
          weights,
          L,
          32 * j,
          Laux,
          -1,
          f32(0.1),
          20,
        );
        if (scales[j]! > maxScale) maxScale = scales[j]!;
        if (mins[j]! > maxMin) maxMin = mins[j]!;
      }
      const invScale = maxScale > 0 ? f32(63 / maxScale) : 0;
      const invMin = maxMin > 0 ? f32(63 / maxMin) : 0;
      const s = y + 4; // the 12 scale bytes
      dst.fill(0, s, s + 12);
      for (let j = 0; j < 8; j++) {
        // ggml keeps nearest_int's result in a uint8_t before capping it at 63.
        const ls = Math.min(63, nearestInt(f32(invScale * scales[j]!)) & 0xff);
        const lm = Math.min(63, nearestInt(f32(invMin * mins[j]!)) & 0xff);
        if (j < 4) {
          dst[s + j] = ls;
          dst[s + j + 4] = lm;
        } else {
          dst[s + j + 4] = (ls & 0x0f) | ((lm & 0x0f) << 4);
          dst[s + j - 4]! |= (ls >>> 4) << 6;
          dst[s + j]! |= (lm >>> 4) << 6;
        }
      }
      const dBits = fp32ToFp16(f32(maxScale / 63));
      const dminBits = fp32ToFp16(f32(maxMin / 63));
      view.setUint16(y, dBits, true);
      view.setUint16(y + 2, dminBits, true);
      // Requantize against the stored (rounded) scales.
      for (let j = 0; j < 8; j++) {
        const [sc, m] = q4KScaleMin(dst, s, j);
        const d = f32(fp16ToFp32(dBits) * sc);
        if (d === 0) continue;
        const dm = f32(fp16ToFp32(dminBits) * m);
        for (let l = 0; l < 32; l++) {
          L[32 * j + l] = Math.max(0, Math.min(15, nearestInt(f32(f32(src[x + 32 * j + l]! + dm) / d))));
        }
      }
      for (let j = 0; j < QK_K; j += 64) {
        for (let l = 0; l < 32; l++) dst[y + 16 + j / 2 + l] = L[j + l]! | (L[j + l + 32]! << 4);
      }
    }
  },
  dequantize(src, dst) {
    assertWholeBlocks(this, dst.length);
    for (let b = 0; b * QK_K < dst.length; b++) {
      const y = b * Q4_K_BYTES;
      const d = fp16ToFp32(src[y]! | (src[y + 1]! << 8));
      const dmin = fp16ToFp32(src[y + 2]! | (src[y + 3]! << 8));
      for (let j = 0; j < 8; j++) {
        const [sc, m] = q4KScaleMin(src, y + 4, j);
        const scale = f32(d * sc);
        const min = f32(dmin * m);
        const q = y + 16 + 32 * (j >>> 1);
        const shift = 4 * (j & 1);
        for (let l = 0; l < 32; l++)
          dst[b * QK_K + 32 * j + l] = f32(scale * ((src[q + l]! >>> shift) & 15)) - min;
      }
    }
  },
  randomBlocks(rng, dst, std) {
    if (dst.length % Q4_K_BYTES !== 0) throw new RangeError("Q4_K: not a whole number of blocks");
    rng.fillBytes(dst);
    // Sub-block scales sc in 40..63 with the min equal to the scale and dmin = 7.5 d, so every
    // value is d * sc * (q - 7.5): mean zero, variance (d sc)^2 (16^2 - 1) / 12.
    const meanSc2 = 2700; // mean of sc^2 over 40..63
    const scales = jitteredScales(rng, std / Math.sqrt((meanSc2 * 255) / 12));
    for (let y = 0; y < dst.length; y += Q4_K_BYTES) {
      const d = scales[dst[y]!]!;
      dst[y] = d & 0xff;
      dst[y + 1] = d >>> 8;
      const dmin = fp32ToFp16(7.5 * fp16ToFp32(d));
      dst[y + 2] = dmin & 0xff;
      dst[y + 3] = dmin >>> 8;
      for (let j = 0; j < 8; j++) {
        const sc = 40 + (dst[y + 16 + j]! % 24);
        if (j < 4) {
          dst[y + 4 + j] = sc;
          dst[y + 8 + j] = sc;
        } else {
          dst[y + 8 + j] = (sc & 0x0f) | ((sc & 0x0f) << 4);
          dst[y + j]! |= (sc >>> 4) << 6;
          dst[y + 4 + j]! |= (sc >>> 4) << 6;
        }
      }
    }
  },
};

// Q6_K: super-blocks = { uint8 ql[128]; uint8 qh[64]; int8 scales[16]; fp16 d }. Sub-block s (16
// values) has scale sc_s; x = d * sc_s * (q - 32) with the 6-bit q split into a nibble of ql and
// two bits of qh: in each half h of 128 values, value 32k + l (k < 4, l < 32) takes the low (k < 2)
// or high nibble of ql[64h + 32(k % 2) + l] and bits 2k, 2k + 1 of qh[32h + l].

const Q6_K_BYTES = 210;

function q6KLevel(src: Uint8Array, y: number, v: number): number {
  const h = v >>> 7;
  const k = (v & 127) >>> 5;
  const l = v & 31;
  const ql = src[y + 64 * h + 32 * (k & 1) + l]!;
  return ((k < 2 ? ql : ql >>> 4) & 15) | (((src[y + 128 + 32 * h + l]! >>> (2 * k)) & 3) << 4);
}

const Q6_K: GgmlTypeTraits = {
  name: "Q6_K",
  id: GGML_TYPE_ID.Q6_K,
  blockSize: QK_K,
  typeSize: Q6_K_BYTES,
  quantize(src, dst) {
    assertWholeBlocks(this, src.length);
    const view = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
    const L = new Uint8Array(QK_K);
    const scales = new Float32Array(16);
    for (let b = 0; b * QK_K < src.length; b++) {
      const x = b * QK_K;
      const y = b * Q6_K_BYTES;
      let maxScale = 0;
      let maxAbsScale = 0;
      for (let s = 0; s < 16; s++) {
        scales[s] = makeQxQuants(16, 32, src, x + 16 * s, L, 16 * s);
        if (Math.abs(scales[s]!) > maxAbsScale) {
          maxAbsScale = Math.abs(scales[s]!);
          maxScale = scales[s]!;
        }
      }
      dst.fill(0, y, y + Q6_K_BYTES);
      if (maxAbsScale < GROUP_MAX_EPS) continue;
      const iscale = f32(-128 / maxScale);
      const dBits = fp32ToFp16(f32(1 / iscale));
      view.setUint16(y + 208, dBits, true);
      for (let s = 0; s < 16; s++)
        view.setInt8(y + 192 + s, Math.min(127, nearestInt(f32(iscale * scales[s]!))));
      for (let s = 0; s < 16; s++) {
        const d = f32(fp16ToFp32(dBits) * view.getInt8(y + 192 + s));
        if (d === 0) continue;
        for (let l = 0; l < 16; l++) {
          L[16 * s + l] = Math.max(-32, Math.min(31, nearestInt(f32(src[x + 16 * s + l]! / d)))) + 32;
        }
      }
      for (let h = 0; h < 2; h++) {
        const q = 128 * h;
        for (let l = 0; l < 32; l++) {
          dst[y + 64 * h + l] = (L[q + l]! & 15) | ((L[q + l + 64]! & 15) << 4);
          dst[y + 64 * h + l + 32] = (L[q + l + 32]! & 15) | ((L[q + l + 96]! & 15) << 4);
          dst[y + 128 + 32 * h + l] =
            (L[q + l]! >>> 4) |
            ((L[q + l + 32]! >>> 4) << 2) |
            ((L[q + l + 64]! >>> 4) << 4) |
            ((L[q + l + 96]! >>> 4) << 6);
        }
      }
    }
  },
  dequantize(src, dst) {
    assertWholeBlocks(this, dst.length);
    const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
    for (let b = 0; b * QK_K < dst.length; b++) {
      const y = b * Q6_K_BYTES;
      const d = fp16ToFp32(view.getUint16(y + 208, true));
      for (let v = 0; v < QK_K; v++) {
        dst[b * QK_K + v] = f32(d * view.getInt8(y + 192 + (v >>> 4))) * (q6KLevel(src, y, v) - 32);
      }
    }
  },
  randomBlocks(rng, dst, std) {
    if (dst.length % Q6_K_BYTES !== 0) throw new RangeError("Q6_K: not a whole number of blocks");
    rng.fillBytes(dst);
    // Scales of magnitude 64..127 with random signs keep the mean at zero; q - 32 is uniform in
    // -32..31 (variance (64^2 - 1) / 12), sc^2 averages 9462.
    const scales = jitteredScales(rng, std / Math.sqrt((9462 * 4095) / 12));
    for (let y = 0; y < dst.length; y += Q6_K_BYTES) {
      for (let s = 0; s < 16; s++) {
        const r = dst[y + 192 + s]!;
        const magnitude = 64 + (r & 63);
        dst[y + 192 + s] = (r & 64 ? -magnitude : magnitude) & 0xff;
      }
      const d = scales[dst[y]!]!;
      dst[y + 208] = d & 0xff;
      dst[y + 209] = d >>> 8;
    }
  },
};

/** The types the writer can encode (every weight type the engine reads). */
export const GGML_TYPE_TRAITS: Partial<Record<GgmlTypeName, GgmlTypeTraits>> = {
  F32,
  F16,
  BF16,
  Q8_0,
  Q4_0,
  Q5_0,
  Q4_K,
  Q6_K,
};

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
