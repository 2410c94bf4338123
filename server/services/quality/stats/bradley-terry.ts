// Bradley–Terry strengths from pairwise battles (P(i beats j) = γi / (γi + γj)), fitted by
// Hunter's (2004) minorization–maximization iteration. A tie counts as half a win for each
// side. Scores are on the Elo-like scale Chatbot Arena reports: 1000 + 400·log10(γ), with the
// geometric mean of γ fixed at 1, so the average variant scores 1000.
import { quantile, samplePoisson, seededRandom } from "./random";

/** Battles among n players: wins[i][j] = times i beat j; ties[i][j] = ties[j][i]. */
export interface BattleCounts {
  wins: number[][];
  ties: number[][];
}

export interface FitOptions {
  /** Virtual ties added between every pair of players that met (0 = the plain
   * maximum-likelihood estimate). A little keeps every score finite when a player never won. */
  pseudoTies?: number;
  maxIterations?: number;
  /** Stop when no strength changes by more than this fraction in an iteration. */
  tolerance?: number;
  /** Strengths to start from (a warm start for bootstrap refits). */
  start?: number[];
}

export function emptyBattleCounts(players: number): BattleCounts {
  const grid = () => Array.from({ length: players }, () => new Array<number>(players).fill(0));
  return { wins: grid(), ties: grid() };
}

/**
 * Strengths γ (geometric mean 1). A player with no wins (and no virtual ties) gets γ = 0.
 * Works on the list of pairs that met, so a sparse tournament costs what its battles do.
 */
export function fitBradleyTerry(counts: BattleCounts, options: FitOptions = {}): number[] {
  const { pseudoTies = 0, maxIterations = 10_000, tolerance = 1e-10 } = options;
  const n = counts.wins.length;
  const pairI: number[] = [];
  const pairJ: number[] = [];
  const pairGames: number[] = [];
  const totalWins = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const played = counts.wins[i][j] + counts.wins[j][i] + counts.ties[i][j];
      if (played === 0) continue;
      // Effective wins: wins, half the ties, half the virtual ties.
      totalWins[i] += counts.wins[i][j] + (counts.ties[i][j] + pseudoTies) / 2;
      totalWins[j] += counts.wins[j][i] + (counts.ties[i][j] + pseudoTies) / 2;
      pairI.push(i);
      pairJ.push(j);
      pairGames.push(played + pseudoTies);
    }
  }
  let gamma = Float64Array.from(options.start ?? new Array<number>(n).fill(1));
  const denominator = new Float64Array(n);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    denominator.fill(0);
    for (let p = 0; p < pairGames.length; p++) {
      const i = pairI[p];
      const j = pairJ[p];
      const share = pairGames[p] / (gamma[i] + gamma[j]);
      denominator[i] += share;
      denominator[j] += share;
    }
    const next = new Float64Array(n);
    let logSum = 0;
    let positive = 0;
    for (let i = 0; i < n; i++) {
      next[i] = denominator[i] === 0 ? gamma[i] : totalWins[i] / denominator[i];
      if (next[i] > 0) {
        logSum += Math.log(next[i]);
        positive++;
      }
    }
    const scale = Math.exp(logSum / Math.max(positive, 1));
    let change = 0;
    for (let i = 0; i < n; i++) {
      next[i] /= scale;
      change = Math.max(change, Math.abs(next[i] - gamma[i]) / Math.max(gamma[i], 1e-300));
    }
    gamma = next;
    if (change < tolerance) break;
  }
  return Array.from(gamma);
}

export function eloScore(strength: number): number {
  return 1000 + 400 * Math.log10(strength);
}

/** 95% (or `level`) percentile intervals of each player's score, from Poisson-bootstrap
 * resamples of the battles: each cell's count is redrawn as Poisson(count), which resamples
 * individual battles with replacement (Hanley & MacGibbon 2006). Seeded, so reproducible. */
export function bootstrapScoreIntervals(
  counts: BattleCounts,
  options: FitOptions & { rounds?: number; seed?: number; level?: number; estimate?: number[] } = {},
): { lower: number; upper: number }[] {
  const { rounds = 500, seed = 1, level = 0.95, pseudoTies = 0 } = options;
  const n = counts.wins.length;
  const random = seededRandom(seed);
  const start = options.estimate ?? fitBradleyTerry(counts, { pseudoTies });
  const samples: number[][] = Array.from({ length: n }, () => []);
  for (let round = 0; round < rounds; round++) {
    const resampled = emptyBattleCounts(n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (i === j) continue;
        resampled.wins[i][j] = samplePoisson(counts.wins[i][j], random);
        if (j > i) {
          const ties = samplePoisson(counts.ties[i][j], random);
          resampled.ties[i][j] = ties;
          resampled.ties[j][i] = ties;
        }
      }
    }
    const gamma = fitBradleyTerry(resampled, { pseudoTies, start, tolerance: 1e-6, maxIterations: 2_000 });
    gamma.forEach((value, i) => samples[i].push(eloScore(value)));
  }
  const tail = (1 - level) / 2;
  return samples.map((scores) => ({ lower: quantile(scores, tail), upper: quantile(scores, 1 - tail) }));
}

/** winRate[i][j] = (wins of i over j + half the ties) / battles between them; null if none. */
export function winRateMatrix(counts: BattleCounts): (number | null)[][] {
  return counts.wins.map((row, i) =>
    row.map((wins, j) => {
      if (i === j) return null;
      const battles = wins + counts.wins[j][i] + counts.ties[i][j];
      return battles === 0 ? null : (wins + counts.ties[i][j] / 2) / battles;
    }),
  );
}
