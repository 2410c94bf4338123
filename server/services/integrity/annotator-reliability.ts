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
import type { Steps } from "./cooperative";
import { binomialTestTwoSided } from "./stats/binomial";
import { fitMace, type MaceLabel } from "./stats/mace";
import { normalUpperTail } from "./stats/normal";
import { countWords } from "./stats/style-features";
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

function strengthDistribution(votes: readonly Vote[]) {
  const counts = STRENGTHS.map((level) => votes.filter((vote) => vote.strength === level).length);
  return counts.map((count) => count / Math.max(votes.length, 1));
}

function median(values: number[]) {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** MACE over items (a turn's judged pair) rated by two or more people or with a gold answer. */
function* maceCompetence(votes: readonly Vote[], annotatorIds: readonly string[]) {
  const itemKey = (vote: Vote) =>
    `${vote.turnId}:${[vote.chosen.responseId, vote.rejected.responseId].sort().join(":")}`;
  const byItem = groupBy(votes, itemKey);
  const annotatorIndex = new Map(annotatorIds.map((id, i) => [id, i]));
  const labels: MaceLabel[] = [];
  const known: (number | undefined)[] = [];
  const itemsPerAnnotator = new Array<number>(annotatorIds.length).fill(0);
  for (const itemVotes of byItem.values()) {
    const [first] = itemVotes;
    const pair = [first.chosen.responseId, first.rejected.responseId].sort();
    const gold = first.goldExpectedResponseId;
    const goldLabel = gold !== null && pair.includes(gold) ? pair.indexOf(gold) : undefined;
    if (itemVotes.length < 2 && goldLabel === undefined) continue;
    const item = known.length;
    known.push(goldLabel);
    for (const vote of itemVotes) {
      const annotator = annotatorIndex.get(vote.annotatorId)!;
      labels.push({ item, annotator, label: pair.indexOf(vote.chosen.responseId) });
      itemsPerAnnotator[annotator]++;
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

/** Agreement on items several people rated: each pair of ratings of an item counts once for each. */
function overlapAgreement(votes: readonly Vote[]) {
  const byTurn = groupBy(votes, (vote) => vote.turnId);
  const result = new Map<string, { pairs: number; agreed: number }>();
  for (const turnVotes of byTurn.values()) {
    for (const vote of turnVotes) {
      for (const other of turnVotes) {
        if (other === vote) continue;
        const entry = result.get(vote.annotatorId) ?? { pairs: 0, agreed: 0 };
        entry.pairs++;
        if (other.chosen.responseId === vote.chosen.responseId) entry.agreed++;
        result.set(vote.annotatorId, entry);
      }
    }
  }
  return result;
}

export function* annotatorReliability(
  votes: readonly Vote[],
  /** Per vote: the consensus model's log-odds of the choice made. */
  consensus: readonly number[],
  thresholds: ReliabilityThresholds = DEFAULT_THRESHOLDS,
): Steps<AnnotatorReport[]> {
  const annotatorIds = [...new Set(votes.map((vote) => vote.annotatorId))].sort();
  const campaignStrengths = strengthDistribution(votes);
  const competence = yield* maceCompetence(votes, annotatorIds);
  const overlap = overlapAgreement(votes);
  const consensusOf = new Map(votes.map((vote, i) => [vote, consensus[i]]));
  const votesOf = groupBy(votes, (vote) => vote.annotatorId);

  return annotatorIds
    .map((annotatorId, j) => {
      const own = votesOf.get(annotatorId)!;
      const n = own.length;
      const enough = n >= thresholds.minComparisons;
      const flags: AnnotatorFlag[] = [];
      const reasons: string[] = [];
      const percent = (share: number) => `${Math.round(share * 100)}%`;

      const tooFast = own.filter((vote) => {
        const readingMs =
          ((countWords(vote.chosen.text) + countWords(vote.rejected.text)) /
            thresholds.readingWordsPerSecond) *
          1000;
        return vote.timeSpentMs < thresholds.tooFastFraction * readingMs;
      }).length;
      const tooFastShare = tooFast / Math.max(n, 1);
      if (enough && tooFastShare > thresholds.tooFastShare) {
        flags.push("too-fast");
        reasons.push(
          `${percent(tooFastShare)} of comparisons took under a quarter of the time reading both responses needs`,
        );
      }

      const chosenFirst = own.filter((vote) => vote.chosenShownFirst).length;
      const chance = own.reduce((sum, vote) => sum + 1 / Math.max(vote.shown, 2), 0) / Math.max(n, 1);
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

      const logOdds = own.map((vote) => consensusOf.get(vote)!);
      const agreed = logOdds.filter((value) => value > 0).length;
      const terms = own.map((vote, i) => logOdds[i] * STRENGTH_LEVEL[vote.strength]);
      const score = terms.reduce((sum, value) => sum + value, 0);
      const variance = terms.reduce((sum, value) => sum + value * value, 0);
      const agreementP = variance > 0 ? normalUpperTail(score / Math.sqrt(variance)) : 1;
      if (enough && !positionBiased && agreementP > thresholds.randomPValue) {
        flags.push("random");
        reasons.push(
          `followed the consensus in ${percent(agreed / n)} of ${n} comparisons, no better than a coin (sign-flip test p = ${agreementP.toFixed(2)})`,
        );
      }

      const divergence = jensenShannon(strengthDistribution(own), campaignStrengths);
      if (enough && divergence > thresholds.strengthDivergence) {
        flags.push("strength-divergence");
        reasons.push(
          `strength levels far from the campaign's (Jensen–Shannon ${divergence.toFixed(2)} bits)`,
        );
      }

      const gold = own.filter((vote) => vote.goldCorrect !== null);
      const goldShare = gold.length ? gold.filter((vote) => vote.goldCorrect).length / gold.length : null;
      if (
        goldShare !== null &&
        gold.length >= thresholds.minGoldItems &&
        goldShare < thresholds.goldAccuracy
      ) {
        flags.push("low-gold-accuracy");
        reasons.push(`${percent(goldShare)} right on ${gold.length} gold items`);
      }

      const agreement = overlap.get(annotatorId);
      const mace = competence[j];
      const risk =
        flags.filter((flag) => flag === "random" || flag === "position-bias" || flag === "too-fast").length *
          2 +
        flags.length +
        (1 - (mace.competence ?? 0.5));
      return {
        annotatorId,
        email: own[0].email,
        comparisons: n,
        flags,
        reasons,
        competence: mace.competence,
        competenceItems: mace.items,
        tooFastShare,
        medianTimeMs: median(own.map((vote) => vote.timeSpentMs)),
        positionA: { share: positionShare, chance, pValue: positionP },
        consensusAgreement: { share: agreed / Math.max(n, 1), pValue: agreementP },
        strengthDivergence: divergence,
        overlapAgreement: {
          pairs: agreement?.pairs ?? 0,
          share: agreement ? agreement.agreed / agreement.pairs : null,
        },
        goldAccuracy: { items: gold.length, share: goldShare },
        risk,
      };
    })
    .sort((a, b) => b.risk - a.risk || a.email.localeCompare(b.email));
}
