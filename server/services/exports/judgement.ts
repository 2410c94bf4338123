// A judgement: what the training formats take from the rating(s) of one turn — the ranking, the
// ordered pairs with their margins, and which pairs the Llama 2 safety rule keeps out. Built from
// one comparison, or aggregated over the overlap ratings of a turn (majority choice per pair,
// mean margin of the ratings that agree).
import type { SafetyBin, Strength } from "@/lib/constants";
import { expandRanking, pairMargin, violatesSafetyRule } from "./pairs";

export interface Rating {
  ranking: string[];
  strength: Strength;
  responseSafety: Record<string, boolean> | null;
  safetyBin: SafetyBin | null;
}

export interface JudgedPair {
  chosenId: string;
  rejectedId: string;
  chosenRank: number;
  rejectedRank: number;
  /** Null when the margin scheme is "none". */
  margin: number | null;
  excludedBySafetyRule: boolean;
}

export interface Judgement {
  /** Best first. */
  ranking: string[];
  pairs: JudgedPair[];
  responseSafety: Record<string, boolean> | null;
  /** How many ratings it stands for (1 unless aggregated). */
  ratingCount: number;
}

export function judgeRating(rating: Rating, margins: readonly number[] | null): Judgement {
  const pairs: JudgedPair[] = [];
  for (const pair of expandRanking(rating.ranking)) {
    pairs.push({
      chosenId: pair.chosenId,
      rejectedId: pair.rejectedId,
      chosenRank: pair.chosenRank,
      rejectedRank: pair.rejectedRank,
      margin: margins ? pairMargin(margins, rating.strength, pair) : null,
      excludedBySafetyRule: violatesSafetyRule(pair, rating.responseSafety, rating.safetyBin),
    });
  }
  return { ranking: rating.ranking, pairs, responseSafety: rating.responseSafety, ratingCount: 1 };
}

/**
 * Several annotators rated the same turn (overlap). Each pair of responses is decided by
 * majority over the ratings, a tie going to the first rating (the dialogue author's); its margin
 * is the mean of the margins given by the ratings on the winning side. Per-response safety is
 * the majority label, ties again to the first rating. The aggregated ranking orders responses by
 * pairwise wins, then by the first rating's order.
 */
export function aggregateRatings(ratings: readonly Rating[], margins: readonly number[] | null): Judgement {
  if (ratings.length === 1) return judgeRating(ratings[0], margins);
  const first = ratings[0];
  const judged = ratings.map((rating) => judgeRating(rating, margins));
  const rankOf = judged.map((judgement) => new Map(judgement.ranking.map((id, rank) => [id, rank])));
  const marginOf = judged.map(
    (judgement) =>
      new Map(judgement.pairs.map((pair) => [`${pair.chosenId} ${pair.rejectedId}`, pair.margin])),
  );

  const responseSafety = aggregateSafety(ratings);
  const wins = new Map(first.ranking.map((id) => [id, 0]));
  const decided: { better: string; worse: string; margin: number | null }[] = [];
  for (const pair of expandRanking(first.ranking)) {
    const a = pair.chosenId;
    const b = pair.rejectedId;
    const forA: number[] = [];
    const forB: number[] = [];
    rankOf.forEach((ranks, index) => {
      const rankA = ranks.get(a);
      const rankB = ranks.get(b);
      if (rankA === undefined || rankB === undefined) return;
      (rankA < rankB ? forA : forB).push(index);
    });
    const aWins = forA.length >= forB.length; // the first rating is in forA, so a tie keeps its order
    const [better, worse, agreeing] = aWins ? [a, b, forA] : [b, a, forB];
    wins.set(better, wins.get(better)! + 1);
    const agreeingMargins = agreeing.map((index) => marginOf[index].get(`${better} ${worse}`) ?? null);
    decided.push({ better, worse, margin: margins ? mean(agreeingMargins as number[]) : null });
  }

  const firstRank = new Map(first.ranking.map((id, rank) => [id, rank]));
  const ranking = [...first.ranking].sort(
    (x, y) => wins.get(y)! - wins.get(x)! || firstRank.get(x)! - firstRank.get(y)!,
  );
  const rank = new Map(ranking.map((id, index) => [id, index]));
  const pairs = decided.map(({ better, worse, margin }) => {
    const pair = {
      chosenId: better,
      rejectedId: worse,
      chosenRank: rank.get(better)!,
      rejectedRank: rank.get(worse)!,
    };
    const bin = pair.chosenRank === 0 && pair.rejectedRank === 1 ? first.safetyBin : null;
    return { ...pair, margin, excludedBySafetyRule: violatesSafetyRule(pair, responseSafety, bin) };
  });
  pairs.sort((p, q) => p.chosenRank - q.chosenRank || p.rejectedRank - q.rejectedRank);
  return { ranking, pairs, responseSafety, ratingCount: ratings.length };
}

function aggregateSafety(ratings: readonly Rating[]): Record<string, boolean> | null {
  const labelled = ratings.filter((rating) => rating.responseSafety);
  if (labelled.length === 0) return null;
  const result: Record<string, boolean> = {};
  for (const id of Object.keys(labelled[0].responseSafety!).sort()) {
    let safe = 0;
    let unsafe = 0;
    for (const rating of labelled) {
      const label = rating.responseSafety![id];
      if (label === true) safe++;
      else if (label === false) unsafe++;
    }
    result[id] = safe === unsafe ? labelled[0].responseSafety![id] : safe > unsafe;
  }
  return result;
}

function mean(values: number[]) {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}
