// Every comparison of a campaign as the integrity checks read it: who judged, which pair, how it
// was shown, how long it took, and the style of both responses. Each side's variant, position and
// style come from comparison_sides (a narrow copy written when the comparison is saved), not from
// the wide responses rows. A side saved before its response's style was stored reads the
// response: its stored style, or its text (until the backfill has reached it) and the style
// computed here.
import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { queryRows } from "@/db/query-rows";
import type { ComparisonSource, ReviewStatus } from "@/db/schema";
import type { Strength } from "@/lib/constants";
import { STYLE_FEATURES, styleFeatures } from "./stats/style-features";

export interface VoteSide {
  responseId: string;
  variant: string;
  /** The response's STYLE_FEATURES (stats/style-features.ts), its words among them. */
  styleFeatures: readonly number[];
}

export interface Vote {
  comparisonId: string;
  annotatorId: string;
  email: string;
  source: ComparisonSource;
  turnId: string;
  conversationId: string;
  turnIndex: number;
  /** The turn's user message (on the turn with index 0, the dialogue's opening prompt). */
  prompt: string;
  riskCategory: string | null;
  chosen: VoteSide;
  rejected: VoteSide;
  /** Whether the chosen response was shown first ("Response A") to this annotator. */
  chosenShownFirst: boolean;
  /** How many responses this annotator saw side by side. */
  shown: number;
  strength: Strength;
  timeSpentMs: number;
  reviewStatus: ReviewStatus;
  /** Gold ratings: whether the answer matched the expected one. */
  goldCorrect: boolean | null;
  /** The expected winner when the turn is a gold item. */
  goldExpectedResponseId: string | null;
}

interface VoteRow {
  comparison_id: string;
  annotator_id: string;
  source: ComparisonSource;
  turn_id: string;
  conversation_id: string;
  turn_index: number;
  prompt: string;
  risk_category: string | null;
  chosen_id: string;
  chosen_variant: string;
  rejected_id: string;
  rejected_variant: string;
  /** The copied features, one column each (featureColumns); null where none was copied. */
  [feature: `${Side}_feature_${number}`]: number | null;
  chosen_shown_first: boolean;
  shown: number;
  strength: Strength;
  time_spent_ms: number;
  review_status: ReviewStatus;
  gold_correct: boolean | null;
  gold_expected: string | null;
  /** 1-based place in judging order. */
  ordinal: number;
}

type Side = "chosen" | "rejected";

/** The feature columns' names, built once rather than for each of a million rows. */
const FEATURE_KEYS = {
  chosen: STYLE_FEATURES.map((_, k) => `chosen_feature_${k}` as const),
  rejected: STYLE_FEATURES.map((_, k) => `rejected_feature_${k}` as const),
};

/** The features one by one (`chosen_feature_0`, …): plain integers parse faster than an array,
 * a million rows at a time. */
function featureColumns(column: string, keys: readonly string[]) {
  return sql.raw(keys.map((key, k) => `${column}[${k + 1}] as ${key}`).join(", "));
}

/** The style of the responses whose side was saved without one, by response id. */
type LateStyles = Map<string, number[]>;

function featuresOf(row: VoteRow, side: Side, late: LateStyles): number[] {
  const keys = FEATURE_KEYS[side];
  if (row[keys[0]] === null) return late.get(side === "chosen" ? row.chosen_id : row.rejected_id)!;
  return keys.map((key) => row[key]!);
}

/** Responses read one by one by id: their stored style, else their text's. */
async function lateStyles(db: Db, responseIds: string[]): Promise<LateStyles> {
  const styles: LateStyles = new Map();
  if (responseIds.length === 0) return styles;
  const keys = STYLE_FEATURES.map((_, k) => `feature_${k}`);
  const rows = await queryRows<Record<string, number | null> & { id: string; text: string | null }>(
    db,
    sql`select id, case when style_features is null then text end as text,
               ${featureColumns("style_features", keys)}
        from responses where id = any(${sql.param(responseIds)}::uuid[])`,
  );
  for (const row of rows)
    styles.set(row.id, row.text !== null ? styleFeatures(row.text) : keys.map((key) => row[key]!));
  return styles;
}

export async function loadVotes(db: Db, campaignId: string): Promise<Vote[]> {
  const rows = await queryRows<VoteRow>(
    db,
    sql`select c.id as comparison_id, c.annotator_id, c.source, c.turn_id, c.conversation_id,
               t.index as turn_index, t.user_message as prompt,
               conv.risk_category,
               c.chosen_response_id as chosen_id, s.chosen_variant,
               ${featureColumns("s.chosen_style_features", FEATURE_KEYS.chosen)},
               c.rejected_response_id as rejected_id, s.rejected_variant,
               ${featureColumns("s.rejected_style_features", FEATURE_KEYS.rejected)},
               -- A pair task records the order it showed; the author saw the turn's positions (0 = "A").
               coalesce(pt.display_order->>0 = c.chosen_response_id::text, s.chosen_position = 0) as chosen_shown_first,
               coalesce(jsonb_array_length(pt.display_order), jsonb_array_length(c.ranking)) as shown,
               c.strength, c.time_spent_ms, c.review_status,
               case when c.source = 'gold' and pt.reference_side is not null and pt.result_side is not null
                    then pt.reference_side = pt.result_side end as gold_correct,
               g.expected_chosen_response_id as gold_expected, o.ordinal::int4 as ordinal
        from (select id, row_number() over (order by created_at, id) as ordinal
              from comparisons where campaign_id = ${campaignId}) o
        join comparisons c on c.id = o.id
        join comparison_sides s on s.comparison_id = c.id
        join turns t on t.id = c.turn_id
        join conversations conv on conv.id = c.conversation_id
        left join pair_tasks pt on pt.id = c.pair_task_id
        left join gold_items g on g.turn_id = c.turn_id`,
  );
  const withoutStyle = new Set<string>();
  const annotatorIds = new Set<string>();
  for (const row of rows) {
    if (row.chosen_feature_0 === null) withoutStyle.add(row.chosen_id);
    if (row.rejected_feature_0 === null) withoutStyle.add(row.rejected_id);
    annotatorIds.add(row.annotator_id);
  }
  const [late, emails] = await Promise.all([
    lateStyles(db, [...withoutStyle]),
    emailsOf(db, [...annotatorIds]),
  ]);
  // In judging order. The database numbers the comparisons rather than sorting the joined rows:
  // sorting a million joined rows spills hundreds of megabytes to disk.
  const votes = new Array<Vote>(rows.length);
  const shared = sharedStrings();
  for (const row of rows) votes[row.ordinal - 1] = toVote(row, shared, late, emails);
  return votes;
}

/** The few annotators' emails, read once each rather than on a million rows. */
async function emailsOf(db: Db, annotatorIds: string[]) {
  const users = await queryRows<{ id: string; email: string }>(
    db,
    sql`select id, email from users where id = any(${sql.param(annotatorIds)}::uuid[])`,
  );
  return new Map(users.map((user) => [user.id, user.email]));
}

/** One copy of each repeated value (an annotator's id, a variant's name, a strength):
 * the driver makes a new string per row, and a million votes would keep millions of copies alive
 * for the whole report, which the garbage collector then walks at every major collection. */
function sharedStrings() {
  const known = new Map<string, string>();
  return <T extends string | null>(value: T): T => {
    if (value === null) return value;
    const kept = known.get(value);
    if (kept !== undefined) return kept as T;
    known.set(value, value);
    return value;
  };
}

function toVote(
  row: VoteRow,
  shared: ReturnType<typeof sharedStrings>,
  late: LateStyles,
  emails: Map<string, string>,
): Vote {
  return {
    comparisonId: row.comparison_id,
    annotatorId: shared(row.annotator_id),
    email: emails.get(row.annotator_id)!,
    source: shared(row.source),
    turnId: row.turn_id,
    conversationId: row.conversation_id,
    turnIndex: Number(row.turn_index),
    prompt: row.prompt,
    riskCategory: shared(row.risk_category),
    chosen: {
      responseId: row.chosen_id,
      variant: shared(row.chosen_variant),
      styleFeatures: featuresOf(row, "chosen", late),
    },
    rejected: {
      responseId: row.rejected_id,
      variant: shared(row.rejected_variant),
      styleFeatures: featuresOf(row, "rejected", late),
    },
    chosenShownFirst: row.chosen_shown_first,
    shown: Number(row.shown),
    strength: shared(row.strength),
    timeSpentMs: Number(row.time_spent_ms),
    reviewStatus: shared(row.review_status),
    goldCorrect: row.gold_correct,
    goldExpectedResponseId: row.gold_expected,
  };
}
