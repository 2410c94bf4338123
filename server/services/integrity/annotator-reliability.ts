// Per-annotator evidence of careless or dishonest work, and a combined flag with the reasons:
//   too-fast       a large share of comparisons submitted in less time than reading the two
//                  responses takes even at a skimming pace;
//   position-bias  "Response A" chosen far more (or less) often than chance (exact binomial test);
//   random         choices unrelated to what the campaign's consensus model (style-controlled
//                  Bradley–Terry on every vote) expects, while not explained by position bias:
//                  a sign-flip test of U = Σ ℓ·m, where ℓ is the consensus log-odds of the choice
//                  made and m the stated strength (1..4). A coin that also picks its strength
//                  without looking makes each term's sign a fair coin, so U has mean 0 and
//                  variance Σ (ℓ·m)² given the magnitudes; careful annotators agree more, and
//                  more strongly, where the consensus is sure;
//   low-gold-accuracy, strength-divergence  evidence shown beside the others.
// The competence is MACE's (Hovy et al. 2013) fitted on every item that several people rated or
// whose answer is known (gold): single-rated items carry no information about competence.
import { STRENGTHS } from "@/lib/constants";
import { STRENGTH_LEVEL } from "@/server/services/quality/stats/signed-strength";
import { STEP_ITEMS, type Steps } from "./cooperative";
import { binomialTestTwoSided } from "./stats/binomial";
import { fitMace, type MaceLabel } from "./stats/mace";
import { normalUpperTail } from "./stats/normal";
import { wordsOf } from "./stats/style-features";
import type { Vote } from "./load-votes";
import { groupBy } from "./group-by";

export const ANNOTATOR_FLAGS = [
  "random",
  "position-bias",
  "too-fast",
  "low-gold-accuracy",
  "strength-divergence",
] as const;
export type AnnotatorFlag = (typeof ANNOTATOR_FLAGS)[number];

export interface ReliabilityThresholds {
  /** Words per second a careful reader needs for the two responses (about 240 words a minute). */
  readingWordsPerSecond: number;
  /** A comparison is too fast below this share of the reading time (1/4: faster than 960 wpm). */
  tooFastFraction: number;
  /** Flag too-fast above this share of an annotator's comparisons. */
  tooFastShare: number;
  /** Position bias: p-value below this and a share of "A" this far from chance. */
  positionBiasPValue: number;
  positionBiasEffect: number;
  /** Random: following the consensus not shown beyond chance at this level. */
  randomPValue: number;
  /** Fewer comparisons than this: evidence only, no flag. */
  minComparisons: number;
  /** Jensen–Shannon divergence (bits) of the strength distribution from the campaign's. */
  strengthDivergence: number;
  /** Gold accuracy below this, over at least minGoldItems items. */
  goldAccuracy: number;
  minGoldItems: number;
}

export const DEFAULT_THRESHOLDS: ReliabilityThresholds = {
  readingWordsPerSecond: 4,
  tooFastFraction: 0.25,
  tooFastShare: 0.3,
  positionBiasPValue: 0.001,
  positionBiasEffect: 0.15,
  randomPValue: 0.01,
  minComparisons: 30,
  strengthDivergence: 0.2,
  goldAccuracy: 0.5,
  minGoldItems: 8,
};

export interface AnnotatorReport {
  annotatorId: string;
  email: string;
  comparisons: number;
  flags: AnnotatorFlag[];
  reasons: string[];
  /** MACE competence (0..1), null without items that others rated too. */
  competence: number | null;
  competenceItems: number;
  tooFastShare: number;
  medianTimeMs: number;
  positionA: { share: number; chance: number; pValue: number };
  /** Share of choices the consensus favoured, and the score test's p-value against a coin. */
  consensusAgreement: { share: number; pValue: number };
  strengthDivergence: number;
  overlapAgreement: { pairs: number; share: number | null };
  goldAccuracy: { items: number; share: number | null };
  /** Higher is more suspicious: sorts the Integrity tab. */
  risk: number;
}

const log2 = (value: number) => Math.log(value) / Math.LN2;

/** Jensen–Shannon divergence in bits (0..1). */
export function jensenShannon(p: readonly number[], q: readonly number[]): number {
  const m = p.map((value, i) => (value + q[i]) / 2);
  const kl = (a: readonly number[]) =>
    a.reduce((sum, value, i) => (value > 0 ? sum + value * log2(value / m[i]) : sum), 0);
  return (kl(p) + kl(q)) / 2;
}

/** The share of each strength level (STRENGTHS order) among `counts`' total. */
function strengthDistribution(counts: ArrayLike<number>) {
  const total = Array.from(counts).reduce((sum, count) => sum + count, 0);
  return STRENGTHS.map((_, k) => counts[k] / Math.max(total, 1));
}

function median(values: Float64Array) {
  if (values.length === 0) return 0;
  const sorted = values.slice().sort();
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

interface IndexedVotes {
  /** Sorted; an annotator's index is their position here. */
  annotatorIds: string[];
  annotatorOf: Int32Array;
  /** Each turn's votes, in vote order, turns in the order they were first judged. */
  turns: () => Generator<number[], void, void>;
}

/** The votes in dense ids: each vote's annotator and each turn's votes as a linked list in vote
 * order, so that the checks are single passes over arrays rather than maps of votes (a campaign
 * can hold a million comparisons). */
function* indexVotes(votes: readonly Vote[]): Steps<IndexedVotes> {
  const annotatorIds = [...new Set(votes.map((vote) => vote.annotatorId))].sort();
  const annotatorIndex = new Map(annotatorIds.map((id, i) => [id, i]));
  const annotatorOf = new Int32Array(votes.length);
  const turnIndex = new Map<string, number>();
  const firstOfTurn: number[] = [];
  const lastOfTurn: number[] = [];
  const nextInTurn = new Int32Array(votes.length).fill(-1);
  for (let v = 0; v < votes.length; v++) {
    if (v % STEP_ITEMS === STEP_ITEMS - 1) yield;
    const vote = votes[v];
    annotatorOf[v] = annotatorIndex.get(vote.annotatorId)!;
    const turn = turnIndex.get(vote.turnId);
    if (turn === undefined) {
      turnIndex.set(vote.turnId, firstOfTurn.length);
      firstOfTurn.push(v);
      lastOfTurn.push(v);
    } else {
      nextInTurn[lastOfTurn[turn]] = v;
      lastOfTurn[turn] = v;
    }
  }
  function* turns() {
    for (const first of firstOfTurn) {
      const turnVotes: number[] = [];
      for (let v = first; v !== -1; v = nextInTurn[v]) turnVotes.push(v);
      yield turnVotes;
    }
  }
  return { annotatorIds, annotatorOf, turns };
}

/** MACE over items (a turn's judged pair) rated by two or more people or with a gold answer. */
function* maceCompetence(votes: readonly Vote[], indexed: IndexedVotes) {
  const { annotatorIds, annotatorOf } = indexed;
  const labels: MaceLabel[] = [];
  const known: (number | undefined)[] = [];
  const itemsPerAnnotator = new Array<number>(annotatorIds.length).fill(0);
  const pairOf = (vote: Vote) => [vote.chosen.responseId, vote.rejected.responseId].sort();
  let turnsSeen = 0;
  for (const turnVotes of indexed.turns()) {
    if (++turnsSeen % STEP_ITEMS === 0) yield;
    const [only] = turnVotes;
    if (turnVotes.length === 1 && votes[only].goldExpectedResponseId === null) continue;
    const byPair = groupBy(turnVotes, (v) => pairOf(votes[v]).join(":"));
    for (const itemVotes of byPair.values()) {
      const first = votes[itemVotes[0]];
      const pair = pairOf(first);
      const gold = first.goldExpectedResponseId;
      const goldLabel = gold !== null && pair.includes(gold) ? pair.indexOf(gold) : undefined;
      if (itemVotes.length < 2 && goldLabel === undefined) continue;
      const item = known.length;
      known.push(goldLabel);
      for (const v of itemVotes) {
        const annotator = annotatorOf[v];
        labels.push({ item, annotator, label: pair.indexOf(votes[v].chosen.responseId) });
        itemsPerAnnotator[annotator]++;
      }
    }
  }
  const fit = yield* fitMace({
    labels,
    items: known.length,
    annotators: annotatorIds.length,
    categories: 2,
    known,
  });
  return annotatorIds.map((_, j) => ({
    competence: itemsPerAnnotator[j] > 0 ? fit.competence[j] : null,
    items: itemsPerAnnotator[j],
  }));
}

/** Agreement on items several people rated: each pair of ratings of a turn counts once for each
 * of the two. A vote agrees with the turn's other votes that chose the same response. */
function* overlapAgreement(votes: readonly Vote[], indexed: IndexedVotes) {
  const pairs = new Float64Array(indexed.annotatorIds.length);
  const agreed = new Float64Array(indexed.annotatorIds.length);
  let turnsSeen = 0;
  for (const turnVotes of indexed.turns()) {
    if (++turnsSeen % STEP_ITEMS === 0) yield;
    if (turnVotes.length < 2) continue;
    const chosenCount = new Map<string, number>();
    for (const v of turnVotes) {
      const chosen = votes[v].chosen.responseId;
      chosenCount.set(chosen, (chosenCount.get(chosen) ?? 0) + 1);
    }
    for (const v of turnVotes) {
      const annotator = indexed.annotatorOf[v];
      pairs[annotator] += turnVotes.length - 1;
      agreed[annotator] += chosenCount.get(votes[v].chosen.responseId)! - 1;
    }
  }
  return { pairs, agreed };
}

/** Per-annotator sums over their votes, in one pass (vote order, as the sums' rounding goes). */
function* annotatorTotals(
  votes: readonly Vote[],
  consensus: readonly number[],
  indexed: IndexedVotes,
  thresholds: ReliabilityThresholds,
) {
  const annotators = indexed.annotatorIds.length;
  const zeros = () => new Float64Array(annotators);
  const totals = {
    comparisons: zeros(),
    tooFast: zeros(),
    chosenFirst: zeros(),
    chanceSum: zeros(),
    agreed: zeros(),
    score: zeros(),
    variance: zeros(),
    goldItems: zeros(),
    goldCorrect: zeros(),
    strengths: new Float64Array(annotators * STRENGTHS.length),
    firstVote: new Int32Array(annotators).fill(-1),
  };
  const strengthIndex = new Map(STRENGTHS.map((level, k) => [level, k]));
  for (let v = 0; v < votes.length; v++) {
    if (v % STEP_ITEMS === STEP_ITEMS - 1) yield;
    const vote = votes[v];
    const j = indexed.annotatorOf[v];
    if (totals.firstVote[j] === -1) totals.firstVote[j] = v;
    totals.comparisons[j]++;
    const readingMs =
      ((wordsOf(vote.chosen.styleFeatures) + wordsOf(vote.rejected.styleFeatures)) /
        thresholds.readingWordsPerSecond) *
      1000;
    if (vote.timeSpentMs < thresholds.tooFastFraction * readingMs) totals.tooFast[j]++;
    if (vote.chosenShownFirst) totals.chosenFirst[j]++;
    totals.chanceSum[j] += 1 / Math.max(vote.shown, 2);
    const logOdds = consensus[v];
    if (logOdds > 0) totals.agreed[j]++;
    const term = logOdds * STRENGTH_LEVEL[vote.strength];
    totals.score[j] += term;
    totals.variance[j] += term * term;
    if (vote.goldCorrect !== null) {
      totals.goldItems[j]++;
      if (vote.goldCorrect) totals.goldCorrect[j]++;
    }
    totals.strengths[j * STRENGTHS.length + strengthIndex.get(vote.strength)!]++;
  }
  // Each annotator's times on task, for the median.
  const times = Array.from({ length: annotators }, (_, j) => new Float64Array(totals.comparisons[j]));
  const filled = new Int32Array(annotators);
  votes.forEach((vote, v) => {
    const j = indexed.annotatorOf[v];
    times[j][filled[j]++] = vote.timeSpentMs;
  });
  return { ...totals, times };
}

export function* annotatorReliability(
  votes: readonly Vote[],
  /** Per vote: the consensus model's log-odds of the choice made. */
  consensus: readonly number[],
  thresholds: ReliabilityThresholds = DEFAULT_THRESHOLDS,
): Steps<AnnotatorReport[]> {
  const indexed = yield* indexVotes(votes);
  const competence = yield* maceCompetence(votes, indexed);
  const overlap = yield* overlapAgreement(votes, indexed);
  const totals = yield* annotatorTotals(votes, consensus, indexed, thresholds);
  const levels = STRENGTHS.length;
  const campaignCounts = new Float64Array(levels);
  totals.strengths.forEach((count, at) => (campaignCounts[at % levels] += count));
  const campaignStrengths = strengthDistribution(campaignCounts);

  return indexed.annotatorIds
    .map((annotatorId, j) => {
      const n = totals.comparisons[j];
      const enough = n >= thresholds.minComparisons;
      const flags: AnnotatorFlag[] = [];
      const reasons: string[] = [];
      const percent = (share: number) => `${Math.round(share * 100)}%`;

      const tooFastShare = totals.tooFast[j] / Math.max(n, 1);
      if (enough && tooFastShare > thresholds.tooFastShare) {
        flags.push("too-fast");
        reasons.push(
          `${percent(tooFastShare)} of comparisons took under a quarter of the time reading both responses needs`,
        );
      }

      const chosenFirst = totals.chosenFirst[j];
      const chance = totals.chanceSum[j] / Math.max(n, 1);
      const positionShare = chosenFirst / Math.max(n, 1);
      const positionP = binomialTestTwoSided(chosenFirst, n, chance);
      const positionBiased =
        enough &&
        positionP < thresholds.positionBiasPValue &&
        Math.abs(positionShare - chance) >= thresholds.positionBiasEffect;
      if (positionBiased) {
        flags.push("position-bias");
        reasons.push(
          `chose Response A in ${percent(positionShare)} of ${n} comparisons (chance ${percent(chance)}, binomial p = ${positionP.toExponential(1)})`,
        );
      }

      const agreed = totals.agreed[j];
      const score = totals.score[j];
      const variance = totals.variance[j];
      const agreementP = variance > 0 ? normalUpperTail(score / Math.sqrt(variance)) : 1;
      if (enough && !positionBiased && agreementP > thresholds.randomPValue) {
        flags.push("random");
        reasons.push(
          `followed the consensus in ${percent(agreed / n)} of ${n} comparisons, no better than a coin (sign-flip test p = ${agreementP.toFixed(2)})`,
        );
      }

      const divergence = jensenShannon(
        strengthDistribution(totals.strengths.subarray(j * levels, (j + 1) * levels)),
        campaignStrengths,
      );
      if (enough && divergence > thresholds.strengthDivergence) {
        flags.push("strength-divergence");
        reasons.push(
          `strength levels far from the campaign's (Jensen–Shannon ${divergence.toFixed(2)} bits)`,
        );
      }

      const goldItems = totals.goldItems[j];
      const goldShare = goldItems ? totals.goldCorrect[j] / goldItems : null;
      if (goldShare !== null && goldItems >= thresholds.minGoldItems && goldShare < thresholds.goldAccuracy) {
        flags.push("low-gold-accuracy");
        reasons.push(`${percent(goldShare)} right on ${goldItems} gold items`);
      }

      const pairs = overlap.pairs[j];
      const mace = competence[j];
      const risk =
        flags.filter((flag) => flag === "random" || flag === "position-bias" || flag === "too-fast").length *
          2 +
        flags.length +
        (1 - (mace.competence ?? 0.5));
      return {
        annotatorId,
        email: votes[totals.firstVote[j]].email,
        comparisons: n,
        flags,
        reasons,
        competence: mace.competence,
        competenceItems: mace.items,
        tooFastShare,
        medianTimeMs: median(totals.times[j]),
        positionA: { share: positionShare, chance, pValue: positionP },
        consensusAgreement: { share: agreed / Math.max(n, 1), pValue: agreementP },
        strengthDivergence: divergence,
        overlapAgreement: { pairs, share: pairs > 0 ? overlap.agreed[j] / pairs : null },
        goldAccuracy: { items: goldItems, share: goldShare },
        risk,
      };
    })
    .sort((a, b) => b.risk - a.risk || a.email.localeCompare(b.email));
}
