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
import { normalizedDifference, styleFeatures } from "./stats/style-features";
import type { Vote } from "./load-votes";

export function playersOf(votes: readonly Vote[]): string[] {
  return [...new Set(votes.flatMap((vote) => [vote.chosen.variant, vote.rejected.variant]))].sort();
}

/** The votes as battles, yielding every STEP_ITEMS votes (cooperative.ts). */
export function* toBattles(
  votes: readonly Vote[],
  players: readonly string[],
  withStyle: boolean,
): Steps<Battle[]> {
  const index = new Map(players.map((player, i) => [player, i]));
  const featureCache = new Map<string, number[]>();
  const features = (responseId: string, text: string) => {
    let cached = featureCache.get(responseId);
    if (!cached) featureCache.set(responseId, (cached = styleFeatures(text)));
    return cached;
  };
  const battles: Battle[] = [];
  for (const [i, vote] of votes.entries()) {
    if (i % STEP_ITEMS === STEP_ITEMS - 1) yield;
    const [first, second] = vote.chosenShownFirst
      ? [vote.chosen, vote.rejected]
      : [vote.rejected, vote.chosen];
    const styleA = withStyle ? features(first.responseId, first.text) : [];
    const styleB = withStyle ? features(second.responseId, second.text) : [];
    battles.push({
      a: index.get(first.variant)!,
      b: index.get(second.variant)!,
      outcome: vote.strength === "negligibly_better" ? 0.5 : vote.chosenShownFirst ? 1 : 0,
      style: styleA.map((value, k) => normalizedDifference(value, styleB[k])),
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
