// Near-duplicate prompts by shingled MinHash (Broder 1997) with locality-sensitive hashing
// (banding, Leskovec, Rajaraman and Ullman, Mining of Massive Datasets §3.4): each prompt becomes
// its set of word 3-shingles; 128 min-hashes estimate the Jaccard similarity of two sets; prompts
// that share a band of hashes are candidates, kept when their estimated similarity reaches the
// threshold. Clusters are the connected components of the kept pairs.

import { STEP_ITEMS, type Steps } from "./cooperative";
import { groupBy } from "./group-by";

const SHINGLE_WORDS = 3;
const HASHES = 128;
/** 32 bands of 4 rows: pairs at Jaccard 0.5 become candidates with probability 0.87, at 0.8 with
 * probability ≈ 1; the threshold check afterwards decides. */
const BAND_ROWS = 4;

/** Lower case, letters and digits only: "Hi! Explain X." and "hi explain x" are the same words. */
export function normalizePrompt(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

export function shingles(text: string): Set<string> {
  const words = normalizePrompt(text);
  if (words.length < SHINGLE_WORDS) return new Set(words.length ? [words.join(" ")] : []);
  const result = new Set<string>();
  for (let i = 0; i + SHINGLE_WORDS <= words.length; i++)
    result.add(words.slice(i, i + SHINGLE_WORDS).join(" "));
  return result;
}

export function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  for (const item of a) if (b.has(item)) shared++;
  return shared / (a.size + b.size - shared);
}

/** Conversations per near-duplicate prompt cluster that count on the leaderboard; later ones are
 * over-represented and left out (Chatbot Arena caps over-represented prompts the same way). */
export const MAX_CONVERSATIONS_PER_PROMPT = 3;

/** 32-bit FNV-1a. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Hash family h_k(x) = (a_k·x + b_k) mod 2^32 with odd a_k (multiply-add hashing, cheap with
 * Math.imul); the shingle's own hash x is FNV-1a. */
const COEFFICIENTS = Array.from({ length: HASHES }, (_, k) => [fnv1a(`a${k}`) | 1, fnv1a(`b${k}`)] as const);

export function minHashSignature(set: Set<string>): Uint32Array {
  const signature = new Uint32Array(HASHES).fill(0xffffffff);
  for (const shingle of set) {
    const x = fnv1a(shingle);
    for (let k = 0; k < HASHES; k++) {
      const value = (Math.imul(COEFFICIENTS[k][0], x) + COEFFICIENTS[k][1]) >>> 0;
      if (value < signature[k]) signature[k] = value;
    }
  }
  return signature;
}

/** Signatures compare value by value, so stored ones may come back as signed 32-bit integers. */
export function estimatedJaccard(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let same = 0;
  for (let k = 0; k < HASHES; k++) if (a[k] === b[k]) same++;
  return same / HASHES;
}

/** Groups of near-duplicate prompts (indices into `prompts`, each group in order), for groups
 * of two or more. A pair counts when its estimated Jaccard similarity is at least `threshold`.
 * Yields every STEP_ITEMS prompts (cooperative.ts: `runSteps(…)` runs it through). */
export function* nearDuplicateClusters(prompts: readonly string[], threshold: number): Steps<number[][]> {
  const signatures: Uint32Array[] = [];
  for (const [i, prompt] of prompts.entries()) {
    if (i % STEP_ITEMS === STEP_ITEMS - 1) yield;
    signatures.push(minHashSignature(shingles(prompt)));
  }
  const parent = prompts.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  };
  for (let band = 0; band < HASHES / BAND_ROWS; band++) {
    const buckets = new Map<string, number[]>();
    for (const [i, signature] of signatures.entries()) {
      if (i % STEP_ITEMS === STEP_ITEMS - 1) yield;
      const key = signature.subarray(band * BAND_ROWS, (band + 1) * BAND_ROWS).join(",");
      const bucket = buckets.get(key);
      if (bucket) bucket.push(i);
      else buckets.set(key, [i]);
    }
    for (const bucket of buckets.values()) {
      for (let x = 1; x < bucket.length; x++) {
        yield;
        for (let y = 0; y < x; y++) {
          const [i, j] = [bucket[y], bucket[x]];
          if (find(i) === find(j)) continue;
          if (estimatedJaccard(signatures[i], signatures[j]) >= threshold) parent[find(j)] = find(i);
        }
      }
    }
  }
  const groups = groupBy(
    prompts.map((_, i) => i),
    find,
  );
  return [...groups.values()].filter((group) => group.length > 1);
}
