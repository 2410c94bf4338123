// Every comparison of a campaign as the integrity checks read it: who judged, which pair, how it
// was shown, how long it took, and the style of both responses. The style is stored with each
// completed response (responses.style_features); the texts are read only for responses saved
// before that (until the backfill has reached them), and their style computed here.
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
  email: string;
  source: ComparisonSource;
  turn_id: string;
  conversation_id: string;
  turn_index: number;
  prompt: string;
  risk_category: string | null;
  chosen_id: string;
  chosen_variant: string;
  /** Null when the response's style features are stored. */
  chosen_text: string | null;
  chosen_position: number;
  rejected_id: string;
  rejected_variant: string;
  rejected_text: string | null;
  /** The stored features, one column each (featureColumns); null with a text. */
  [feature: `${Side}_feature_${number}`]: number;
  display_first: string | null;
  display_count: number | null;
  responses_shown: number;
  strength: Strength;
  time_spent_ms: number;
  review_status: ReviewStatus;
  reference_side: number | null;
  result_side: number | null;
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

/** The stored features one by one (`chosen_feature_0`, …): plain integers parse faster than an
 * array, a million rows at a time. */
function featureColumns(alias: string, side: Side) {
  return sql.raw(
    FEATURE_KEYS[side].map((key, k) => `${alias}.style_features[${k + 1}] as ${key}`).join(", "),
  );
}

function featuresOf(row: VoteRow, side: Side): number[] {
  const text = side === "chosen" ? row.chosen_text : row.rejected_text;
  if (text !== null) return styleFeatures(text);
  return FEATURE_KEYS[side].map((key) => row[key]);
}

export async function loadVotes(db: Db, campaignId: string): Promise<Vote[]> {
  const rows = await queryRows<VoteRow>(
    db,
    sql`select c.id as comparison_id, c.annotator_id, u.email, c.source, c.turn_id, c.conversation_id,
               t.index as turn_index, t.user_message as prompt,
               conv.risk_category,
               rc.id as chosen_id, rc.variant_name as chosen_variant,
               case when rc.style_features is null then rc.text end as chosen_text, ${featureColumns("rc", "chosen")},
               rc.position as chosen_position,
               rr.id as rejected_id, rr.variant_name as rejected_variant,
               case when rr.style_features is null then rr.text end as rejected_text, ${featureColumns("rr", "rejected")},
               pt.display_order->>0 as display_first, jsonb_array_length(pt.display_order) as display_count,
               jsonb_array_length(c.ranking) as responses_shown,
               c.strength, c.time_spent_ms, c.review_status, pt.reference_side, pt.result_side,
               g.expected_chosen_response_id as gold_expected, o.ordinal
        from (select id, row_number() over (order by created_at, id) as ordinal
              from comparisons where campaign_id = ${campaignId}) o
        join comparisons c on c.id = o.id
        join users u on u.id = c.annotator_id
        join turns t on t.id = c.turn_id
        join conversations conv on conv.id = c.conversation_id
        join responses rc on rc.id = c.chosen_response_id
        join responses rr on rr.id = c.rejected_response_id
        left join pair_tasks pt on pt.id = c.pair_task_id
        left join gold_items g on g.turn_id = c.turn_id`,
  );
  // In judging order. The database numbers the comparisons rather than sorting the joined rows:
  // sorting a million joined rows spills hundreds of megabytes to disk.
  const votes = new Array<Vote>(rows.length);
  const shared = sharedStrings();
  for (const row of rows) votes[Number(row.ordinal) - 1] = toVote(row, shared);
  return votes;
}

/** One copy of each repeated value (an annotator's id and email, a variant's name, a strength):
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

function toVote(row: VoteRow, shared: ReturnType<typeof sharedStrings>): Vote {
  return {
    comparisonId: row.comparison_id,
    annotatorId: shared(row.annotator_id),
    email: shared(row.email),
    source: shared(row.source),
    turnId: row.turn_id,
    conversationId: row.conversation_id,
    turnIndex: Number(row.turn_index),
    prompt: row.prompt,
    riskCategory: shared(row.risk_category),
    chosen: {
      responseId: row.chosen_id,
      variant: shared(row.chosen_variant),
      styleFeatures: featuresOf(row, "chosen"),
    },
    rejected: {
      responseId: row.rejected_id,
      variant: shared(row.rejected_variant),
      styleFeatures: featuresOf(row, "rejected"),
    },
    // A pair task records the order it showed; the author saw the turn's positions (0 = "A").
    chosenShownFirst:
      row.display_first !== null ? row.display_first === row.chosen_id : Number(row.chosen_position) === 0,
    shown: Number(row.display_count ?? row.responses_shown),
    strength: shared(row.strength),
    timeSpentMs: Number(row.time_spent_ms),
    reviewStatus: shared(row.review_status),
    goldCorrect:
      row.source === "gold" && row.reference_side !== null && row.result_side !== null
        ? Number(row.reference_side) === Number(row.result_side)
        : null,
    goldExpectedResponseId: row.gold_expected,
  };
}
