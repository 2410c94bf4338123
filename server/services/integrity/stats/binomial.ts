// Exact binomial tests, for "does this annotator pick Response A more often than chance?" and
// "do their choices agree with the campaign's consensus more often than a coin would?".
import { logGamma } from "@/server/services/quality/stats/random";

/** ln P(X = k) for X ~ Binomial(n, p). */
export function binomialLogPmf(k: number, n: number, p: number): number {
  if (p <= 0) return k === 0 ? 0 : -Infinity;
  if (p >= 1) return k === n ? 0 : -Infinity;
  return (
    logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log(1 - p)
  );
}

/** Two-sided exact p-value: the probability of every outcome no more likely than the one seen
 * (the method of R's binom.test). 1 when there are no trials. */
export function binomialTestTwoSided(successes: number, trials: number, p = 0.5): number {
  if (trials === 0) return 1;
  const observed = binomialLogPmf(successes, trials, p);
  // A relative tolerance keeps outcomes as likely as the observed one (symmetric cases) in.
  const cutoff = observed + Math.log1p(1e-7);
  let total = 0;
  for (let k = 0; k <= trials; k++) {
    const logPmf = binomialLogPmf(k, trials, p);
    if (logPmf <= cutoff) total += Math.exp(logPmf);
  }
  return Math.min(1, total);
}

/** One-sided exact p-value for "more successes than chance": P(X >= successes). */
export function binomialTestGreater(successes: number, trials: number, p = 0.5): number {
  if (trials === 0) return 1;
  let total = 0;
  for (let k = successes; k <= trials; k++) total += Math.exp(binomialLogPmf(k, trials, p));
  return Math.min(1, total);
}
