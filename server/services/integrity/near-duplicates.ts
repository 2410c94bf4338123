// Near-duplicate prompts by shingled MinHash (Broder 1997) with locality-sensitive hashing
// (banding, Leskovec, Rajaraman and Ullman, Mining of Massive Datasets §3.4): each prompt becomes
// its set of word 3-shingles; 128 min-hashes estimate the Jaccard similarity of two sets; prompts
// that share a band of hashes are candidates, kept when their estimated similarity reaches the
// threshold. Clusters are the connected components of the kept pairs (`signatureClusters` finds
// them without comparing every pair of a band's bucket).

import { STEP_ITEMS, type Steps } from "./cooperative";

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
const MULTIPLIERS = Int32Array.from({ length: HASHES }, (_, k) => fnv1a(`a${k}`) | 1);
const ADDENDS = Uint32Array.from({ length: HASHES }, (_, k) => fnv1a(`b${k}`));

/** FNV-1a continued over `text`. */
function fnv1aOn(hash: number, text: string): number {
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash;
}

function addToSignature(signature: Uint32Array, x: number) {
  for (let k = 0; k < HASHES; k++) {
    const value = (Math.imul(MULTIPLIERS[k], x) + ADDENDS[k]) >>> 0;
    if (value < signature[k]) signature[k] = value;
  }
}

/** The MinHash signature of the prompt's set of word 3-shingles (`shingles`): each shingle is
 * hashed from its words as they stand, without building the shingle's string or the set (the
 * minimum over a shingle seen twice is the same). */
export function promptSignature(text: string): Uint32Array {
  const words = normalizePrompt(text);
  const signature = new Uint32Array(HASHES).fill(0xffffffff);
  if (words.length < SHINGLE_WORDS) {
    if (words.length) addToSignature(signature, fnv1a(words.join(" ")));
    return signature;
  }
  for (let i = 0; i + SHINGLE_WORDS <= words.length; i++) {
    let hash = fnv1aOn(0x811c9dc5, words[i]);
    for (let w = 1; w < SHINGLE_WORDS; w++) hash = fnv1aOn(Math.imul(hash ^ 0x20, 0x01000193), words[i + w]);
    addToSignature(signature, hash >>> 0);
  }
  return signature;
}

/** Signatures compare value by value, so stored ones may come back as signed 32-bit integers. */
export function estimatedJaccard(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let same = 0;
  for (let k = 0; k < HASHES; k++) if (a[k] === b[k]) same++;
  return same / HASHES;
}

const BANDS = HASHES / BAND_ROWS;
/** Prompts signed, and band keys or list entries handled, between two yields. */
const PROMPT_STEP = 256;
const KEY_STEP = STEP_ITEMS * 32;

/** A band's rows hashed to 32 bits, with the band's number in the low bits: a prompt's keys are
 * distinct, and equal keys belong to the same band. */
function bandKey(signatures: Uint32Array, offset: number, band: number): number {
  let hash = Math.imul(band + 1, 0x9e3779b1);
  for (let row = 0; row < BAND_ROWS; row++) {
    hash = Math.imul(hash ^ signatures[offset + band * BAND_ROWS + row], 0x85ebca6b);
    hash ^= hash >>> 15;
  }
  return (hash & ~(BANDS - 1)) | band;
}

/** For each of `keys`, the rank of its value when the distinct values are ordered by how often
 * they occur, rarest first: a radix sort of the keys' positions, 16 bits a pass, then a counting
 * sort of the distinct values by frequency (no binary searches, whose cache misses dominate at a
 * million prompts). */
function* frequencyRanks(keys: Int32Array): Steps<{ ranks: Int32Array; distinctCount: number }> {
  let order = new Int32Array(keys.length);
  let next = new Int32Array(keys.length);
  for (let i = 0; i < keys.length; i++) order[i] = i;
  for (const shift of [0, 16]) {
    const bucketStart = new Int32Array(0x10001);
    for (let i = 0; i < keys.length; i++) {
      if (i % KEY_STEP === KEY_STEP - 1) yield;
      bucketStart[((keys[i] >>> shift) & 0xffff) + 1]++;
    }
    for (let b = 0; b < 0x10000; b++) bucketStart[b + 1] += bucketStart[b];
    for (let i = 0; i < keys.length; i++) {
      if (i % KEY_STEP === KEY_STEP - 1) yield;
      next[bucketStart[(keys[order[i]] >>> shift) & 0xffff]++] = order[i];
    }
    [order, next] = [next, order];
  }
  const distinctOf = next;
  const frequency = new Int32Array(keys.length);
  let distinctCount = 0;
  for (let i = 0; i < order.length; i++) {
    if (i % KEY_STEP === KEY_STEP - 1) yield;
    if (i === 0 || keys[order[i]] !== keys[order[i - 1]]) distinctCount++;
    distinctOf[order[i]] = distinctCount - 1;
    frequency[distinctCount - 1]++;
  }
  const frequencyStart = new Int32Array(keys.length + 2);
  for (let d = 0; d < distinctCount; d++) frequencyStart[frequency[d] + 1]++;
  for (let f = 1; f < frequencyStart.length; f++) frequencyStart[f] += frequencyStart[f - 1];
  const rankOf = frequency;
  for (let d = 0; d < distinctCount; d++) rankOf[d] = frequencyStart[frequency[d]]++;
  yield;
  const ranks = order;
  for (let i = 0; i < keys.length; i++) {
    if (i % KEY_STEP === KEY_STEP - 1) yield;
    ranks[i] = rankOf[distinctOf[i]];
  }
  return { ranks, distinctCount };
}

/** Groups of near-duplicate prompts (indices into `prompts`, each group in order), for groups
 * of two or more. Yields every STEP_ITEMS prompts (cooperative.ts: `runSteps(…)` runs it
 * through). */
export function* nearDuplicateClusters(prompts: readonly string[], threshold: number): Steps<number[][]> {
  const signatures = new Uint32Array(prompts.length * HASHES);
  for (const [i, prompt] of prompts.entries()) {
    // A prompt takes tens of microseconds.
    if (i % PROMPT_STEP === PROMPT_STEP - 1) yield;
    signatures.set(promptSignature(prompt), i * HASHES);
  }
  return yield* signatureClusters(signatures, threshold);
}

/** The connected components, of two or more, of the graph whose edges join two signatures
 * (packed HASHES to a prompt) that share a band and whose estimated Jaccard similarity is at
 * least `threshold`.
 *
 * Checking every pair that shares a band is quadratic in a band's bucket, and prompts written
 * from common templates fill buckets by the thousand. A pair at the threshold differs in at most
 * `maxMismatches` hashes, so it shares at least BANDS − maxMismatches bands (every mismatch spoils
 * at most one): candidates are the pairs whose band keys overlap that much, found with the
 * prefix and positional filters of set-similarity joins (Bayardo, Ma and Srikant 2007, AllPairs;
 * Xiao et al. 2008, PPJoin): with each prompt's keys in one global order, rarest first, such a
 * pair shares keys among the first few of each, and a pair whose matches come too late to reach
 * minShared is dropped before its signatures are compared. Pairs are still compared within a
 * family of templated prompts (those are similar enough to share that many bands), so the work
 * grows with the square of a family's size, but by a far smaller factor than every pair of every
 * bucket. Any order of finding the edges gives the same components. */
export function* signatureClusters(signatures: Uint32Array, threshold: number): Steps<number[][]> {
  const count = signatures.length / HASHES;
  let minSame = 0;
  while (minSame <= HASHES && minSame / HASHES < threshold) minSame++;
  if (minSame > HASHES || count < 2) return [];
  const maxMismatches = HASHES - minSame;
  // Every mismatch spoils at most one band.
  const minShared = Math.max(1, BANDS - maxMismatches);
  // A pair sharing minShared keys shares `requiredInPrefix` among the first
  // BANDS − minShared + requiredInPrefix of each in the global order (the prefix filter,
  // generalized): the k-th shared key stands at most BANDS − minShared + k − 1 from the start.
  // Three rather than one: a longer prefix, but far fewer pairs left to compare.
  const requiredInPrefix = Math.min(minShared, 3);
  const prefixLength = BANDS - minShared + requiredInPrefix;

  const keys = new Int32Array(count * BANDS);
  for (let i = 0; i < count; i++) {
    if (i % STEP_ITEMS === STEP_ITEMS - 1) yield;
    for (let band = 0; band < BANDS; band++) keys[i * BANDS + band] = bandKey(signatures, i * HASHES, band);
  }
  const { ranks, distinctCount } = yield* frequencyRanks(keys);

  // Each prompt's keys in the global order; the first prefixLength are indexed.
  const listStart = new Int32Array(distinctCount + 1);
  for (let i = 0; i < count; i++) {
    if (i % STEP_ITEMS === STEP_ITEMS - 1) yield;
    ranks.subarray(i * BANDS, (i + 1) * BANDS).sort();
    for (let p = 0; p < prefixLength; p++) listStart[ranks[i * BANDS + p] + 1]++;
  }
  for (let r = 0; r < distinctCount; r++) listStart[r + 1] += listStart[r];
  // Inverted lists of (prompt, position in its order), prompts ascending.
  const listPrompt = new Int32Array(listStart[distinctCount]);
  const listPosition = new Uint8Array(listStart[distinctCount]);
  const filled = listStart.slice(0, distinctCount);
  for (let i = 0; i < count; i++) {
    if (i % STEP_ITEMS === STEP_ITEMS - 1) yield;
    for (let p = 0; p < prefixLength; p++) {
      const at = filled[ranks[i * BANDS + p]]++;
      listPrompt[at] = i;
      listPosition[at] = p;
    }
  }
  yield;

  const parent = Int32Array.from({ length: count }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  };
  const isEdge = (i: number, j: number) => {
    let mismatches = 0;
    for (let k = 0; k < HASHES; k++) {
      if (signatures[i * HASHES + k] !== signatures[j * HASHES + k] && ++mismatches > maxMismatches)
        return false;
    }
    // Fewer mismatches than bands leave a band whole.
    if (maxMismatches < BANDS) return true;
    for (let band = 0; band < BANDS; band++) {
      let whole = true;
      for (let row = band * BAND_ROWS; whole && row < (band + 1) * BAND_ROWS; row++)
        whole = signatures[i * HASHES + row] === signatures[j * HASHES + row];
      if (whole) return true;
    }
    return false;
  };
  // Per earlier prompt: the later prompt whose candidates it was last counted among, and its
  // shared keys so far (−1: dropped by the positional filter).
  const countedFor = new Int32Array(count).fill(-1);
  const shared = new Int32Array(count);
  const candidates = new Int32Array(count);
  let visitsSinceYield = 0;
  for (let i = 0; i < count; i++) {
    // A prompt's lists run to thousands of entries: yield by entries visited.
    if (visitsSinceYield >= KEY_STEP) {
      visitsSinceYield = 0;
      yield;
    }
    let candidateCount = 0;
    for (let p = 0; p < prefixLength; p++) {
      const rank = ranks[i * BANDS + p];
      for (let at = listStart[rank]; at < listStart[rank + 1]; at++) {
        const j = listPrompt[at];
        if (j >= i) break;
        visitsSinceYield++;
        if (countedFor[j] !== i) {
          countedFor[j] = i;
          shared[j] = 0;
          candidates[candidateCount++] = j;
        }
        if (shared[j] < 0) continue;
        shared[j]++;
        const later = Math.min(BANDS - 1 - p, BANDS - 1 - listPosition[at]);
        if (shared[j] + later < minShared) shared[j] = -1;
      }
    }
    for (let c = 0; c < candidateCount; c++) {
      const j = candidates[c];
      if (shared[j] < requiredInPrefix || find(i) === find(j)) continue;
      if (isEdge(i, j)) parent[find(i)] = find(j);
    }
  }

  // Groups in order of their first prompt, of prompts whose component has another.
  const size = new Int32Array(count);
  for (let i = 0; i < count; i++) size[find(i)]++;
  yield;
  const groups = new Map<number, number[]>();
  for (let i = 0; i < count; i++) {
    if (i % STEP_ITEMS === STEP_ITEMS - 1) yield;
    const root = find(i);
    if (size[root] < 2) continue;
    const group = groups.get(root);
    if (group) group.push(i);
    else groups.set(root, [i]);
  }
  return [...groups.values()];
}
