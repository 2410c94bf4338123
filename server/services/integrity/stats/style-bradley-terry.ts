// Bradley–Terry as a logistic regression with style covariates: Chatbot Arena's style control
// (LMSYS 2024, after Li et al.). P(a beats b) = σ(β_a − β_b + Σ_k γ_k · z_k), where z_k is the
// standardized normalized difference of style feature k between a and b. With no covariates it
// is the plain Bradley–Terry model, fitted the same way, so the two differ only in the style
// terms. Fitted by Newton–Raphson (the parameters are few: one per player and per feature); a
// tiny ridge on β fixes the scale's origin. Scores are on Arena's scale: 1000 + 400·β / ln 10.
import { quantile, samplePoisson, seededRandom } from "@/server/services/quality/stats/random";
import { runSteps, STEP_ITEMS, type Steps } from "../cooperative";

export interface Battle {
  a: number;
  b: number;
  /** 1: a won, 0: b won, 0.5: a tie. */
  outcome: number;
  /** Covariates (already a − b), one per style feature; empty for the plain model. */
  style: readonly number[];
}

export interface StyleFit {
  /** β per player, mean 0 (natural log-odds). */
  strengths: number[];
  /** γ per style feature (per standard deviation of the normalized difference). */
  styleCoefficients: number[];
}

const RIDGE = 1e-6;

export function eloFromStrength(beta: number) {
  return 1000 + (400 * beta) / Math.LN10;
}

/** Standardizes each covariate column (mean 0, standard deviation 1), as Arena does, so the
 * coefficients compare across features; a constant column becomes 0. */
export function standardizeStyle(battles: Battle[]): Battle[] {
  const features = battles[0]?.style.length ?? 0;
  const mean = new Array<number>(features).fill(0);
  const sd = new Array<number>(features).fill(0);
  for (const battle of battles) battle.style.forEach((value, k) => (mean[k] += value / battles.length));
  for (const battle of battles) {
    battle.style.forEach((value, k) => (sd[k] += (value - mean[k]) ** 2 / battles.length));
  }
  return battles.map((battle) => ({
    ...battle,
    style: battle.style.map((value, k) => (sd[k] > 0 ? (value - mean[k]) / Math.sqrt(sd[k]) : 0)),
  }));
}

/** Solves H x = g for a symmetric positive definite H (Cholesky). */
function solve(h: number[][], g: number[]): number[] {
  const n = g.length;
  const l = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = h[i][j];
      for (let k = 0; k < j; k++) sum -= l[i][k] * l[j][k];
      l[i][j] = i === j ? Math.sqrt(Math.max(sum, 1e-300)) : sum / l[j][j];
    }
  }
  const y = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let sum = g[i];
    for (let k = 0; k < i; k++) sum -= l[i][k] * y[k];
    y[i] = sum / l[i][i];
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i];
    for (let k = i + 1; k < n; k++) sum -= l[k][i] * x[k];
    x[i] = sum / l[i][i];
  }
  return x;
}

interface FitOptions {
  weights?: ArrayLike<number>;
  start?: StyleFit;
  maxIterations?: number;
  tolerance?: number;
}

export function fitStyleBradleyTerry(battles: readonly Battle[], players: number, options: FitOptions = {}) {
  return runSteps(styleBradleyTerrySteps(battles, players, options));
}

/** The fit, yielding every STEP_ITEMS battles (cooperative.ts). */
export function* styleBradleyTerrySteps(
  battles: readonly Battle[],
  players: number,
  options: FitOptions = {},
): Steps<StyleFit> {
  const { maxIterations = 50, tolerance = 1e-9, weights } = options;
  const features = battles[0]?.style.length ?? 0;
  const size = players + features;
  const theta = options.start
    ? [...options.start.strengths, ...options.start.styleCoefficients]
    : new Array<number>(size).fill(0);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const gradient = new Array<number>(size).fill(0);
    const hessian = Array.from({ length: size }, () => new Array<number>(size).fill(0));
    for (let i = 0; i < players; i++) {
      gradient[i] -= RIDGE * theta[i];
      hessian[i][i] += RIDGE;
    }
    for (let index = 0; index < battles.length; index++) {
      if (index % STEP_ITEMS === STEP_ITEMS - 1) yield;
      const battle = battles[index];
      const weight = weights ? weights[index] : 1;
      if (weight === 0) continue;
      let logit = theta[battle.a] - theta[battle.b];
      for (let k = 0; k < features; k++) logit += theta[players + k] * battle.style[k];
      const p = 1 / (1 + Math.exp(-logit));
      const residual = weight * (battle.outcome - p);
      const curvature = weight * p * (1 - p);
      // x = e_a − e_b ⊕ style: gradient += residual·x, Hessian += curvature·x·xᵀ.
      const indices = [battle.a, battle.b];
      const signs = [1, -1];
      gradient[battle.a] += residual;
      gradient[battle.b] -= residual;
      for (let k = 0; k < features; k++) gradient[players + k] += residual * battle.style[k];
      for (let u = 0; u < 2; u++) {
        for (let v = 0; v < 2; v++) hessian[indices[u]][indices[v]] += curvature * signs[u] * signs[v];
        for (let k = 0; k < features; k++) {
          const value = curvature * signs[u] * battle.style[k];
          hessian[indices[u]][players + k] += value;
          hessian[players + k][indices[u]] += value;
        }
      }
      for (let k = 0; k < features; k++) {
        for (let m = 0; m < features; m++) {
          hessian[players + k][players + m] += curvature * battle.style[k] * battle.style[m];
        }
      }
    }
    // A feature that never varies has an empty row: keep its coefficient at 0.
    for (let k = players; k < size; k++) if (hessian[k][k] === 0) hessian[k][k] = 1;
    const step = solve(hessian, gradient);
    let largest = 0;
    step.forEach((value, i) => {
      theta[i] += value;
      largest = Math.max(largest, Math.abs(value));
    });
    if (largest < tolerance) break;
  }
  const strengths = theta.slice(0, players);
  const mean = strengths.reduce((sum, value) => sum + value, 0) / Math.max(players, 1);
  return { strengths: strengths.map((value) => value - mean), styleCoefficients: theta.slice(players) };
}

/** 95% percentile intervals of each player's score from a Poisson bootstrap of the battles
 * (each battle's weight redrawn as Poisson(1)), each round warm-started from the estimate. */
export function* bootstrapStyleIntervalsSteps(
  battles: readonly Battle[],
  players: number,
  estimate: StyleFit,
  options: { rounds: number; seed: number },
): Steps<{ low: number; high: number }[]> {
  const random = seededRandom(options.seed);
  const samples: number[][] = Array.from({ length: players }, () => []);
  const weights = new Float64Array(battles.length);
  for (let round = 0; round < options.rounds; round++) {
    for (let i = 0; i < battles.length; i++) weights[i] = samplePoisson(1, random);
    yield;
    const fit = yield* styleBradleyTerrySteps(battles, players, {
      weights,
      start: estimate,
      maxIterations: 4,
      tolerance: 1e-6,
    });
    fit.strengths.forEach((beta, i) => samples[i].push(eloFromStrength(beta)));
  }
  return samples.map((scores) => ({ low: quantile(scores, 0.025), high: quantile(scores, 0.975) }));
}
