import { describe, expect, it } from "vitest";
import { runSteps } from "./cooperative";
import {
  estimatedJaccard,
  fnv1a,
  jaccard,
  nearDuplicateClusters,
  promptSignature,
  shingles,
} from "./near-duplicates";

/** The signature as defined: every distinct shingle string hashed with FNV-1a, then 128
 * multiply-add hashes of it, minimum of each. */
const COEFFICIENTS = Array.from({ length: 128 }, (_, k) => [fnv1a(`a${k}`) | 1, fnv1a(`b${k}`)]);
function referenceSignature(text: string): Uint32Array {
  const signature = new Uint32Array(128).fill(0xffffffff);
  for (const shingle of shingles(text)) {
    const x = fnv1a(shingle);
    for (let k = 0; k < 128; k++) {
      const value = (Math.imul(COEFFICIENTS[k][0], x) + COEFFICIENTS[k][1]) >>> 0;
      signature[k] = Math.min(signature[k], value);
    }
  }
  return signature;
}

/** Per pair (i < j): whether the signatures share a band of 4 hashes, and their estimated
 * Jaccard similarity. */
function pairsOf(signatures: Uint32Array[]) {
  const pairs: { i: number; j: number; sharesBand: boolean; similarity: number }[] = [];
  for (let j = 0; j < signatures.length; j++) {
    for (let i = 0; i < j; i++) {
      const [a, b] = [signatures[i], signatures[j]];
      let sharesBand = false;
      for (let row = 0; row < 128 && !sharesBand; row += 4)
        sharesBand =
          a[row] === b[row] &&
          a[row + 1] === b[row + 1] &&
          a[row + 2] === b[row + 2] &&
          a[row + 3] === b[row + 3];
      pairs.push({ i, j, sharesBand, similarity: estimatedJaccard(a, b) });
    }
  }
  return pairs;
}

/** The clusters by their definition, every pair checked: connected components of the pairs that
 * share a band and reach the threshold, groups in order of their first prompt. */
function referenceClusters(count: number, pairs: ReturnType<typeof pairsOf>, threshold: number): number[][] {
  const component = Array.from({ length: count }, (_, i) => i);
  for (const { i, j, sharesBand, similarity } of pairs) {
    const [from, to] = [component[j], component[i]];
    if (sharesBand && similarity >= threshold && from !== to)
      component.forEach((c, k) => c === from && (component[k] = to));
  }
  const groups = new Map<number, number[]>();
  component.forEach((c, i) => groups.set(c, [...(groups.get(c) ?? []), i]));
  return [...groups.values()].filter((group) => group.length > 1);
}

/** Prompts from a few templates with slots, and edited copies of some (words dropped, swapped or
 * added), so that similarities spread over the whole range. */
function templatedPrompts(count: number, seed: number): string[] {
  let state = seed;
  const random = (n: number) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % n;
  };
  const pick = (options: string[]) => options[random(options.length)];
  const prompts: string[] = [];
  for (let i = 0; i < count; i++) {
    if (i > 0 && random(3) === 0) {
      const words = prompts[random(i)].split(" ");
      for (let edit = random(4); edit > 0; edit--) {
        const at = random(words.length);
        if (random(2) === 0) words.splice(at, 1);
        else words.splice(at, 0, pick(["please", "now", "Ünïcode", "x"]));
      }
      prompts.push(words.join(" "));
      continue;
    }
    prompts.push(
      [
        pick(["Let's role-play.", "Speaking in metaphors:", "Por favor, en español:", ""]),
        pick(["Explain why the sky is blue.", "Write a haiku about rain.", "Summarize the plot of Hamlet."]),
        `It's for my ${pick(["nephew", "manager", "class", "podcast"])}, ${pick(["by tonight", "before Monday", "next week"])}.`,
        `I'll read it on a ${pick(["phone", "train", "tablet"])} with about ${random(60)} minutes to spare.`,
        pick(["Keep it brief.", "Use examples.", "Skip the jargon.", ""]),
      ].join(" "),
    );
  }
  return prompts;
}

describe("near-duplicate prompts", () => {
  it("shingles normalized words in threes and computes Jaccard by hand", () => {
    expect([...shingles("Hi! Explain the SKY.")]).toEqual(["hi explain the", "explain the sky"]);
    // {a b c, b c d} vs {a b c, b c e}: 1 shared of 3.
    expect(jaccard(shingles("a b c d"), shingles("a b c e"))).toBeCloseTo(1 / 3, 12);
  });

  it("signs a prompt as the MinHash of its shingle set, short and repeated ones included", () => {
    const texts = [
      "",
      "?!",
      "one",
      "two words",
      "Hi! Explain the SKY.",
      "a b a b a b a b",
      ...templatedPrompts(40, 7),
    ];
    for (const text of texts) expect(promptSignature(text)).toEqual(referenceSignature(text));
  });

  it("estimates Jaccard similarity with MinHash within a few hundredths", () => {
    const a = Array.from({ length: 60 }, (_, i) => `w${i}`).join(" ");
    const b = Array.from({ length: 60 }, (_, i) => `w${i < 45 ? i : i + 100}`).join(" ");
    const exact = jaccard(shingles(a), shingles(b));
    // 128 hashes: standard error sqrt(J(1 − J)/128) ≈ 0.04; 0.15 is more than three of them.
    expect(Math.abs(estimatedJaccard(promptSignature(a), promptSignature(b)) - exact)).toBeLessThan(0.15);
    expect(estimatedJaccard(promptSignature(a), promptSignature(a))).toBe(1);
  });

  it("clusters edited copies with their original and leaves distinct prompts alone", () => {
    const prompts = [
      "Can you explain why the sky is blue? It's for my nephew, before Monday. Keep it brief.",
      "Write a haiku about autumn rain. It's for a client, by tonight. Use examples.",
      "HI! can you explain why the sky is blue?? It's for my nephew, before Monday. Keep it brief.",
      "Give me a short guide to gradient descent. It's for my tutor, this weekend. Be precise.",
      "Write a haiku about autumn rain. It's for a client, by tonight. Use examples. Thanks!",
      "Can you explain why the sky is blue? It's for my landlord, by lunchtime. Skip the jargon.",
    ];
    expect(runSteps(nearDuplicateClusters(prompts, 0.7))).toEqual([
      [0, 2],
      [1, 4],
    ]);
    expect(runSteps(nearDuplicateClusters(prompts, 1.01))).toEqual([]);
  });

  it("finds the same clusters as checking every pair, below and above a quarter of mismatches", () => {
    const prompts = templatedPrompts(300, 11);
    const pairs = pairsOf(prompts.map(promptSignature));
    for (const threshold of [0.6, 0.7, 0.75, 0.8, 0.9, 1]) {
      const clusters = runSteps(nearDuplicateClusters(prompts, threshold));
      expect(clusters).toEqual(referenceClusters(prompts.length, pairs, threshold));
      expect(clusters.length).toBeGreaterThan(1);
    }
  });
});
