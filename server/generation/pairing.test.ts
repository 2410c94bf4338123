import { describe, expect, it } from "vitest";
import { chooseVariantSet, pairKey, shuffle } from "./pairing";

/** A deterministic random source (mulberry32), so failures reproduce. */
function seeded(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function simulate(ids: string[], size: number, turns: number, random = seeded(7)) {
  const counts = new Map<string, number>();
  for (let turn = 0; turn < turns; turn++) {
    const set = chooseVariantSet(ids, size, counts, random);
    expect(new Set(set).size).toBe(size);
    for (let i = 0; i < set.length; i++)
      for (let j = i + 1; j < set.length; j++) {
        const key = pairKey(set[i], set[j]);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
  }
  return counts;
}

describe("chooseVariantSet", () => {
  it("takes the least-used pair", () => {
    const counts = new Map([
      [pairKey("a", "b"), 5],
      [pairKey("a", "c"), 5],
      [pairKey("b", "c"), 2],
    ]);
    expect(chooseVariantSet(["a", "b", "c"], 2, counts, seeded(1)).sort()).toEqual(["b", "c"]);
  });

  it("covers every pair of five variants equally over 100 turns", () => {
    const ids = ["a", "b", "c", "d", "e"];
    const counts = simulate(ids, 2, 100);
    expect(counts.size).toBe(10);
    expect([...counts.values()].every((count) => count === 10)).toBe(true);
  });

  it("keeps pair coverage within one when each turn shows three of four variants", () => {
    const counts = simulate(["a", "b", "c", "d"], 3, 41);
    const values = [...counts.values()];
    expect(counts.size).toBe(6);
    expect(Math.max(...values) - Math.min(...values)).toBeLessThanOrEqual(1);
  });

  it("stays balanced on the greedy path for campaigns with many variants", () => {
    const ids = Array.from({ length: 40 }, (_, i) => `v${String(i).padStart(2, "0")}`);
    const counts = simulate(ids, 4, 400);
    const values = ids.flatMap((a, i) => ids.slice(i + 1).map((b) => counts.get(pairKey(a, b)) ?? 0));
    expect(Math.max(...values) - Math.min(...values)).toBeLessThanOrEqual(2);
  });

  it("breaks ties at random", () => {
    const picks = new Set<string>();
    const random = seeded(3);
    for (let i = 0; i < 50; i++)
      picks.add(chooseVariantSet(["a", "b", "c"], 2, new Map(), random).sort().join());
    expect(picks).toEqual(new Set(["a,b", "a,c", "b,c"]));
  });

  it("refuses a set larger than the variants", () => {
    expect(() => chooseVariantSet(["a", "b"], 3, new Map())).toThrow(RangeError);
  });
});

describe("shuffle", () => {
  it("puts each item first about equally often (random A/B order)", () => {
    const random = seeded(11);
    const first = { a: 0, b: 0 };
    for (let i = 0; i < 2000; i++) first[shuffle(["a", "b"], random)[0] as "a" | "b"]++;
    expect(first.a).toBeGreaterThan(900);
    expect(first.b).toBeGreaterThan(900);
  });
});
