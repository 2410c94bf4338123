// Battles with a known truth for the style-controlled Bradley–Terry fit, in memory (its tests
// and `bench/dashboard/style-bootstrap-bench.ts`): players of known strength whose responses
// differ in length (log-normal word counts, one player more verbose) and, unless left out, in
// Markdown (Poisson header, bold and list counts), judged by a style-sensitive rater with some
// ties. Covariates are Arena's standardized normalized differences, as the integrity report
// computes them. Without Markdown they vary as the app's synthetic campaigns' do (length only).
import { type Battle, standardizeStyle } from "@/server/services/integrity/stats/style-bradley-terry";
import { normalizedDifference } from "@/server/services/integrity/stats/style-features";
import { samplePoisson, seededRandom } from "@/server/services/quality/stats/random";

export interface StyleBattleOptions {
  battles: number;
  players: number;
  seed: number;
  /** The rater's log-odds per unit of normalized length difference. */
  lengthEffect?: number;
  /** False: no response has Markdown (the three Markdown covariates are 0). */
  withMarkdown?: boolean;
}

/** The true strengths: evenly spaced, 0.2 log-odds apart, mean 0. */
export function trueStrengths(players: number) {
  return Array.from({ length: players }, (_, i) => 0.2 * (i - (players - 1) / 2));
}

export function syntheticStyleBattles(options: StyleBattleOptions): Battle[] {
  const { players, lengthEffect = 1, withMarkdown = true } = options;
  const random = seededRandom(options.seed);
  const strengths = trueStrengths(players);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const markdown = (mean: number) => (withMarkdown ? samplePoisson(mean, random) : 0);
  const response = (player: number) => [
    Math.round(Math.exp((player === 0 ? 5.5 : 5) + 0.5 * normal())),
    markdown(0.3 + 0.2 * (player % 3)),
    markdown(0.8),
    markdown(player % 2 === 0 ? 2 : 0.5),
  ];
  const battles: Battle[] = [];
  for (let n = 0; n < options.battles; n++) {
    const a = Math.floor(random() * players);
    const b = (a + 1 + Math.floor(random() * (players - 1))) % players;
    const [first, second] = [response(a), response(b)];
    const style = first.map((value, k) => normalizedDifference(value, second[k]));
    const logit = strengths[a] - strengths[b] + lengthEffect * style[0] + 0.3 * style[3];
    const outcome = random() < 0.1 ? 0.5 : random() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
    battles.push({ a, b, outcome, style });
  }
  return standardizeStyle(battles);
}
