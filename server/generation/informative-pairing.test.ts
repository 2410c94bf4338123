import { describe, expect, it } from "vitest";
import { seededRandom } from "@/server/services/quality/stats/random";
import { chooseInformativeSet, informationGains } from "./informative-pairing";
import { pairKey } from "./pairing";

const counts = (entries: [string, string, number][]) =>
  new Map(entries.map(([a, b, battles]) => [pairKey(a, b), battles]));
const thetas = (entries: Record<string, number>) => new Map(Object.entries(entries));

describe("informationGains", () => {
  it("is the fall of the win rate's variance, in closed form for two variants", () => {
    // Information [[λ + nw, −nw], [−nw, λ + nw]] with λ = ¼, w = ¼ (equal strengths), n = 3:
    // (1, −1) is an eigenvector with eigenvalue λ + 2nw, so Var(θa − θb) = 2/(λ + 2nw), and the
    // win rate's variance is w² times that; one battle more makes n = 4.
    const gains = informationGains(["a", "b"], thetas({}), counts([["a", "b", 3]]));
    const winRateVariance = (n: number) => 0.25 ** 2 * (2 / (0.25 + 2 * n * 0.25));
    expect(gains.get(pairKey("a", "b"))).toBeCloseTo(winRateVariance(3) - winRateVariance(4), 12);
  });

  it("prefers a close pair to a lopsided one with as many battles", () => {
    const gains = informationGains(
      ["a", "b", "c"],
      thetas({ a: 0, b: 0.2, c: 3 }),
      counts([
        ["a", "b", 20],
        ["a", "c", 20],
        ["b", "c", 20],
      ]),
    );
    expect(gains.get(pairKey("a", "b"))).toBeGreaterThan(2 * gains.get(pairKey("a", "c"))!);
    expect(gains.get(pairKey("a", "b"))).toBeGreaterThan(2 * gains.get(pairKey("b", "c"))!);
  });

  it("prefers an under-sampled pair among equals, and a newly added variant most", () => {
    const gains = informationGains(
      ["a", "b", "c", "new"],
      thetas({}),
      counts([
        ["a", "b", 60],
        ["a", "c", 60],
        ["b", "c", 5],
      ]),
    );
    const of = (a: string, b: string) => gains.get(pairKey(a, b))!;
    expect(of("b", "c")).toBeGreaterThan(of("a", "b"));
    expect(of("b", "c")).toBeGreaterThan(of("a", "c"));
    for (const old of ["a", "b", "c"]) expect(of(old, "new")).toBeGreaterThan(of("b", "c"));
  });
});

describe("chooseInformativeSet", () => {
  const ids = ["a", "b", "c", "d"];
  const strengths = thetas({ a: 0, b: 0.1, c: 1.5, d: -1.5 });
  const battles = counts([
    ["a", "b", 10],
    ["a", "c", 40],
    ["a", "d", 40],
    ["b", "c", 40],
    ["b", "d", 40],
    ["c", "d", 40],
  ]);

  it("draws the same pairs for the same seed, and other pairs for another", () => {
    const draw = (seed: number) => {
      const random = seededRandom(seed);
      return Array.from({ length: 40 }, () =>
        chooseInformativeSet(ids, 2, strengths, battles, random).sort().join(),
      );
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(8)).not.toEqual(draw(7));
  });

  it("draws each pair about as often as its share of the gains, the close under-sampled one most", () => {
    const gains = informationGains(ids, strengths, battles);
    const total = [...gains.values()].reduce((sum, gain) => sum + gain, 0);
    const random = seededRandom(3);
    const drawn = new Map<string, number>();
    const draws = 4000;
    for (let i = 0; i < draws; i++) {
      const [a, b] = chooseInformativeSet(ids, 2, strengths, battles, random);
      drawn.set(pairKey(a, b), (drawn.get(pairKey(a, b)) ?? 0) + 1);
    }
    const mostDrawn = [...drawn.entries()].sort((x, y) => y[1] - x[1])[0][0];
    expect(mostDrawn).toBe(pairKey("a", "b"));
    for (const [key, gain] of gains) {
      // Binomial standard error at 4000 draws is at most 0.008; 0.03 is well over three of them.
      expect(Math.abs((drawn.get(key) ?? 0) / draws - gain / total)).toBeLessThan(0.03);
    }
  });

  it("fills a ranking of three with the variant that adds the most gain: a new one", () => {
    const random = seededRandom(1);
    const settled = counts([
      ["a", "b", 40],
      ["a", "c", 40],
      ["b", "c", 40],
    ]);
    for (let i = 0; i < 20; i++) {
      const set = chooseInformativeSet(["a", "b", "c", "new"], 3, thetas({}), settled, random);
      expect(new Set(set).size).toBe(3);
      expect(set).toContain("new");
    }
    expect(() => chooseInformativeSet(["a", "b"], 3, strengths, battles)).toThrow(RangeError);
  });
});
