import { describe, expect, it } from "vitest";
import { seededRandom } from "@/server/services/quality/stats/random";
import { runSteps } from "../cooperative";
import { fitMace, type MaceLabel } from "./mace";

describe("fitMace", () => {
  it("takes the EM step worked by hand", () => {
    // Item 0: both annotators say 0. Item 1: annotator 0 says 1, annotator 1 says 0.
    // From θ = 0.8 and ξ = (1/2, 1/2): P(answer | truth) = 0.9 when they match, 0.1 otherwise.
    const labels: MaceLabel[] = [
      { item: 0, annotator: 0, label: 0 },
      { item: 0, annotator: 1, label: 0 },
      { item: 1, annotator: 0, label: 1 },
      { item: 1, annotator: 1, label: 0 },
    ];
    const fit = runSteps(fitMace({ labels, items: 2, annotators: 2, categories: 2, maxIterations: 1 }));
    // Item 0: 0.81 vs 0.01; item 1: 0.09 vs 0.09.
    expect(fit.posterior[0][0]).toBeCloseTo(0.81 / 0.82, 12);
    expect(fit.posterior[1][0]).toBeCloseTo(0.5, 12);
    // Knowing, when the answer matches the truth: 0.8 / 0.9. Annotator 0 matches T = 0 on item 0
    // and T = 1 on item 1; with smoothing 0.5 over 2 answers: (k + 0.5) / 3.
    const knowing0 = (0.81 / 0.82) * (8 / 9) + 0.5 * (8 / 9);
    expect(fit.competence[0]).toBeCloseTo((knowing0 + 0.5) / 3, 12);
    const knowing1 = (0.81 / 0.82) * (8 / 9) + 0.5 * (8 / 9);
    expect(fit.competence[1]).toBeCloseTo((knowing1 + 0.5) / 3, 12);
    expect(fit.logLikelihood).toBeCloseTo(Math.log(0.5 * 0.82) + Math.log(0.5 * 0.18), 12);
  });

  it("clamps gold items to their known answer", () => {
    const labels: MaceLabel[] = [{ item: 0, annotator: 0, label: 1 }];
    const fit = runSteps(
      fitMace({ labels, items: 1, annotators: 1, categories: 2, known: [0], maxIterations: 1 }),
    );
    expect(fit.posterior[0]).toEqual([1, 0]);
    // The answer contradicts the truth: no knowing mass, θ = 0.5 / 2.
    expect(fit.competence[0]).toBeCloseTo(0.25, 12);
  });

  it("gives spammers a low competence and careful annotators a high one", () => {
    const random = seededRandom(7);
    const items = 400;
    const truth = Array.from({ length: items }, () => (random() < 0.5 ? 0 : 1));
    const accuracy = [0.95, 0.9, 0.85, 0.5, 0.5];
    const labels: MaceLabel[] = [];
    for (let item = 0; item < items; item++) {
      for (let annotator = 0; annotator < accuracy.length; annotator++) {
        if (random() < 0.5) continue;
        const right = random() < accuracy[annotator];
        labels.push({ item, annotator, label: right ? truth[item] : 1 - truth[item] });
      }
    }
    const fit = runSteps(fitMace({ labels, items, annotators: accuracy.length, categories: 2 }));
    // Accuracy a = θ + (1 − θ)/2 for binary answers, so θ ≈ 2a − 1.
    expect(fit.competence[0]).toBeGreaterThan(0.75);
    expect(fit.competence[2]).toBeGreaterThan(0.5);
    expect(fit.competence[3]).toBeLessThan(0.25);
    expect(fit.competence[4]).toBeLessThan(0.25);
  });
});
