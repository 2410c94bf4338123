// The five export formats: each declares its columns (for Parquet and the dataset card) and turns
// one unit into rows, with keys in a fixed order so the same data always gives the same bytes.
import { modelFileName } from "@/lib/model-label";
import { ChatTemplateRenderer } from "./chat-templates";
import { col, MESSAGES, t, type Column } from "./columns";
import { aggregateRatings, judgeRating, type JudgedPair, type Judgement } from "./judgement";
import type { ExportFormat, ExportOptions } from "./options";
import { marginTable } from "./pairs";
import { buildPrompt, type ChatMessage } from "./prompt";
import { labellingRatings } from "./label-source";
import type { ComparisonRecord, ExportUnit, ResponseRecord } from "./records";

export type Row = Record<string, unknown>;

export interface FormatContext {
  options: ExportOptions;
  margins: readonly number[] | null;
  /** The pseudonymous annotator id (keyed hash of the user id). */
  pseudonym: (userId: string) => string;
  renderer: ChatTemplateRenderer | null;
}

export function createFormatContext(
  options: ExportOptions,
  pseudonym: (userId: string) => string,
): FormatContext {
  return {
    options,
    margins: marginTable(options),
    pseudonym,
    renderer: options.format === "trl-text" ? new ChatTemplateRenderer(options.chatTemplate) : null,
  };
}

export function columnsOf(format: ExportFormat, options: Pick<ExportOptions, "marginScheme">): Column[] {
  const margin = options.marginScheme === "none" ? [] : [col("margin", t.double)];
  switch (format) {
    case "trl":
      return [col("prompt", MESSAGES), col("chosen", MESSAGES), col("rejected", MESSAGES), ...margin];
    case "trl-text":
      return [col("prompt", t.string), col("chosen", t.string), col("rejected", t.string), ...margin];
    case "hh-rlhf":
      return [col("chosen", t.string), col("rejected", t.string), ...margin];
    case "kto":
      return [col("prompt", MESSAGES), col("completion", MESSAGES), col("label", t.bool)];
    case "raw":
      return RAW_COLUMNS;
  }
}

export interface UnitRows {
  rows: Row[];
  /** Pairs the Llama 2 safety rule kept out (training formats), or marked (raw). */
  safetyExcludedPairs: number;
}

export function rowsOf(unit: ExportUnit, context: FormatContext): UnitRows {
  if (context.options.format === "raw") {
    const row = rawRow(unit, context);
    const pairs = row.pairs as { excluded_by_safety_rule: boolean }[];
    return { rows: [row], safetyExcludedPairs: pairs.filter((pair) => pair.excluded_by_safety_rule).length };
  }
  const ratings = labellingRatings(unit, context.options);
  if (ratings.length === 0) return { rows: [], safetyExcludedPairs: 0 };
  const judgement = judge(ratings, context);
  const pairs = judgement.pairs;
  const kept =
    context.options.safetyRule && pairs.some((pair) => pair.excludedBySafetyRule)
      ? pairs.filter((pair) => !pair.excludedBySafetyRule)
      : pairs;
  return {
    rows: kept.length ? trainingRows(unit, context, judgement, kept) : [],
    safetyExcludedPairs: pairs.length - kept.length,
  };
}

/** A response's text. A turn has 2-4 responses: a scan costs less than building a map. */
function textOf(responses: readonly ResponseRecord[], id: string) {
  for (const response of responses) if (response.id === id) return response.text;
  throw new Error(`Response ${id} of a ranking is not among the turn's responses.`);
}

function trainingRows(
  unit: ExportUnit,
  context: FormatContext,
  judgement: Judgement,
  pairs: readonly JudgedPair[],
): Row[] {
  const { options } = context;
  const prompt = promptOf(unit, options);
  const text = (id: string) => textOf(unit.responses, id);
  // One object per answer: rows of a ranking share them.
  const answers: { id: string; message: ChatMessage[] }[] = [];
  const answer = (id: string) => {
    for (const cached of answers) if (cached.id === id) return cached.message;
    const message: ChatMessage[] = [{ role: "assistant", content: text(id) }];
    answers.push({ id, message });
    return message;
  };
  const rows: Row[] = [];

  switch (options.format) {
    case "trl":
      for (const pair of pairs) {
        const row: Row = { prompt, chosen: answer(pair.chosenId), rejected: answer(pair.rejectedId) };
        if (pair.margin !== null) row.margin = pair.margin;
        rows.push(row);
      }
      return rows;
    case "trl-text": {
      const { promptText, completion } = context.renderer!.renderPrompt(prompt);
      const completions = new Map<string, string>();
      const completionOf = (id: string) => {
        if (!completions.has(id)) completions.set(id, completion(text(id)));
        return completions.get(id)!;
      };
      for (const pair of pairs) {
        const row: Row = {
          prompt: promptText,
          chosen: completionOf(pair.chosenId),
          rejected: completionOf(pair.rejectedId),
        };
        if (pair.margin !== null) row.margin = pair.margin;
        rows.push(row);
      }
      return rows;
    }
    case "hh-rlhf": {
      const dialogue = hhDialogue(prompt);
      for (const pair of pairs) {
        const row: Row = {
          chosen: `${dialogue}\n\nAssistant: ${text(pair.chosenId)}`,
          rejected: `${dialogue}\n\nAssistant: ${text(pair.rejectedId)}`,
        };
        if (pair.margin !== null) row.margin = pair.margin;
        rows.push(row);
      }
      return rows;
    }
    case "kto":
      for (const { id, label } of ktoRows(judgement.ranking, pairs))
        rows.push({ prompt, completion: answer(id), label });
      return rows;
    case "raw":
      throw new Error("Raw rows are not training pairs.");
  }
}

function judge(ratings: ComparisonRecord[], context: FormatContext): Judgement {
  return ratings.length === 1
    ? judgeRating(ratings[0], context.margins)
    : aggregateRatings(ratings, context.margins);
}

function promptOf(unit: ExportUnit, options: ExportOptions) {
  return buildPrompt(
    {
      systemPrompt: unit.conversation.systemPrompt,
      safetyPreprompt: unit.conversation.safetyPreprompt,
      history: unit.history,
      userMessage: unit.turn.userMessage,
      sentMessages: unit.sentMessages,
    },
    options.safetyPreprompt,
  );
}

/** Anthropic HH: "\n\nHuman: …\n\nAssistant: …" turns; system messages have no place in it. */
function hhDialogue(prompt: readonly ChatMessage[]) {
  return prompt
    .filter((message) => message.role !== "system")
    .map((message) => `\n\n${message.role === "user" ? "Human" : "Assistant"}: ${message.content}`)
    .join("");
}

/**
 * Unpaired rows, as TRL's unpair_preference_dataset makes them but without repeating a response
 * that several pairs share: the best response is desirable, every response it was preferred to
 * (in a pair the filters and the safety rule kept) is undesirable.
 */
function ktoRows(ranking: readonly string[], pairs: readonly { chosenId: string; rejectedId: string }[]) {
  const best = ranking[0];
  const rejected = new Set(pairs.filter((pair) => pair.chosenId === best).map((pair) => pair.rejectedId));
  if (rejected.size === 0) return [];
  return [
    { id: best, label: true },
    ...ranking.filter((id) => rejected.has(id)).map((id) => ({ id, label: false })),
  ];
}

const RESPONSE = t.struct([
  col("response_id", t.string),
  col("position", t.int32),
  col("text", t.string),
  col("variant", t.string),
  col("variant_id", t.string, true),
  col("model", t.string),
  col("version", t.string),
  col("endpoint_kind", t.string),
  col("adapter", t.string, true),
  col("adapter_scale", t.double, true),
  col("temperature", t.double),
  col("top_p", t.double),
  col("top_k", t.int32, true),
  col("max_tokens", t.int32),
  col("seed", t.int64),
  col("finish_reason", t.string, true),
  col("prompt_tokens", t.int32, true),
  col("completion_tokens", t.int32, true),
  col("first_token_ms", t.int32, true),
  col("latency_ms", t.int32, true),
  col("completed_at", t.string, true),
  col("is_safe", t.bool, true),
  col("reward_score", t.double, true),
]);

const PAIR = t.struct([
  col("chosen_response_id", t.string),
  col("rejected_response_id", t.string),
  col("margin", t.double, true),
  col("excluded_by_safety_rule", t.bool),
]);

const BEST_OF_N = t.struct([
  col("n", t.int32),
  col("reward_model", t.string, true),
  col("best_response_id", t.string),
  col("other_response_id", t.string),
  col("best_index", t.int32, true),
  col("other_index", t.int32, true),
  col(
    "samples",
    t.list(
      t.struct([
        col("seed", t.int64),
        col("text", t.string),
        col("finish_reason", t.string, true),
        col("completion_tokens", t.int32, true),
        col("score", t.double),
      ]),
    ),
  ),
]);

const RAW_COLUMNS: Column[] = [
  col("comparison_id", t.string),
  col("campaign", t.string),
  col("campaign_kind", t.string),
  col("batch", t.int32),
  col("batch_label", t.string),
  col("annotator", t.string),
  col("source", t.string),
  col("pair_task_id", t.string, true),
  col("is_gold", t.bool),
  col("gold_expected_response_id", t.string, true),
  col("gold_expected_strength", t.string, true),
  col("ratings_of_turn", t.int32),
  col("conversation_id", t.string),
  col("conversation_origin", t.string),
  col("turn_index", t.int32),
  col("system_prompt", t.string, true),
  col("safety_preprompt", t.string, true),
  col("messages", MESSAGES),
  col("responses", t.list(RESPONSE)),
  col("chosen_response_id", t.string),
  col("rejected_response_id", t.string),
  col("ranking", t.list(t.string)),
  col("strength", t.string),
  col("safety_bin", t.string, true),
  col("risk_category", t.string, true),
  col("attack_vector", t.string, true),
  col("pairs", t.list(PAIR)),
  // The campaign's LLM judge on the rated pair: "winner" (both orders agreed) or "unsure"; null
  // when it has not judged it.
  col("judge_outcome", t.string, true),
  col("judge_winner_response_id", t.string, true),
  col("judge_strength", t.string, true),
  col("judge_rationale", t.string, true),
  col("judge_model", t.string, true),
  // A best-of-N turn: every sample with its reward score, and the two the responses show.
  col("best_of_n", BEST_OF_N, true),
  col("review_status", t.string),
  col("is_reported", t.bool),
  col("integrity_flags", t.list(t.string)),
  col("prompt_cluster", t.string, true),
  col("reference_answer", t.string, true),
  col("note", t.string, true),
  col("time_spent_ms", t.int32),
  col("conversation_started_at", t.string),
  col("created_at", t.string),
];

function rawRow(unit: ExportUnit, context: FormatContext): Row {
  const [comparison] = unit.comparisons;
  const judgement = judgeRating(comparison, context.margins);
  const safety = comparison.responseSafety;
  return {
    comparison_id: comparison.id,
    campaign: unit.campaign.name,
    campaign_kind: unit.campaign.kind,
    batch: unit.batch.number,
    batch_label: unit.batch.label,
    annotator: context.pseudonym(comparison.annotatorId),
    source: comparison.source,
    pair_task_id: comparison.pairTaskId,
    is_gold: comparison.isGold,
    gold_expected_response_id: unit.gold?.expectedChosenResponseId ?? null,
    gold_expected_strength: unit.gold?.expectedStrength ?? null,
    ratings_of_turn: unit.ratingsOfTurn,
    conversation_id: unit.conversation.id,
    conversation_origin: unit.conversation.origin,
    turn_index: unit.turn.index,
    system_prompt: unit.conversation.systemPrompt,
    safety_preprompt: unit.conversation.safetyPreprompt,
    messages: promptOf(unit, context.options),
    responses: unit.responses.map((response) => ({
      response_id: response.id,
      position: response.position,
      text: response.text,
      variant: response.variantName,
      variant_id: response.variantId,
      model: response.model,
      version: response.variantVersion,
      endpoint_kind: response.endpointKind,
      adapter: response.adapterPath && modelFileName(response.adapterPath),
      adapter_scale: response.adapterScale,
      temperature: response.temperature,
      top_p: response.topP,
      top_k: response.topK,
      max_tokens: response.maxTokens,
      seed: response.seed,
      finish_reason: response.finishReason,
      prompt_tokens: response.promptTokens,
      completion_tokens: response.completionTokens,
      first_token_ms: response.firstTokenMs,
      latency_ms: response.latencyMs,
      completed_at: response.completedAt,
      is_safe: safety && response.id in safety ? safety[response.id] : null,
      reward_score: response.rewardScore,
    })),
    chosen_response_id: comparison.chosenResponseId,
    rejected_response_id: comparison.rejectedResponseId,
    ranking: comparison.ranking,
    strength: comparison.strength,
    safety_bin: comparison.safetyBin,
    risk_category: unit.conversation.riskCategory,
    attack_vector: unit.conversation.attackVector,
    pairs: judgement.pairs.map((pair) => ({
      chosen_response_id: pair.chosenId,
      rejected_response_id: pair.rejectedId,
      margin: pair.margin,
      excluded_by_safety_rule: pair.excludedBySafetyRule,
    })),
    judge_outcome: unit.judge?.outcome ?? null,
    judge_winner_response_id: unit.judge?.winnerResponseId ?? null,
    judge_strength: unit.judge?.strength ?? null,
    judge_rationale: unit.judge?.rationale ?? null,
    judge_model: unit.judge?.model ?? null,
    best_of_n: unit.bestOfN && {
      n: unit.bestOfN.n,
      reward_model: unit.bestOfN.rewardModel,
      best_response_id: unit.bestOfN.bestResponseId,
      other_response_id: unit.bestOfN.otherResponseId,
      best_index: unit.bestOfN.bestIndex,
      other_index: unit.bestOfN.otherIndex,
      samples: (unit.bestOfN.samples ?? []).map((sample) => ({
        seed: sample.seed,
        text: sample.text,
        finish_reason: sample.finishReason,
        completion_tokens: sample.completionTokens,
        score: sample.score,
      })),
    },
    review_status: comparison.reviewStatus,
    is_reported: unit.isReported,
    integrity_flags: unit.integrityFlags,
    prompt_cluster: unit.promptCluster,
    reference_answer: unit.referenceAnswer,
    note: comparison.note,
    time_spent_ms: comparison.timeSpentMs,
    conversation_started_at: unit.conversation.createdAt,
    created_at: comparison.createdAt,
  };
}
