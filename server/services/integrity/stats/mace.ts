// MACE, Multi-Annotator Competence Estimation (Hovy, Berg-Kirkpatrick, Vaswani and Hovy, NAACL
// 2013), fitted by the paper's EM. Each item i has a hidden true label T_i; annotator j, on each
// item, either knows it (probability θ_j, the competence) and answers T_i, or spams (1 − θ_j)
// and draws an answer from their own distribution ξ_j, whatever the truth:
//   P(A_ij = a | T_i = t) = θ_j · [a = t] + (1 − θ_j) · ξ_j(a).
// Items with a known answer (gold items) have T clamped, the paper's semi-supervised mode.
import { STEP_ITEMS, type Steps } from "../cooperative";

export interface MaceLabel {
  item: number;
  annotator: number;
  /** 0 .. categories − 1 */
  label: number;
}

export interface MaceInput {
  labels: readonly MaceLabel[];
  items: number;
  annotators: number;
  categories: number;
  /** known[i] = the true label of item i (gold), or undefined. */
  known?: readonly (number | undefined)[];
  maxIterations?: number;
  /** Stop when the log-likelihood improves by less than this. */
  tolerance?: number;
  /** Added to every fractional count before normalizing (the paper's smoothing); with few items
   * per annotator it keeps θ and ξ away from 0 and 1. */
  smoothing?: number;
}

export interface MaceFit {
  /** θ_j: the probability that annotator j answers what they know rather than spam. */
  competence: number[];
  /** ξ_j: annotator j's answer distribution when spamming. */
  spamming: number[][];
  /** P(T_i = t | all labels). */
  posterior: number[][];
  logLikelihood: number;
  iterations: number;
}

/** Starting competence: above 1/2 so that EM settles on the solution where most annotators are
 * right rather than its label-swapped mirror. */
const INITIAL_COMPETENCE = 0.8;

/** The EM, yielding every STEP_ITEMS items (cooperative.ts: `runSteps(fitMace(…))` runs it through). */
export function* fitMace(input: MaceInput): Steps<MaceFit> {
  const { labels, items, annotators, categories } = input;
  const { maxIterations = 200, tolerance = 1e-7, smoothing = 0.5 } = input;
  const byItem: MaceLabel[][] = Array.from({ length: items }, () => []);
  for (const label of labels) byItem[label.item].push(label);
  let competence = new Array<number>(annotators).fill(INITIAL_COMPETENCE);
  let spamming = Array.from({ length: annotators }, () => new Array<number>(categories).fill(1 / categories));
  let posterior: number[][] = [];
  let logLikelihood = -Infinity;
  let iterations = 0;

  const answerProbability = (label: MaceLabel, truth: number) =>
    competence[label.annotator] * (label.label === truth ? 1 : 0) +
    (1 - competence[label.annotator]) * spamming[label.annotator][label.label];

  while (iterations < maxIterations) {
    iterations++;
    // E-step: the truth's posterior per item, and the expected "knowing" and "spamming" counts.
    const knowing = new Array<number>(annotators).fill(0);
    const spammed = Array.from({ length: annotators }, () => new Array<number>(categories).fill(0));
    const answered = new Array<number>(annotators).fill(0);
    let total = 0;
    posterior = [];
    for (let item = 0; item < byItem.length; item++) {
      if (item % STEP_ITEMS === STEP_ITEMS - 1) yield;
      const itemLabels = byItem[item];
      const known = input.known?.[item];
      const joint = Array.from({ length: categories }, (_, truth) => {
        if (known !== undefined && truth !== known) return 0;
        let product = known !== undefined ? 1 : 1 / categories;
        for (const label of itemLabels) product *= answerProbability(label, truth);
        return product;
      });
      const evidence = joint.reduce((sum, value) => sum + value, 0);
      if (itemLabels.length > 0) total += Math.log(evidence);
      const itemPosterior = joint.map((value) => value / evidence);
      for (const label of itemLabels) {
        answered[label.annotator]++;
        for (let truth = 0; truth < categories; truth++) {
          if (itemPosterior[truth] === 0) continue;
          const knew =
            label.label === truth ? competence[label.annotator] / answerProbability(label, truth) : 0;
          knowing[label.annotator] += itemPosterior[truth] * knew;
          spammed[label.annotator][label.label] += itemPosterior[truth] * (1 - knew);
        }
      }
      posterior.push(itemPosterior);
    }
    // M-step: smoothed relative frequencies.
    competence = knowing.map((count, j) => (count + smoothing) / (answered[j] + 2 * smoothing));
    spamming = spammed.map((counts) => {
      const sum = counts.reduce((acc, value) => acc + value, 0) + categories * smoothing;
      return counts.map((count) => (count + smoothing) / sum);
    });
    const improved = total - logLikelihood;
    logLikelihood = total;
    if (improved < tolerance) break;
  }
  return { competence, spamming, posterior, logLikelihood, iterations };
}
