// The style fit's reference, kept for its tests and its benchmark's baseline: every battle its
// own row, and the bootstrap that redraws every battle's weight as Poisson(1) and refits all of
// them each round — the method that grouped rows replace (style-bradley-terry.ts).
import { quantile, samplePoisson, seededRandom } from "@/server/services/quality/stats/random";
import { runSteps } from "../cooperative";
import {
  type Battle,
  type BattleRows,
  eloFromStrength,
  type StyleFit,
  styleBradleyTerrySteps,
} from "./style-bradley-terry";

/** One row per battle, weighing `weights[i]` (default 1), whatever the covariates. */
export function rowPerBattle(
  battles: readonly Battle[],
  players: number,
  weights?: ArrayLike<number>,
): BattleRows {
  const features = battles[0]?.style.length ?? 0;
  const outcomes = new Float64Array(battles.length * 3);
  battles.forEach((battle, i) => (outcomes[i * 3 + battle.outcome * 2] = weights ? weights[i] : 1));
  return {
    players,
    features,
    a: Int32Array.from(battles, (battle) => battle.a),
    b: Int32Array.from(battles, (battle) => battle.b),
    style: Float64Array.from(battles.flatMap((battle) => battle.style)),
    outcomes,
  };
}

/** 95% percentile intervals from a Poisson bootstrap that draws a weight per battle. */
export function perBattleBootstrap(
  battles: readonly Battle[],
  players: number,
  estimate: StyleFit,
  options: { rounds: number; seed: number },
) {
  const random = seededRandom(options.seed);
  const samples: number[][] = Array.from({ length: players }, () => []);
  const weights = new Float64Array(battles.length);
  for (let round = 0; round < options.rounds; round++) {
    for (let i = 0; i < battles.length; i++) weights[i] = samplePoisson(1, random);
    const fit = runSteps(
      styleBradleyTerrySteps(rowPerBattle(battles, players, weights), {
        start: estimate,
        maxIterations: 4,
        tolerance: 1e-6,
      }),
    );
    fit.strengths.forEach((beta, i) => samples[i].push(eloFromStrength(beta)));
  }
  return samples.map((scores) => ({ low: quantile(scores, 0.025), high: quantile(scores, 0.975) }));
}
