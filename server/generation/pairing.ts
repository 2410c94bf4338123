// The pairing policy (Llama 2 §3.2.1): each turn's responses come from different model variants,
// chosen so that every pair of variants is compared about equally often over a campaign ("balanced",
// the default; a campaign may pick the most informative pairs instead), and shown in random order
// with a fresh random seed each. The choice itself is a pure function;
// pickArms() reads and updates the campaign's pair counts around it.
import { eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { variantPairUsage, type Campaign, type ModelVariant } from "@/db/schema";
import { ValidationError } from "@/server/errors";
import { chooseInformativeSet, loadLogStrengths } from "./informative-pairing";

export type RandomSource = () => number; // [0, 1), like Math.random

/** Key of an unordered pair: the two ids in sorted order. */
export function pairKey(a: string, b: string) {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

function pairsOf(ids: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i < ids.length; i++)
    for (let j = i + 1; j < ids.length; j++) {
      const [a, b] = ids[i] < ids[j] ? [ids[i], ids[j]] : [ids[j], ids[i]];
      pairs.push([a, b]);
    }
  return pairs;
}

function* combinations<T>(items: readonly T[], size: number, start = 0): Generator<T[]> {
  if (size === 0) {
    yield [];
    return;
  }
  for (let i = start; i <= items.length - size; i++)
    for (const rest of combinations(items, size - 1, i + 1)) yield [items[i], ...rest];
}

const MAX_ENUMERATED_SETS = 5000;

/**
 * The variants to show together: among all sets of `size` distinct variants, one whose most-used
 * pair has been used least (then the least total use); ties are broken at random. Large
 * campaigns (thousands of possible sets) grow the set greedily from the least-used pair.
 */
export function chooseVariantSet(
  variantIds: readonly string[],
  size: number,
  pairCounts: ReadonlyMap<string, number>,
  random: RandomSource = Math.random,
): string[] {
  const ids = [...new Set(variantIds)];
  if (size < 2) throw new RangeError("A turn shows at least two responses.");
  if (ids.length < size) throw new RangeError(`Need ${size} variants, have ${ids.length}.`);
  const countOf = (a: string, b: string) => pairCounts.get(pairKey(a, b)) ?? 0;
  const score = (set: readonly string[]) => {
    const counts = pairsOf(set).map(([a, b]) => countOf(a, b));
    return [Math.max(...counts), counts.reduce((sum, c) => sum + c, 0)] as const;
  };
  const better = (x: readonly [number, number], y: readonly [number, number]) =>
    x[0] !== y[0] ? x[0] < y[0] : x[1] < y[1];

  if (binomial(ids.length, size) <= MAX_ENUMERATED_SETS) {
    let best: string[][] = [];
    let bestScore: readonly [number, number] = [Infinity, Infinity];
    for (const set of combinations(ids, size)) {
      const s = score(set);
      if (better(s, bestScore)) {
        best = [set];
        bestScore = s;
      } else if (s[0] === bestScore[0] && s[1] === bestScore[1]) best.push(set);
    }
    return best[Math.floor(random() * best.length)];
  }

  // Greedy: least-used pair first, then the variant adding the least use, ties at random.
  const shuffled = shuffle(ids, random);
  let [first, second] = [shuffled[0], shuffled[1]];
  for (const [a, b] of pairsOf(shuffled))
    if (countOf(a, b) < countOf(first, second)) [first, second] = [a, b];
  const set = [first, second];
  while (set.length < size) {
    let pick: string | null = null;
    let pickScore: readonly [number, number] = [Infinity, Infinity];
    for (const id of shuffled) {
      if (set.includes(id)) continue;
      const s = score([...set, id]);
      if (better(s, pickScore)) [pick, pickScore] = [id, s];
    }
    set.push(pick!);
  }
  return set;
}

function binomial(n: number, k: number) {
  let result = 1;
  for (let i = 1; i <= k; i++) result = (result * (n - k + i)) / i;
  return result;
}

export function shuffle<T>(items: readonly T[], random: RandomSource = Math.random): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

/** A seed the engine and OpenAI-compatible servers accept (a non-negative 31-bit integer). */
export function randomSeed(random: RandomSource = Math.random) {
  return Math.floor(random() * 0x7fffffff);
}

export interface Arm {
  variant: ModelVariant;
  /** Display slot: 0 = "Response A", 1 = "Response B", ... */
  position: number;
  seed: number;
}

/**
 * Picks the arms of a new turn in `db` (a transaction, so the pair counts move with the turn):
 * `size` distinct active variants, chosen by the campaign's pairing (least-used pair first, or
 * the most informative pairs: informative-pairing.ts), in random display order.
 */
export async function pickArms(
  db: Db,
  campaign: Pick<Campaign, "id" | "pairing">,
  variants: readonly ModelVariant[],
  size: number,
  random: RandomSource = Math.random,
): Promise<Arm[]> {
  const campaignId = campaign.id;
  const active = variants.filter((variant) => variant.isActive);
  if (active.length < size) {
    throw new ValidationError(
      `This campaign shows ${size} responses per turn but has ${active.length} active model ` +
        `variant${active.length === 1 ? "" : "s"}. An admin needs to add or activate variants before anyone can annotate.`,
    );
  }
  const rows = await db.select().from(variantPairUsage).where(eq(variantPairUsage.campaignId, campaignId));
  const counts = new Map(rows.map((row) => [pairKey(row.variantAId, row.variantBId), row.turns]));
  const ids = active.map((variant) => variant.id);
  const chosenIds =
    campaign.pairing === "informative"
      ? chooseInformativeSet(ids, size, await loadLogStrengths(db, campaignId, active), counts, random)
      : chooseVariantSet(ids, size, counts, random);
  for (const [a, b] of pairsOf(chosenIds)) {
    await db
      .insert(variantPairUsage)
      .values({ campaignId, variantAId: a, variantBId: b, turns: 1 })
      .onConflictDoUpdate({
        target: [variantPairUsage.campaignId, variantPairUsage.variantAId, variantPairUsage.variantBId],
        set: { turns: sql`${variantPairUsage.turns} + 1` },
      });
  }
  const byId = new Map(active.map((variant) => [variant.id, variant]));
  return shuffle(chosenIds, random).map((id, position) => ({
    variant: byId.get(id)!,
    position,
    seed: randomSeed(random),
  }));
}
