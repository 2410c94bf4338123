// "Most informative pairs", a campaign's pairing setting: the variants of the next turn are drawn
// with probability proportional to how much one more battle between them would shrink the
// leaderboard's uncertainty. The Bradley–Terry fit's covariance Σ is the inverse of its Fisher
// information (the bootstrap intervals the leaderboard shows estimate the same spread): with
// log-strengths θ, a battle of i and j adds w·uuᵀ, where u = e_i − e_j and w = p(1 − p),
// p = P(i beats j) = 1 / (1 + e^(θj − θi)). By Sherman–Morrison it turns Σ into
// Σ − w·(Σu)(Σu)ᵀ / (1 + w·uᵀΣu). The uncertainty that matters for a ranking is that of who beats
// whom: the variance of each pair's predicted win rate, w_kl²·(e_k − e_l)ᵀΣ(e_k − e_l) by the delta
// method (as Chatbot Arena samples by the shrinking of win-rate intervals). Summed over all pairs,
// one battle of i and j shrinks it by
//     gain(i, j) = w/(1 + w·uᵀΣu) · Σ_k<l w_kl²·((Σu)_k − (Σu)_l)²,
// largest for close pairs (p near ½, Fisher information p(1 − p) highest) whose scores are still
// uncertain (few battles): a newly added variant, with none, is drawn most until it has caught up.
// (The trace of Σ alone would favour lopsided pairs: a variant that always loses has a score far
// from certain that changes no one's rank.) Battles started but not yet judged count through the
// pair-usage counts, so parallel turns do not all pile onto one pair; drawing (rather than always
// taking the best pair) spreads them further.
import type { Db } from "@/db/client";
import type { ModelVariant } from "@/db/schema";
import { countBattles, playerKey, rolledUpBattles } from "@/server/services/leaderboard/rolled-up-battles";
import { fitBradleyTerry } from "@/server/services/quality/stats/bradley-terry";
import { pairKey, type RandomSource } from "./pairing";

/** Prior information on each log-strength (a quarter: one virtual battle at p = ½ against a fixed
 * reference), so that the information matrix is invertible before any battle and a variant
 * without battles has a finite, large variance. */
const PRIOR_INFORMATION = 0.25;

/** Inverse of a symmetric positive definite matrix (Gauss–Jordan; a campaign has few variants). */
function invert(matrix: number[][]): number[][] {
  const n = matrix.length;
  const a = matrix.map((row, i) => [...row, ...row.map((_, j) => (i === j ? 1 : 0))]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let row = col + 1; row < n; row++) if (Math.abs(a[row][col]) > Math.abs(a[pivot][col])) pivot = row;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    const scale = a[col][col];
    for (let k = 0; k < 2 * n; k++) a[col][k] /= scale;
    for (let row = 0; row < n; row++) {
      if (row === col || a[row][col] === 0) continue;
      const factor = a[row][col];
      for (let k = 0; k < 2 * n; k++) a[row][k] -= factor * a[col][k];
    }
  }
  return a.map((row) => row.slice(n));
}

const winProbability = (thetaI: number, thetaJ: number) => 1 / (1 + Math.exp(thetaJ - thetaI));

/**
 * How much one more battle of each pair would shrink the summed variance of the predicted win
 * rates, by pair key. `logStrengths` are the current fit's θ (missing: 0, an average variant);
 * `pairCounts` the battles each pair has had or has started.
 */
export function informationGains(
  variantIds: readonly string[],
  logStrengths: ReadonlyMap<string, number>,
  pairCounts: ReadonlyMap<string, number>,
): Map<string, number> {
  const ids = [...new Set(variantIds)];
  const theta = ids.map((id) => logStrengths.get(id) ?? 0);
  const information = ids.map((_, i) => ids.map((__, j) => (i === j ? PRIOR_INFORMATION : 0)));
  // w_ij = p(1 − p): a battle's Fisher information, and the slope of the win rate in θi − θj.
  const weight = theta.map((thetaI) =>
    theta.map((thetaJ) => {
      const p = winProbability(thetaI, thetaJ);
      return p * (1 - p);
    }),
  );
  for (let i = 0; i < ids.length; i++) {
    for (let j = i + 1; j < ids.length; j++) {
      const added = (pairCounts.get(pairKey(ids[i], ids[j])) ?? 0) * weight[i][j];
      information[i][i] += added;
      information[j][j] += added;
      information[i][j] -= added;
      information[j][i] -= added;
    }
  }
  const covariance = invert(information);
  const gains = new Map<string, number>();
  for (let i = 0; i < ids.length; i++) {
    for (let j = i + 1; j < ids.length; j++) {
      // Σu is column i minus column j; uᵀΣu is Σii + Σjj − 2Σij.
      const sigmaU = covariance.map((row) => row[i] - row[j]);
      const spread = covariance[i][i] + covariance[j][j] - 2 * covariance[i][j];
      let winRateShrink = 0;
      for (let k = 0; k < ids.length; k++)
        for (let l = k + 1; l < ids.length; l++)
          winRateShrink += weight[k][l] ** 2 * (sigmaU[k] - sigmaU[l]) ** 2;
      const w = weight[i][j];
      gains.set(pairKey(ids[i], ids[j]), (w * winRateShrink) / (1 + w * spread));
    }
  }
  return gains;
}

/**
 * The variants to show together: a pair drawn with probability proportional to its information
 * gain, then (for rankings of three or four) the variants that add the most gain with those
 * already in the set.
 */
export function chooseInformativeSet(
  variantIds: readonly string[],
  size: number,
  logStrengths: ReadonlyMap<string, number>,
  pairCounts: ReadonlyMap<string, number>,
  random: RandomSource = Math.random,
): string[] {
  const ids = [...new Set(variantIds)];
  if (size < 2) throw new RangeError("A turn shows at least two responses.");
  if (ids.length < size) throw new RangeError(`Need ${size} variants, have ${ids.length}.`);
  const gains = informationGains(ids, logStrengths, pairCounts);
  const gainOf = (a: string, b: string) => gains.get(pairKey(a, b)) ?? 0;
  const pairs = ids.flatMap((a, i) => ids.slice(i + 1).map((b) => [a, b] as const));
  const total = pairs.reduce((sum, [a, b]) => sum + gainOf(a, b), 0);
  let target = random() * total;
  let chosen = pairs[pairs.length - 1];
  for (const pair of pairs) {
    target -= gainOf(...pair);
    if (target < 0) {
      chosen = pair;
      break;
    }
  }
  const set: string[] = [...chosen];
  while (set.length < size) {
    const rest = ids.filter((id) => !set.includes(id));
    const added = (id: string) => set.reduce((sum, member) => sum + gainOf(id, member), 0);
    set.push(rest.reduce((best, id) => (added(id) > added(best) ? id : best)));
  }
  return set;
}

/** The campaign's current Bradley–Terry log-strengths of the given variants (by id), from the
 * battle rollups (rejected comparisons left out, as on the leaderboard). */
export async function loadLogStrengths(
  db: Db,
  campaignId: string,
  variants: readonly Pick<ModelVariant, "id" | "name" | "versionLabel">[],
): Promise<Map<string, number>> {
  const rows = await rolledUpBattles(db, { campaignId, includeRejected: false });
  const counts = countBattles(
    rows,
    variants.map((variant) => playerKey(variant.name, variant.versionLabel)),
  );
  // One virtual tie per pair that met keeps every strength positive (as the leaderboard's fit).
  const strengths = fitBradleyTerry(counts, { pseudoTies: 1, tolerance: 1e-6 });
  return new Map(variants.map((variant, i) => [variant.id, Math.log(strengths[i])]));
}
