import { describe, expect, it } from "vitest";
import { emptyBattleCounts, fitBradleyTerry } from "@/server/services/quality/stats/bradley-terry";
import { seededRandom } from "@/server/services/quality/stats/random";
import { type Battle, eloFromStrength, fitStyleBradleyTerry, standardizeStyle } from "./style-bradley-terry";
import { normalizedDifference, styleFeatures } from "./style-features";

const battle = (a: number, b: number, outcome: number, style: number[] = []): Battle => ({
  a,
  b,
  outcome,
  style,
});

describe("fitStyleBradleyTerry", () => {
  it("gives the odds worked by hand for two players", () => {
    // 0 beats 1 twice and loses once: β0 − β1 = ln 2, i.e. 400·log10(2) ≈ 120.4 points apart.
    const fit = fitStyleBradleyTerry([battle(0, 1, 1), battle(1, 0, 0), battle(0, 1, 0)], 2);
    expect(fit.strengths[0] - fit.strengths[1]).toBeCloseTo(Math.log(2), 4);
    expect(eloFromStrength(fit.strengths[0]) - eloFromStrength(fit.strengths[1])).toBeCloseTo(120.41, 1);
    expect(fit.strengths[0] + fit.strengths[1]).toBeCloseTo(0, 12);
  });

  it("puts a style effect in its coefficient, not in the players' strengths", () => {
    // When a is longer (z = +1) a wins 3 of 4; when b is longer (z = −1) a wins 1 of 4. The players
    // are equal and the style explains everything: γ = logit(3/4) = ln 3.
    const battles = [
      ...[1, 1, 1, 0].map((outcome) => battle(0, 1, outcome, [1])),
      ...[1, 0, 0, 0].map((outcome) => battle(0, 1, outcome, [-1])),
    ];
    const fit = fitStyleBradleyTerry(battles, 2);
    expect(fit.strengths[0] - fit.strengths[1]).toBeCloseTo(0, 4);
    expect(fit.styleCoefficients[0]).toBeCloseTo(Math.log(3), 4);
  });

  it("agrees with Hunter's MM fit of the plain model, ties counted half", () => {
    const random = seededRandom(11);
    const battles: Battle[] = [];
    const counts = emptyBattleCounts(4);
    for (let n = 0; n < 600; n++) {
      const a = Math.floor(random() * 4);
      const b = (a + 1 + Math.floor(random() * 3)) % 4;
      const draw = random();
      const outcome = draw < 0.1 ? 0.5 : draw < 0.1 + 0.2 * (a + 1) * 0.45 ? 1 : 0;
      battles.push(battle(a, b, outcome));
      if (outcome === 0.5) {
        counts.ties[a][b]++;
        counts.ties[b][a]++;
      } else if (outcome === 1) counts.wins[a][b]++;
      else counts.wins[b][a]++;
    }
    const logistic = fitStyleBradleyTerry(battles, 4).strengths;
    const hunter = fitBradleyTerry(counts).map(Math.log);
    logistic.forEach((beta, i) => expect(beta).toBeCloseTo(hunter[i], 3));
  });
});

describe("style covariates", () => {
  it("counts words, headers, bold spans and list items", () => {
    const text = "# Title\n\nSome **bold** and __more__ text.\n\n- one\n- two\n1. three\n";
    expect(styleFeatures(text)).toEqual([13, 1, 2, 3]);
    expect(styleFeatures("")).toEqual([0, 0, 0, 0]);
  });

  it("takes Arena's normalized difference and standardizes each column", () => {
    expect(normalizedDifference(30, 10)).toBe(0.5);
    expect(normalizedDifference(0, 0)).toBe(0);
    const standardized = standardizeStyle([battle(0, 1, 1, [1, 5]), battle(0, 1, 0, [3, 5])]);
    expect(standardized.map((b) => b.style)).toEqual([
      [-1, 0],
      [1, 0],
    ]);
  });
});
