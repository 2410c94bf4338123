import { describe, expect, it } from "vitest";
import { runSteps } from "./cooperative";
import {
  estimatedJaccard,
  jaccard,
  minHashSignature,
  nearDuplicateClusters,
  shingles,
} from "./near-duplicates";

describe("near-duplicate prompts", () => {
  it("shingles normalized words in threes and computes Jaccard by hand", () => {
    expect([...shingles("Hi! Explain the SKY.")]).toEqual(["hi explain the", "explain the sky"]);
    // {a b c, b c d} vs {a b c, b c e}: 1 shared of 3.
    expect(jaccard(shingles("a b c d"), shingles("a b c e"))).toBeCloseTo(1 / 3, 12);
  });

  it("estimates Jaccard similarity with MinHash within a few hundredths", () => {
    const a = shingles(Array.from({ length: 60 }, (_, i) => `w${i}`).join(" "));
    const b = shingles(Array.from({ length: 60 }, (_, i) => `w${i < 45 ? i : i + 100}`).join(" "));
    const exact = jaccard(a, b);
    // 128 hashes: standard error sqrt(J(1 − J)/128) ≈ 0.04; 0.15 is more than three of them.
    expect(Math.abs(estimatedJaccard(minHashSignature(a), minHashSignature(b)) - exact)).toBeLessThan(0.15);
    expect(estimatedJaccard(minHashSignature(a), minHashSignature(a))).toBe(1);
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
});
