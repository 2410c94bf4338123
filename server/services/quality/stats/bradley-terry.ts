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
  /** Virtual ties added between every pair of players (0 = the plain maximum-likelihood
   * estimate). A little keeps every score finite when a player never won or the players do not
   * all connect through battles. */
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

/** Effective wins of i over j: wins, half the ties, half the virtual ties. */
function effectiveWins(counts: BattleCounts, pseudoTies: number) {
  return counts.wins.map((row, i) =>
    row.map((wins, j) => (i === j ? 0 : wins + (counts.ties[i][j] + pseudoTies) / 2)),
  );
}

/** Strengths γ (geometric mean 1). A player with no effective wins gets γ = 0. */
export function fitBradleyTerry(counts: BattleCounts, options: FitOptions = {}): number[] {
  const { pseudoTies = 0, maxIterations = 10_000, tolerance = 1e-10 } = options;
  const n = counts.wins.length;
  const w = effectiveWins(counts, pseudoTies);
  const totalWins = w.map((row) => row.reduce((sum, value) => sum + value, 0));
  let gamma = options.start ? [...options.start] : new Array<number>(n).fill(1);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const next = gamma.map((gi, i) => {
      let denominator = 0;
      for (let j = 0; j < n; j++) {
        const games = w[i][j] + w[j][i];
        if (j !== i && games > 0) denominator += games / (gi + gamma[j]);
      }
      return denominator === 0 ? gi : totalWins[i] / denominator;
    });
    const positive = next.filter((value) => value > 0);
    const logMean = positive.reduce((sum, value) => sum + Math.log(value), 0) / Math.max(positive.length, 1);
    const scale = Math.exp(logMean);
    let change = 0;
    for (let i = 0; i < n; i++) {
      next[i] /= scale;
      change = Math.max(change, Math.abs(next[i] - gamma[i]) / Math.max(gamma[i], 1e-300));
    }
    gamma = next;
    if (change < tolerance) break;
  }
  return gamma;
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
    const gamma = fitBradleyTerry(resampled, { pseudoTies, start, tolerance: 1e-7, maxIterations: 2_000 });
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
