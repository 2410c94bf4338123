// Agreement on overlap items — turns rated by their author and again by a second annotator —
// per campaign, batch and annotator: percent agreement on the choice, and Krippendorff's alpha
// (ordinal) on the signed strength (-4..-1: the turn's first response better, 1..4: the second;
// see stats/signed-strength.ts). Also gold accuracy per annotator.
import { and, eq, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { pairTasks } from "@/db/schema";
import { queryRows } from "@/db/query-rows";
import { alphaFromCoincidences, coincidencesFromPairs } from "./stats/krippendorff";

export const AgreementInput = z.object({ campaignId: z.uuid(), batchId: z.uuid().optional() });
export type AgreementInput = z.infer<typeof AgreementInput>;

export interface AgreementFigures {
  /** Overlap items (each: one first rating and one re-rating). */
  items: number;
  /** Share of items where both chose the same response; null without items. */
  percentAgreement: number | null;
  /** Krippendorff's alpha, ordinal metric, on the signed strength; null when undefined. */
  alpha: number | null;
}

interface PairCount {
  a: number;
  b: number;
  count: number;
}

function figuresOf(pairs: PairCount[]): AgreementFigures {
  const items = pairs.reduce((sum, pair) => sum + pair.count, 0);
  const agreeing = pairs
    .filter((pair) => Math.sign(pair.a) === Math.sign(pair.b))
    .reduce((sum, pair) => sum + pair.count, 0);
  return {
    items,
    percentAgreement: items === 0 ? null : agreeing / items,
    alpha: items === 0 ? null : alphaFromCoincidences(coincidencesFromPairs(pairs), "ordinal"),
  };
}

function groupPairs<K>(rows: { key: K; a: number; b: number; count: number }[]) {
  const groups = new Map<K, PairCount[]>();
  for (const row of rows) {
    const list = groups.get(row.key) ?? [];
    list.push({ a: Number(row.a), b: Number(row.b), count: Number(row.count) });
    groups.set(row.key, list);
  }
  return groups;
}

const doneOverlap = (input: AgreementInput): SQL[] => [
  eq(pairTasks.campaignId, input.campaignId),
  eq(pairTasks.kind, "overlap"),
  eq(pairTasks.status, "done"),
  ...(input.batchId ? [eq(pairTasks.batchId, input.batchId)] : []),
];

const first = sql<number>`${pairTasks.referenceSide} * ${pairTasks.referenceStrength}`;
const second = sql<number>`${pairTasks.resultSide} * ${pairTasks.resultStrength}`;

/** Overall and per batch. */
export async function getBatchAgreement(db: Db, rawInput: AgreementInput) {
  const input = AgreementInput.parse(rawInput);
  const rows = await db
    .select({ key: pairTasks.batchId, a: first, b: second, count: sql<number>`count(*)::int` })
    .from(pairTasks)
    .where(and(...doneOverlap(input)))
    .groupBy(pairTasks.batchId, first, second);
  const batches = groupPairs(rows.map((row) => ({ ...row, key: row.key ?? "" })));
  return {
    overall: figuresOf([...batches.values()].flat()),
    byBatch: Object.fromEntries([...batches].map(([batchId, pairs]) => [batchId, figuresOf(pairs)])),
  };
}

/** Per annotator: each item counts for both of its annotators. */
export async function getAnnotatorAgreement(db: Db, rawInput: AgreementInput) {
  const input = AgreementInput.parse(rawInput);
  const rows = await queryRows<{ key: string; a: number; b: number; count: number }>(
    db,
    sql`
      select annotator as key, a, b, count(*)::int as count from (
        select ${pairTasks.sourceAnnotatorId} as annotator, ${first} as a, ${second} as b
        from ${pairTasks} where ${and(...doneOverlap(input))}
        union all
        select ${pairTasks.annotatorId}, ${first}, ${second}
        from ${pairTasks} where ${and(...doneOverlap(input))}
      ) ratings group by annotator, a, b`,
  );
  return Object.fromEntries(
    [...groupPairs(rows)].map(([annotatorId, pairs]) => [annotatorId, figuresOf(pairs)]),
  );
}

export async function getAgreement(db: Db, input: AgreementInput) {
  const [batches, byAnnotator] = await Promise.all([
    getBatchAgreement(db, input),
    getAnnotatorAgreement(db, input),
  ]);
  return { ...batches, byAnnotator };
}

/** Gold items met per annotator: how many, how many with the expected choice, and (where the
 * item names one) with the expected strength too. */
export async function getGoldAccuracy(db: Db, rawInput: AgreementInput) {
  const input = AgreementInput.parse(rawInput);
  const rows = await db
    .select({
      annotatorId: pairTasks.annotatorId,
      rated: sql<number>`count(*)::int`,
      correct: sql<number>`count(*) filter (where ${pairTasks.resultSide} = ${pairTasks.referenceSide})::int`,
      withStrength: sql<number>`count(*) filter (where ${pairTasks.referenceStrength} is not null)::int`,
      exact: sql<number>`count(*) filter (where ${pairTasks.resultSide} = ${pairTasks.referenceSide} and ${pairTasks.resultStrength} = ${pairTasks.referenceStrength})::int`,
    })
    .from(pairTasks)
    .where(
      and(
        eq(pairTasks.campaignId, input.campaignId),
        eq(pairTasks.kind, "gold"),
        eq(pairTasks.status, "done"),
        ...(input.batchId ? [eq(pairTasks.batchId, input.batchId)] : []),
      ),
    )
    .groupBy(pairTasks.annotatorId);
  return rows.map((row) => ({
    annotatorId: row.annotatorId,
    rated: Number(row.rated),
    accuracy: Number(row.rated) === 0 ? null : Number(row.correct) / Number(row.rated),
    strengthAccuracy: Number(row.withStrength) === 0 ? null : Number(row.exact) / Number(row.withStrength),
  }));
}
