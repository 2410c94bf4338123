// Seeded pseudo-random numbers for generated models: the same seed gives the same file on every
// machine (only integer arithmetic and V8's fdlibm-based Math functions are involved).

/** xoshiro128** (Blackman & Vigna): 32-bit state words, fast in JavaScript, good statistics. */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | null = null;

  constructor(seed: number | string) {
    // splitmix32 expands the seed into four state words that are never all zero.
    let s = typeof seed === "number" ? seed >>> 0 : hashString(seed);
    const next = () => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next() | 1;
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box-Muller, the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    const u = 1 - this.next(); // (0, 1]: log is finite
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fills bytes with uniform random bytes (the bulk path of random weight generation). */
  fillBytes(bytes: Uint8Array): void {
    const words = Math.floor(bytes.length / 4);
    if (bytes.byteOffset % 4 === 0) {
      const view = new Uint32Array(bytes.buffer, bytes.byteOffset, words);
      for (let i = 0; i < words; i++) view[i] = this.nextUint32();
    } else {
      for (let i = 0; i < words; i++) {
        const w = this.nextUint32();
        bytes[4 * i] = w & 0xff;
        bytes[4 * i + 1] = (w >>> 8) & 0xff;
        bytes[4 * i + 2] = (w >>> 16) & 0xff;
        bytes[4 * i + 3] = w >>> 24;
      }
    }
    for (let i = words * 4; i < bytes.length; i++) bytes[i] = this.nextUint32() & 0xff;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** FNV-1a of the UTF-16 code units: derives independent streams from names (e.g. per tensor). */
function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
