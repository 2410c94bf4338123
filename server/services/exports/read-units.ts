// Reads the comparisons of an export in pages, in a stable order — campaign by campaign
// (created_at, id), and within a campaign by (comparisons.created_at, id) with keyset
// pagination — and joins each page's dialogues, responses and history with one query each,
// so memory holds one page and the work per row does not depend on the table's size.
import { sql, type SQL } from "drizzle-orm";
import type { Db } from "@/db/client";
import { queryRows } from "@/db/query-rows";
import type { ConversationOrigin } from "@/db/schema";
import { NotFoundError, ValidationError } from "@/server/errors";
import { isTrainingFormat, type ExportOptions } from "./options";
import type { ChatMessage, EarlierTurn } from "./prompt";
import type {
  BatchInfo,
  BestOfNRecord,
  CampaignInfo,
  ComparisonRecord,
  ConversationInfo,
  ExportUnit,
  GoldInfo,
  JudgeLabel,
  ResponseRecord,
} from "./records";

const PAGE_SIZE = 1000;

export interface ExportScope {
  campaigns: CampaignInfo[];
  batches: Map<string, BatchInfo>;
  /** Null: every batch of the campaigns. */
  batchIds: string[] | null;
  /** The database's time when the export began: comparisons submitted later are not read, so
   * annotators working meanwhile neither change the export nor push it past its progress total. */
  snapshotAt: string;
}

/** A uuid[] parameter (one bound value, whatever the number of ids). */
function uuidArray(ids: readonly string[]) {
  return sql`${`{${ids.join(",")}}`}::uuid[]`;
}

const ISO = (column: SQL) => sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export async function resolveScope(db: Db, options: ExportOptions): Promise<ExportScope> {
  const campaigns = await queryRows<CampaignInfo>(
    db,
    sql`select id, name, kind from campaigns
        where ${
          options.campaigns.length
            ? sql`name in (${sql.join(
                options.campaigns.map((name) => sql`${name}`),
                sql`, `,
              )})`
            : sql`true`
        }
          and ${options.campaignKind ? sql`kind = ${options.campaignKind}` : sql`true`}
        order by created_at, id`,
  );
  const missing = options.campaigns.filter((name) => !campaigns.some((campaign) => campaign.name === name));
  if (missing.length) {
    throw new NotFoundError(
      `No campaign is named ${missing.map((name) => `"${name}"`).join(", ")}${options.campaignKind ? ` (of kind ${options.campaignKind})` : ""}. Check the names on the Campaigns page.`,
    );
  }
  if (campaigns.length === 0) {
    throw new NotFoundError(`There is no ${options.campaignKind ?? "such"} campaign to export yet.`);
  }
  const batchRows = await queryRows<BatchInfo & { campaignId: string }>(
    db,
    sql`select id, campaign_id as "campaignId", number, label from batches
        where campaign_id = any(${uuidArray(campaigns.map((campaign) => campaign.id))})`,
  );
  const batches = new Map(
    batchRows.map((batch) => [batch.id, { id: batch.id, number: batch.number, label: batch.label }]),
  );
  let batchIds: string[] | null = null;
  if (options.batches.length) {
    batchIds = batchRows.filter((batch) => options.batches.includes(batch.number)).map((batch) => batch.id);
    if (batchIds.length === 0) {
      throw new ValidationError(
        `The chosen campaigns have no batch numbered ${options.batches.join(", ")}. Leave the batches empty to export all of them.`,
      );
    }
  }
  const [{ now }] = await queryRows<{ now: string }>(db, sql`select ${ISO(sql`now()`)} as now`);
  return {
    campaigns: campaigns.map(({ id, name, kind }) => ({ id, name, kind })),
    batches,
    batchIds,
    snapshotAt: now,
  };
}

/** "anchors": the comparisons an export pages through; "overlap": ratings aggregated with them. */
type Role = "anchors" | "overlap";

/** Which comparisons an export reads. Training formats leave gold-task answers (checks of the
 * annotator, not new data) out; with aggregated overlap the author's rating anchors each turn. */
function sourceFilter(options: ExportOptions, role: Role): SQL {
  if (!isTrainingFormat(options.format)) return sql`true`;
  if (role === "overlap") return sql`c.source = 'overlap'`;
  if (options.overlap === "aggregate") return sql`c.source = 'primary'`;
  return sql`c.source in ('primary', 'overlap')`;
}

/** The rating's own label passes the strength and review filters (keepsHumanLabel in SQL). */
function humanLabelFilter(options: ExportOptions): SQL {
  const parts: SQL[] = [];
  if (options.dropNegligible) parts.push(sql`c.strength <> 'negligibly_better'`);
  if (options.acceptedOnly) parts.push(sql`c.review_status = 'accepted'`);
  else if (options.excludeRejected) parts.push(sql`c.review_status <> 'rejected'`);
  return parts.length ? sql.join(parts, sql` and `) : sql`true`;
}

/** Which ratings give a row: by their own label, the judge's (judgeLabelOf), or either. */
function labelFilter(options: ExportOptions): SQL {
  if (!isTrainingFormat(options.format) || options.labels === "human") return humanLabelFilter(options);
  const judged = sql`exists (select 1 from comparison_assists a where a.comparison_id = c.id
    and a.judge_outcome = 'winner' ${options.dropNegligible ? sql`and a.judge_strength <> 'negligibly_better'` : sql``})`;
  return options.labels === "judge" ? judged : sql`((${humanLabelFilter(options)}) or ${judged})`;
}

function filters(scope: ExportScope, options: ExportOptions, role: Role): SQL {
  const parts: SQL[] = [sourceFilter(options, role), sql`c.created_at <= ${scope.snapshotAt}::timestamptz`];
  if (scope.batchIds) parts.push(sql`c.batch_id = any(${uuidArray(scope.batchIds)})`);
  if (options.from) parts.push(sql`c.created_at >= ${options.from}::timestamptz`);
  if (options.to) parts.push(sql`c.created_at < ${options.to}::timestamptz`);
  parts.push(labelFilter(options));
  if (options.excludeReported) {
    parts.push(sql`not exists (select 1 from problem_reports pr where pr.turn_id = c.turn_id)`);
  }
  // Identity leaks and identity questions (flagged when saved): kept in raw, where they are marked.
  if (options.excludeFlagged && isTrainingFormat(options.format)) {
    parts.push(sql`not exists (select 1 from turn_flags tf where tf.turn_id = c.turn_id)`);
  }
  return sql.join(parts, sql` and `);
}

/** How many comparisons the export will read (the progress total). */
export async function countComparisons(db: Db, scope: ExportScope, options: ExportOptions): Promise<number> {
  const [{ count }] = await queryRows<{ count: number }>(
    db,
    sql`select count(*)::int as count from comparisons c
        where c.campaign_id = any(${uuidArray(scope.campaigns.map((campaign) => campaign.id))})
          and ${filters(scope, options, "anchors")}`,
  );
  return count;
}

/** "count-per-batch" split: the n dialogues with the smallest split keys in each batch. */
export async function readTestConversations(
  db: Db,
  scope: ExportScope,
  options: ExportOptions,
): Promise<Set<string>> {
  const found = await queryRows<{ id: string }>(
    db,
    sql`select id from (
          select v.id, row_number() over (
            partition by v.batch_id
            order by encode(sha256(convert_to(${options.split.seed} || ':' || v.id::text, 'UTF8')), 'hex')
          ) as rank
          from conversations v
          where v.campaign_id = any(${uuidArray(scope.campaigns.map((campaign) => campaign.id))})
            and exists (select 1 from comparisons c where c.conversation_id = v.id and ${filters(scope, options, "anchors")})
        ) ranked
        where rank <= ${options.split.value}`,
  );
  return new Set(found.map((row) => row.id));
}

const COMPARISON_COLUMNS = sql`
  c.id, ${ISO(sql`c.created_at`)} as "createdAt", c.turn_id as "turnId", c.conversation_id as "conversationId",
  c.campaign_id as "campaignId", c.batch_id as "batchId", c.annotator_id as "annotatorId", c.source,
  c.pair_task_id as "pairTaskId", c.chosen_response_id as "chosenResponseId",
  c.rejected_response_id as "rejectedResponseId", c.ranking, c.strength, c.response_safety as "responseSafety",
  c.safety_bin as "safetyBin", c.note, c.time_spent_ms as "timeSpentMs", c.review_status as "reviewStatus",
  c.is_gold as "isGold"`;

type PageRow = ComparisonRecord & {
  turnIndex: number;
  userMessage: string;
  turnChosenResponseId: string | null;
};

export interface UnitPage {
  units: ExportUnit[];
  /** Comparisons this page read, overlap ratings attached to them not counted (the progress step). */
  comparisonsRead: number;
}

/**
 * Pages of units, in export order. The next page is read while the caller works on the current
 * one (PostgreSQL and Node then use separate cores); at most two pages are held. Stops between
 * pages when `signal` aborts.
 */
export async function* readUnits(
  db: Db,
  scope: ExportScope,
  options: ExportOptions,
  { signal, pageSize = PAGE_SIZE }: { signal?: AbortSignal; pageSize?: number } = {},
): AsyncGenerator<UnitPage> {
  const conversationCache = new Map<string, ConversationInfo>();
  for (const campaign of scope.campaigns) {
    const load = async (cursor: Cursor | null) => {
      signal?.throwIfAborted();
      const page = await readPage(db, scope, options, campaign, cursor, pageSize);
      if (page.length === 0) return null;
      const last = page[page.length - 1];
      const units = await joinPage(db, scope, options, campaign, page, conversationCache);
      return {
        units,
        comparisonsRead: page.length,
        next: page.length < pageSize ? null : { createdAt: last.createdAt, id: last.id },
      };
    };
    // A read ahead that fails while the caller stops early (cancelled, or failed itself) is not
    // an unhandled rejection: it is marked handled now, and rethrown when awaited.
    const readAhead = (cursor: Cursor | null) => {
      const promise = load(cursor);
      promise.catch(() => {});
      return promise;
    };
    let pending: ReturnType<typeof load> | null = readAhead(null);
    while (pending) {
      const loaded = await pending;
      pending = null;
      if (!loaded) break;
      if (loaded.next) pending = readAhead(loaded.next);
      yield { units: loaded.units, comparisonsRead: loaded.comparisonsRead };
    }
  }
}

type Cursor = { createdAt: string; id: string };

function readPage(
  db: Db,
  scope: ExportScope,
  options: ExportOptions,
  campaign: CampaignInfo,
  cursor: Cursor | null,
  pageSize: number,
) {
  const after: SQL = cursor
    ? sql`and c.created_at >= ${cursor.createdAt}::timestamptz and (c.created_at, c.id) > (${cursor.createdAt}::timestamptz, ${cursor.id}::uuid)`
    : sql``;
  return queryRows<PageRow>(
    db,
    sql`select ${COMPARISON_COLUMNS}, t.index as "turnIndex", t.user_message as "userMessage",
          t.chosen_response_id as "turnChosenResponseId"
        from comparisons c join turns t on t.id = c.turn_id
        where c.campaign_id = ${campaign.id} and ${filters(scope, options, "anchors")} ${after}
        order by c.created_at, c.id
        limit ${pageSize}`,
  );
}

async function joinPage(
  db: Db,
  scope: ExportScope,
  options: ExportOptions,
  campaign: CampaignInfo,
  page: PageRow[],
  conversationCache: Map<string, ConversationInfo>,
): Promise<ExportUnit[]> {
  const turnIds = uuidArray([...new Set(page.map((row) => row.turnId))]);
  const conversationIds = [...new Set(page.map((row) => row.conversationId))];
  // A turn's history is its dialogue's earlier turns. Those on this page (most of them: a
  // dialogue's turns are close in time) come with the page and its responses; the others are read.
  const pageTurns = new Map<string, PageRow>();
  for (const row of page) pageTurns.set(`${row.conversationId} ${row.turnIndex}`, row);
  const missing = new Map<string, { conversationId: string; index: number }>();
  for (const row of page) {
    for (let index = 0; index < row.turnIndex; index++) {
      const key = `${row.conversationId} ${index}`;
      if (!pageTurns.has(key)) missing.set(key, { conversationId: row.conversationId, index });
    }
  }
  const missingTurns = [...missing.values()];
  const isRaw = options.format === "raw";
  const isAggregated = isTrainingFormat(options.format) && options.overlap === "aggregate";

  // The dialogues, cached across pages (a dialogue's turns are usually neighbours in time).
  if (conversationCache.size > 4 * PAGE_SIZE) conversationCache.clear();
  const unknown = conversationIds.filter((id) => !conversationCache.has(id));

  // Independent reads, sent together: on PostgreSQL they run on separate connections.
  // The campaign's LLM judge on the page's ratings (raw columns, or labels from the judge), read
  // beside the reads below; a failure is rethrown when awaited, not left unhandled meanwhile.
  const judgeLabels =
    isRaw || options.labels !== "human"
      ? queryRows<JudgeLabel & { comparisonId: string }>(
          db,
          sql`select comparison_id as "comparisonId", judge_outcome as outcome,
                judge_winner_response_id as "winnerResponseId", judge_strength as strength,
                judge_rationale as rationale, judge_model as model
              from comparison_assists
              where comparison_id = any(${uuidArray(page.map((row) => row.id))}) and judged_at is not null`,
        )
      : Promise.resolve([]);
  judgeLabels.catch(() => {});
  const bestOfNRows = isRaw
    ? queryRows<BestOfNRecord & { turnId: string }>(
        db,
        sql`select turn_id as "turnId", n, reward_model as "rewardModel", best_response_id as "bestResponseId",
              other_response_id as "otherResponseId", best_index as "bestIndex", other_index as "otherIndex", samples
            from best_of_n_turns where turn_id = any(${turnIds})`,
      )
    : Promise.resolve([]);
  bestOfNRows.catch(() => {});
  // Raw only: each dialogue's near-duplicate cluster (flag-near-duplicates.ts), named by the
  // dialogue whose opening prompt started it.
  const promptClusterRows = isRaw
    ? queryRows<{ conversationId: string; clusterConversationId: string; position: number }>(
        db,
        sql`select o.conversation_id as "conversationId", first.conversation_id as "clusterConversationId",
              ps.cluster_position as position
            from turns o
            join prompt_signatures ps on ps.turn_id = o.id
            join turns first on first.id = ps.cluster_turn_id
            where o.conversation_id = any(${uuidArray(conversationIds)}) and o.index = 0`,
      )
    : Promise.resolve([]);
  promptClusterRows.catch(() => {});
  // Raw only: the reference answer of the set prompt a dialogue opened with (prompt sets).
  const referenceRows = isRaw
    ? queryRows<{ conversationId: string; referenceAnswer: string }>(
        db,
        sql`select ps.conversation_id as "conversationId", i.reference_answer as "referenceAnswer"
            from prompt_slots ps join prompt_set_items i on i.id = ps.item_id
            where ps.conversation_id = any(${uuidArray(conversationIds)}) and i.reference_answer is not null`,
      )
    : Promise.resolve([]);
  referenceRows.catch(() => {});
  const [found, historyRows, responseRows, overlap, gold, ratingCounts, reported, flags] = await Promise.all([
    unknown.length
      ? queryRows<ConversationInfo>(
          db,
          sql`select id, origin, batch_id as "batchId", system_prompt as "systemPrompt",
                safety_preprompt as "safetyPreprompt", risk_category as "riskCategory",
                attack_vector as "attackVector", ${ISO(sql`created_at`)} as "createdAt"
              from conversations where id = any(${uuidArray(unknown)})`,
        )
      : [],
    // Earlier turns that are not on the page, with their chosen responses.
    missingTurns.length
      ? queryRows<{ conversationId: string; index: number; userMessage: string; chosen: string | null }>(
          db,
          sql`select t.conversation_id as "conversationId", t.index, t.user_message as "userMessage", r.text as chosen
              from unnest(${uuidArray(missingTurns.map((turn) => turn.conversationId))},
                          ${`{${missingTurns.map((turn) => turn.index).join(",")}}`}::int[]) as m(conversation_id, index)
              join turns t on t.conversation_id = m.conversation_id and t.index = m.index
              left join responses r on r.id = t.chosen_response_id`,
        )
      : [],
    // Generation details are read for the raw format only; the others need the text and the model.
    queryRows<ResponseRecord & { turnId: string; promptMessages: ChatMessage[] | null }>(
      db,
      sql`select r.id, r.turn_id as "turnId", r.position, r.text, r.variant_name as "variantName",
            r.variant_version as "variantVersion", r.model,
            ${
              isRaw
                ? sql`r.variant_id as "variantId", r.endpoint_kind as "endpointKind",
                  r.adapter_path as "adapterPath", r.adapter_scale as "adapterScale", r.temperature, r.top_p as "topP",
                  r.top_k as "topK", r.max_tokens as "maxTokens", r.seed::float8 as seed, r.finish_reason as "finishReason",
                  r.prompt_tokens as "promptTokens", r.completion_tokens as "completionTokens",
                  r.first_token_ms as "firstTokenMs", r.latency_ms as "latencyMs",
                  ${ISO(sql`r.completed_at`)} as "completedAt",
                  (select s.score from response_reward_scores s where s.response_id = r.id) as "rewardScore",`
                : sql``
            }
            ${
              // A kept safety preprompt needs what was sent (the same for every response of a turn).
              options.safetyPreprompt === "keep"
                ? sql`case when r.position = (select min(position) from responses p where p.turn_id = r.turn_id)
                        then r.prompt_messages end as "promptMessages"`
                : sql`null as "promptMessages"`
            }
          from responses r where r.turn_id = any(${turnIds})
          order by r.turn_id, r.position`,
    ),
    // Overlap ratings of the page's turns, to aggregate with the author's.
    isAggregated
      ? queryRows<ComparisonRecord>(
          db,
          sql`select ${COMPARISON_COLUMNS} from comparisons c
              where c.turn_id = any(${turnIds}) and ${filters(scope, options, "overlap")}
              order by c.created_at, c.id`,
        )
      : [],
    // Raw only: gold answers, how often each turn was rated, and problem reports.
    isRaw
      ? queryRows<GoldInfo & { turnId: string }>(
          db,
          sql`select turn_id as "turnId", expected_chosen_response_id as "expectedChosenResponseId",
                expected_strength as "expectedStrength"
              from gold_items where turn_id = any(${turnIds})`,
        )
      : [],
    isRaw
      ? queryRows<{ turnId: string; count: number }>(
          db,
          sql`select turn_id as "turnId", count(*)::int as count from comparisons
              where turn_id = any(${turnIds}) group by turn_id`,
        )
      : [],
    isRaw
      ? queryRows<{ turnId: string }>(
          db,
          sql`select distinct turn_id as "turnId" from problem_reports where turn_id = any(${turnIds})`,
        )
      : [],
    isRaw
      ? queryRows<{ turnId: string; kind: string }>(
          db,
          sql`select turn_id as "turnId", kind::text as kind from turn_flags
              where turn_id = any(${turnIds}) order by kind`,
        )
      : [],
  ]);
  const judged = await judgeLabels;

  for (const conversation of found) {
    conversationCache.set(conversation.id, {
      ...conversation,
      origin: conversation.origin as ConversationOrigin,
    });
  }
  const readTurns = new Map<string, EarlierTurn>();
  for (const row of historyRows) {
    readTurns.set(`${row.conversationId} ${row.index}`, {
      userMessage: row.userMessage,
      assistantMessage: row.chosen,
    });
  }
  // Rows are used as they come from the driver (no copies: a page is thousands of them).
  const responsesByTurn = groupBy(responseRows, (row) => row.turnId);
  const earlierTurn = (conversationId: string, index: number): EarlierTurn | undefined => {
    const key = `${conversationId} ${index}`;
    const onPage = pageTurns.get(key);
    if (!onPage) return readTurns.get(key);
    const chosenId = onPage.turnChosenResponseId;
    const chosen = chosenId
      ? responsesByTurn.get(onPage.turnId)?.find((response) => response.id === chosenId)
      : undefined;
    return { userMessage: onPage.userMessage, assistantMessage: chosen?.text ?? null };
  };
  const historyOf = (conversationId: string, turnIndex: number) => {
    const history: EarlierTurn[] = [];
    for (let index = 0; index < turnIndex; index++) {
      const turn = earlierTurn(conversationId, index);
      if (turn) history.push(turn);
    }
    return history;
  };
  const sentByTurn = new Map<string, ChatMessage[]>();
  for (const row of responseRows) if (row.promptMessages) sentByTurn.set(row.turnId, row.promptMessages);
  const overlapByTurn = groupBy(overlap, (rating) => rating.turnId);
  const goldByTurn = new Map(
    gold.map(({ turnId, ...item }) => [
      turnId,
      { expectedChosenResponseId: item.expectedChosenResponseId, expectedStrength: item.expectedStrength },
    ]),
  );
  const ratingsByTurn = new Map(ratingCounts.map((row) => [row.turnId, row.count]));
  const reportedTurns = new Set(reported.map((row) => row.turnId));
  const flagsByTurn = groupBy(flags, (flag) => flag.turnId);
  const judgeByComparison = new Map(judged.map(({ comparisonId, ...label }) => [comparisonId, label]));
  const bestOfNByTurn = new Map((await bestOfNRows).map(({ turnId, ...record }) => [turnId, record]));
  const clusterOf = new Map((await promptClusterRows).map((row) => [row.conversationId, row]));
  const referenceOf = new Map((await referenceRows).map((row) => [row.conversationId, row.referenceAnswer]));
  const integrityFlagsOf = (comparison: PageRow) => {
    const flagged = (flagsByTurn.get(comparison.turnId) ?? []).map((flag) => flag.kind);
    // Every turn of a dialogue that opened with a near-duplicate prompt.
    const isNearDuplicate = (clusterOf.get(comparison.conversationId)?.position ?? 0) > 0;
    return isNearDuplicate ? [...flagged, "near-duplicate"] : flagged;
  };

  return page.map((comparison) => ({
    comparisons: isAggregated ? [comparison, ...(overlapByTurn.get(comparison.turnId) ?? [])] : [comparison],
    campaign,
    batch: scope.batches.get(comparison.batchId)!,
    conversation: conversationCache.get(comparison.conversationId)!,
    turn: { id: comparison.turnId, index: comparison.turnIndex, userMessage: comparison.userMessage },
    history: historyOf(comparison.conversationId, comparison.turnIndex),
    responses: responsesByTurn.get(comparison.turnId) ?? [],
    sentMessages: sentByTurn.get(comparison.turnId) ?? null,
    gold: goldByTurn.get(comparison.turnId) ?? null,
    ratingsOfTurn: ratingsByTurn.get(comparison.turnId) ?? 1,
    isReported: reportedTurns.has(comparison.turnId),
    integrityFlags: integrityFlagsOf(comparison),
    promptCluster: clusterOf.get(comparison.conversationId)?.clusterConversationId ?? null,
    referenceAnswer: referenceOf.get(comparison.conversationId) ?? null,
    judge: judgeByComparison.get(comparison.id) ?? null,
    bestOfN: bestOfNByTurn.get(comparison.turnId) ?? null,
  }));
}

function groupBy<T>(items: readonly T[], key: (item: T) => string) {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const list = groups.get(key(item));
    if (list) list.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}
