import { describe, expect, it } from "vitest";
import { emptyBattleCounts, fitBradleyTerry } from "@/server/services/quality/stats/bradley-terry";
import { seededRandom } from "@/server/services/quality/stats/random";
import { syntheticStyleBattles } from "@/scripts/synthetic/style-battles";
import { runSteps } from "../cooperative";
import { perBattleBootstrap, rowPerBattle } from "./per-battle-reference";
import {
  type Battle,
  battleRowsSteps,
  bootstrapStyleIntervalsSteps,
  eloFromStrength,
  fitStyleBradleyTerry,
  poissonDraws,
  standardizeStyle,
  STYLE_BIN_WIDTH,
  styleBradleyTerrySteps,
} from "./style-bradley-terry";
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

describe("battle rows", () => {
  it("fit as the battles one by one do where the grouping is exact", () => {
    // Markdown counts alone: their normalized differences take few values, so battles repeat.
    const battles = syntheticStyleBattles({ battles: 3000, players: 4, seed: 5 }).map((battle) => ({
      ...battle,
      style: battle.style.slice(1),
    }));
    const rows = runSteps(battleRowsSteps(battles, 4));
    expect(rows.a.length).toBeLessThan(battles.length / 2);
    const grouped = runSteps(styleBradleyTerrySteps(rows));
    const oneByOne = runSteps(styleBradleyTerrySteps(rowPerBattle(battles, 4)));
    // The same sums in another order: equal to rounding.
    grouped.strengths.forEach((beta, i) => expect(beta).toBeCloseTo(oneByOne.strengths[i], 9));
    grouped.styleCoefficients.forEach((gamma, k) =>
      expect(gamma).toBeCloseTo(oneByOne.styleCoefficients[k], 9),
    );
  });

  it("hold each pair's battles with equal binned covariates, in the order first seen", () => {
    // Thousands of rows: the row table grows several times on the way.
    const battles = syntheticStyleBattles({ battles: 5000, players: 4, seed: 12 });
    const binWidth = 0.25;
    const expected = new Map<string, { a: number; b: number; outcomes: number[]; styleSums: number[] }>();
    for (const { a, b, outcome, style } of battles) {
      const key = `${a} ${b} ${style.map((z) => Math.round(z / binWidth)).join(" ")}`;
      const row = expected.get(key) ?? { a, b, outcomes: [0, 0, 0], styleSums: [0, 0, 0, 0] };
      expected.set(key, row);
      row.outcomes[outcome * 2]++;
      style.forEach((z, k) => (row.styleSums[k] += z));
    }
    const rows = runSteps(battleRowsSteps(battles, 4, { binWidth }));
    const inOrder = [...expected.values()];
    expect(rows.a.length).toBeGreaterThan(2000);
    expect(Array.from(rows.a)).toEqual(inOrder.map((row) => row.a));
    expect(Array.from(rows.b)).toEqual(inOrder.map((row) => row.b));
    expect(Array.from(rows.outcomes)).toEqual(inOrder.flatMap((row) => row.outcomes));
    const means = inOrder.flatMap((row) =>
      row.styleSums.map((sum) => sum / (row.outcomes[0] + row.outcomes[1] + row.outcomes[2])),
    );
    // The same sums in the same order: equal to the last bit.
    expect(Array.from(rows.style)).toEqual(means);
  });

  it("leave the plain fit as it was: one row per pair and outcome", () => {
    const battles = syntheticStyleBattles({ battles: 2000, players: 5, seed: 6 }).map((battle) => ({
      ...battle,
      style: [],
    }));
    const rows = runSteps(battleRowsSteps(battles, 5, { binWidth: STYLE_BIN_WIDTH }));
    expect(rows.a.length).toBeLessThanOrEqual(5 * 4 * 3);
    const grouped = runSteps(styleBradleyTerrySteps(rows)).strengths;
    const oneByOne = runSteps(styleBradleyTerrySteps(rowPerBattle(battles, 5))).strengths;
    grouped.forEach((beta, i) => expect(eloFromStrength(beta)).toBeCloseTo(eloFromStrength(oneByOne[i]), 8));
  });

  it.each([
    ["length alone, as in the app's synthetic campaigns", false],
    ["length and Markdown", true],
  ])(
    "move scores by under 0.05 points and coefficients by under 0.001 when binned (%s)",
    (_, withMarkdown) => {
      // Log-normal lengths make every length difference distinct: only binning groups them.
      const battles = syntheticStyleBattles({ battles: 20_000, players: 6, seed: 7, withMarkdown });
      const rows = runSteps(battleRowsSteps(battles, 6, { binWidth: STYLE_BIN_WIDTH }));
      if (!withMarkdown) expect(rows.a.length).toBeLessThan(battles.length / 5);
      const binned = runSteps(styleBradleyTerrySteps(rows));
      const exact = runSteps(styleBradleyTerrySteps(rowPerBattle(battles, 6)));
      binned.strengths.forEach((beta, i) =>
        expect(Math.abs(eloFromStrength(beta) - eloFromStrength(exact.strengths[i]))).toBeLessThan(0.05),
      );
      binned.styleCoefficients.forEach((gamma, k) =>
        expect(Math.abs(gamma - exact.styleCoefficients[k])).toBeLessThan(0.001),
      );
      // And the style control still sees the planted length effect.
      expect(binned.styleCoefficients[0]).toBeGreaterThan(0.1);
    },
  );
});

describe("poissonDraws", () => {
  it.each([3, 200, 3000, 5000])("draws Poisson(%i): its mean and variance", (mean) => {
    // Beside a mean of 0 and one that is not whole, which take no table.
    const means = Float64Array.from({ length: 20_000 }, (_, i) =>
      i % 2 === 0 ? mean : i % 4 === 1 ? 0 : 2.5,
    );
    const draws = new Float64Array(means.length);
    poissonDraws(means, seededRandom(mean))(draws);
    const ofMean = draws.filter((_, i) => i % 2 === 0);
    const average = ofMean.reduce((sum, k) => sum + k, 0) / ofMean.length;
    const variance = ofMean.reduce((sum, k) => sum + (k - average) ** 2, 0) / (ofMean.length - 1);
    // The average is off by about sqrt(mean / 10000); the variance by about 1.4% of the mean.
    expect(Math.abs(average - mean)).toBeLessThan(5 * Math.sqrt(mean / ofMean.length));
    expect(Math.abs(variance / mean - 1)).toBeLessThan(0.07);
    expect(Math.min(...ofMean)).toBeGreaterThanOrEqual(0);
    expect(draws.filter((_, i) => i % 4 === 1).every((k) => k === 0)).toBe(true);
    const halves = draws.filter((_, i) => i % 4 === 3);
    expect(Math.abs(halves.reduce((sum, k) => sum + k, 0) / halves.length - 2.5)).toBeLessThan(0.15);
  });
});

describe("bootstrapStyleIntervalsSteps", () => {
  const players = 4;
  const rounds = 300;

  /** The bootstrap on rows against the one that redraws every battle, both seeded. */
  function againstPerBattle(battles: Battle[], rowBudget?: number) {
    const rows = runSteps(battleRowsSteps(battles, players, { binWidth: STYLE_BIN_WIDTH }));
    const estimate = runSteps(styleBradleyTerrySteps(rows));
    const grouped = runSteps(bootstrapStyleIntervalsSteps(rows, estimate, { rounds, seed: 1, rowBudget }));
    const perBattle = perBattleBootstrap(battles, players, estimate, { rounds, seed: 2 });
    grouped.intervals.forEach((interval, i) => {
      const width = perBattle[i].high - perBattle[i].low;
      // Two independent 300-round estimates of the same percentiles: their ends differ by about
      // 6% of the width (Monte Carlo), so 20% is over three of those.
      expect(Math.abs(interval.low - perBattle[i].low)).toBeLessThan(0.2 * width);
      expect(Math.abs(interval.high - perBattle[i].high)).toBeLessThan(0.2 * width);
      const score = eloFromStrength(estimate.strengths[i]);
      expect(interval.low).toBeLessThan(score);
      expect(interval.high).toBeGreaterThan(score);
    });
    return { rows, estimate, grouped };
  }

  it("gives the intervals of the bootstrap that redraws every battle", { timeout: 60_000 }, () => {
    const battles = syntheticStyleBattles({ battles: 2000, players, seed: 8, withMarkdown: false });
    const { rows, grouped } = againstPerBattle(battles);
    // Within the budget already: only each pair's two orders merge.
    expect(grouped.bootstrapBinWidth).toBe(STYLE_BIN_WIDTH);
    expect(grouped.bootstrapRows).toBeLessThan(rows.a.length);
  });

  it(
    "gives them too with Markdown varying, on rows regrouped coarser to fit the row budget",
    { timeout: 60_000 },
    () => {
      const battles = syntheticStyleBattles({ battles: 3000, players, seed: 9 });
      const rowBudget = 400;
      const { rows, grouped } = againstPerBattle(battles, rowBudget);
      expect(rows.a.length).toBeGreaterThan(battles.length * 0.8);
      expect(grouped.bootstrapRows).toBeLessThanOrEqual(rowBudget);
      // As wide a bin as a million such battles need for the default budget (1.41), or wider.
      expect(grouped.bootstrapBinWidth).toBeGreaterThanOrEqual(1.41);
    },
  );

  it("centres the intervals on the estimate it is given, the fine fit", () => {
    const battles = syntheticStyleBattles({ battles: 1000, players, seed: 10 });
    const rows = runSteps(battleRowsSteps(battles, players, { binWidth: STYLE_BIN_WIDTH }));
    const estimate = runSteps(styleBradleyTerrySteps(rows));
    const moved = {
      ...estimate,
      strengths: estimate.strengths.map((beta, i) => (i === 0 ? beta + 0.1 : beta)),
    };
    const options = { rounds: 20, seed: 3, rowBudget: 100 };
    const around = runSteps(bootstrapStyleIntervalsSteps(rows, estimate, options)).intervals;
    const aroundMoved = runSteps(bootstrapStyleIntervalsSteps(rows, moved, options)).intervals;
    const shift = eloFromStrength(0.1) - eloFromStrength(0);
    aroundMoved.forEach((interval, i) => {
      expect(interval.low).toBeCloseTo(around[i].low + (i === 0 ? shift : 0), 4);
      expect(interval.high).toBeCloseTo(around[i].high + (i === 0 ? shift : 0), 4);
    });
  });
});
