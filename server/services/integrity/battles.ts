// Votes as Bradley–Terry battles: the response shown first is side a, the outcome says whether
// it won ("negligibly better / unsure" counts as a tie, as on the leaderboard), and the style
// covariates are Arena's normalized differences of length and Markdown features.
import { STEP_ITEMS, type Steps } from "./cooperative";
import {
  type Battle,
  battleRowsSteps,
  standardizeStyle,
  STYLE_BIN_WIDTH,
  styleBradleyTerrySteps,
} from "./stats/style-bradley-terry";
import { normalizedDifference } from "./stats/style-features";
import type { Vote } from "./load-votes";

export function playersOf(votes: readonly Vote[]): string[] {
  const players = new Set<string>();
  for (const vote of votes) {
    players.add(vote.chosen.variant);
    players.add(vote.rejected.variant);
  }
  return [...players].sort();
}

/** Arena's style covariates of a battle: each feature's normalized difference, a against b. */
function styleCovariates(a: readonly number[], b: readonly number[]): number[] {
  const covariates = new Array<number>(a.length);
  for (let k = 0; k < a.length; k++) covariates[k] = normalizedDifference(a[k], b[k]);
  return covariates;
}

/** The votes as battles, yielding every STEP_ITEMS votes (cooperative.ts). */
export function* toBattles(
  votes: readonly Vote[],
  players: readonly string[],
  withStyle: boolean,
): Steps<Battle[]> {
  const index = new Map(players.map((player, i) => [player, i]));
  const battles: Battle[] = [];
  // Plain loops without per-vote temporaries: a campaign can hold a million votes.
  for (let i = 0; i < votes.length; i++) {
    if (i % STEP_ITEMS === STEP_ITEMS - 1) yield;
    const vote = votes[i];
    const first = vote.chosenShownFirst ? vote.chosen : vote.rejected;
    const second = vote.chosenShownFirst ? vote.rejected : vote.chosen;
    battles.push({
      a: index.get(first.variant)!,
      b: index.get(second.variant)!,
      outcome: vote.strength === "negligibly_better" ? 0.5 : vote.chosenShownFirst ? 1 : 0,
      style: withStyle ? styleCovariates(first.styleFeatures, second.styleFeatures) : [],
    });
  }
  return withStyle ? standardizeStyle(battles) : battles;
}

/** The consensus model of a campaign: style-controlled Bradley–Terry on every vote, and each
 * vote's log-odds, under it, of the choice the annotator made. */
export function* consensusLogOdds(votes: readonly Vote[]): Steps<number[]> {
  const players = playersOf(votes);
  const all = yield* toBattles(votes, players, true);
  const rows = yield* battleRowsSteps(
    all.filter((battle) => battle.a !== battle.b),
    players.length,
    { binWidth: STYLE_BIN_WIDTH },
  );
  const fit = yield* styleBradleyTerrySteps(rows);
  return all.map((battle, i) => {
    let logit = fit.strengths[battle.a] - fit.strengths[battle.b];
    battle.style.forEach((value, k) => (logit += fit.styleCoefficients[k] * value));
    return votes[i].chosenShownFirst ? logit : -logit;
  });
}
