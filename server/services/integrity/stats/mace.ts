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

/** The EM, yielding every STEP_ITEMS items (cooperative.ts: `runSteps(fitMace(…))` runs it through).
 * The labels sit in flat typed arrays grouped by item, and each iteration is one pass over them:
 * on a campaign of a million comparisons the EM runs over hundreds of thousands of labels. */
export function* fitMace(input: MaceInput): Steps<MaceFit> {
  const { labels, items, annotators, categories } = input;
  const { maxIterations = 200, tolerance = 1e-7, smoothing = 0.5 } = input;
  // Item i's labels are at start[i] .. start[i + 1] − 1, in the order they were given.
  const start = new Int32Array(items + 1);
  for (const label of labels) start[label.item + 1]++;
  for (let item = 0; item < items; item++) start[item + 1] += start[item];
  const labelAnnotator = new Int32Array(labels.length);
  const labelValue = new Int32Array(labels.length);
  const filled = start.slice(0, items);
  for (const label of labels) {
    const at = filled[label.item]++;
    labelAnnotator[at] = label.annotator;
    labelValue[at] = label.label;
  }
  const answered = new Float64Array(annotators);
  for (const label of labels) answered[label.annotator]++;
  const knownOf = (item: number) => input.known?.[item];

  const competence = new Float64Array(annotators).fill(INITIAL_COMPETENCE);
  const spamming = new Float64Array(annotators * categories).fill(1 / categories);
  const knowing = new Float64Array(annotators);
  const spammed = new Float64Array(annotators * categories);
  const posterior = new Float64Array(items * categories);
  const joint = new Float64Array(categories);
  let logLikelihood = -Infinity;
  let iterations = 0;

  // P(A_ij = a | T_i = t), for the label at `at`.
  const answerProbability = (at: number, truth: number) => {
    const annotator = labelAnnotator[at];
    const label = labelValue[at];
    return (
      competence[annotator] * (label === truth ? 1 : 0) +
      (1 - competence[annotator]) * spamming[annotator * categories + label]
    );
  };

  while (iterations < maxIterations) {
    iterations++;
    // E-step: the truth's posterior per item, and the expected "knowing" and "spamming" counts.
    knowing.fill(0);
    spammed.fill(0);
    let total = 0;
    for (let item = 0; item < items; item++) {
      if (item % STEP_ITEMS === STEP_ITEMS - 1) yield;
      const from = start[item];
      const to = start[item + 1];
      const known = knownOf(item);
      let evidence = 0;
      for (let truth = 0; truth < categories; truth++) {
        let product = 0;
        if (known === undefined || truth === known) {
          product = known !== undefined ? 1 : 1 / categories;
          for (let at = from; at < to; at++) product *= answerProbability(at, truth);
        }
        joint[truth] = product;
        evidence += product;
      }
      if (to > from) total += Math.log(evidence);
      const itemPosterior = posterior.subarray(item * categories, (item + 1) * categories);
      for (let truth = 0; truth < categories; truth++) itemPosterior[truth] = joint[truth] / evidence;
      for (let at = from; at < to; at++) {
        const annotator = labelAnnotator[at];
        const label = labelValue[at];
        for (let truth = 0; truth < categories; truth++) {
          if (itemPosterior[truth] === 0) continue;
          const knew = label === truth ? competence[annotator] / answerProbability(at, truth) : 0;
          knowing[annotator] += itemPosterior[truth] * knew;
          spammed[annotator * categories + label] += itemPosterior[truth] * (1 - knew);
        }
      }
    }
    // M-step: smoothed relative frequencies.
    for (let j = 0; j < annotators; j++) {
      competence[j] = (knowing[j] + smoothing) / (answered[j] + 2 * smoothing);
      const counts = spammed.subarray(j * categories, (j + 1) * categories);
      const sum = counts.reduce((acc, value) => acc + value, 0) + categories * smoothing;
      for (let k = 0; k < categories; k++) spamming[j * categories + k] = (counts[k] + smoothing) / sum;
    }
    const improved = total - logLikelihood;
    logLikelihood = total;
    if (improved < tolerance) break;
  }
  const rowsOf = (values: Float64Array, rows: number) =>
    Array.from({ length: rows }, (_, row) =>
      Array.from(values.subarray(row * categories, (row + 1) * categories)),
    );
  return {
    competence: Array.from(competence),
    spamming: rowsOf(spamming, annotators),
    posterior: rowsOf(posterior, items),
    logLikelihood,
    iterations,
  };
}
