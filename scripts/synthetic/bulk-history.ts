// The fast path of the synthetic generator, for benchmarks that need a million comparisons: the
// database makes the rows itself (INSERT … SELECT over generate_series), so a million take
// minutes, not hours. 50 annotators write 4-turn dialogues at the same time, 2 responses per turn
// and a 4-way ranking on every tenth turn, one comparison per turn. Ids are md5-derived, so a
// re-run writes the same rows. Unlike generate-synthetic.ts nothing here is validated or
// statistically shaped, and prompt_messages are abbreviated to the system and user message: the
// benchmarked export (safety preprompt stripped) does not read them.
import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { queryRows } from "@/db/query-rows";

export const BULK_HISTORY_CAMPAIGN = "bench-export";
const TURNS = 4;
const ANNOTATORS = 50;
const CHUNK_CONVERSATIONS = 12_500;

const id = (expression: string) => `md5(${expression})::uuid`;
const conversationId = id(`'c' || c`);
const turnId = id(`'t' || c || ':' || t`);
const responseId = (position: string) => id(`'r' || c || ':' || t || ':' || (${position})`);
/** Responses on this turn: a 4-way ranking on every tenth turn. */
const RESPONSES = `(case when (c * ${TURNS} + t) % 10 = 0 then 4 else 2 end)`;
const CHOSEN = `((c + t) % ${RESPONSES})`;
/** Dialogues are written in parallel by the annotators, so their turns interleave in time. */
const timeOf = (turn: string) =>
  `(timestamptz '2025-01-01 00:00:00+00' + (((c / ${ANNOTATORS}) * ${TURNS} + ${turn}) * ${ANNOTATORS} + c % ${ANNOTATORS}) * interval '2 seconds')`;
const TIME = timeOf("t");
const TOPICS = `(array['photosynthesis','public-key cryptography','compound interest','the water cycle','a hash table',
  'vaccination','a transistor','supply and demand','plate tectonics','garbage collection'])`;
const USER_MESSAGE = `('Could you explain, step by step and with a short example, how ' || ${TOPICS}[1 + (c * 7 + t) % 10] ||
  ' works? I am asking for dialogue ' || c || ', turn ' || t || '.')`;
const RESPONSE_TEXT = `('Here is an explanation of ' || ${TOPICS}[1 + (c * 7 + t) % 10] || ' (answer ' || p || '). First, ' ||
  repeat(md5(c || ':' || t || ':' || p) || ' ', 6) || 'Second, the key idea is that each step builds on the previous one. ' ||
  'In short: ' || md5(p || ':' || c) || '.')`;

export interface BulkHistory {
  campaignId: string;
  comparisons: number;
  /** False: exactly that many were there already and nothing was written. */
  seeded: boolean;
  seconds: number;
}

async function countComparisons(db: Db, campaignId: string) {
  const [row] = await queryRows<{ count: number }>(
    db,
    sql`select count(*)::int as count from comparisons where campaign_id = ${campaignId}`,
  );
  return row.count;
}

/** Writes `comparisons` comparisons (rounded up to a multiple of 4) into the campaign
 * BULK_HISTORY_CAMPAIGN, replacing it, unless exactly that many are there already. */
export async function writeBulkHistory(
  db: Db,
  comparisons: number,
  log: (line: string) => void,
): Promise<BulkHistory> {
  const started = Date.now();
  const [{ campaignId }] = await queryRows<{ campaignId: string }>(
    db,
    sql.raw(`select ${id(`'bench-campaign'`)}::text as "campaignId"`),
  );
  if ((await countComparisons(db, campaignId)) === comparisons) {
    return { campaignId, comparisons, seeded: false, seconds: 0 };
  }
  const conversations = Math.ceil(comparisons / TURNS);
  log(`seeding ${conversations * TURNS} comparisons (${conversations} dialogues of ${TURNS} turns)`);
  const campaign = sql`${campaignId}::uuid`;
  const raw = sql.raw;
  await db.execute(sql`delete from campaigns where name = ${BULK_HISTORY_CAMPAIGN}`);
  await db.execute(
    raw(`insert into users (id, email, name, role)
     select ${id(`'u' || n`)}, 'bench-annotator-' || n || '@bench.arbiter.test', 'Bench annotator ' || n, 'annotator'
     from generate_series(0, ${ANNOTATORS - 1}) n on conflict do nothing`),
  );
  await db.execute(
    sql`insert into campaigns (id, name, kind, responses_per_turn, max_turns, system_prompt)
     values (${campaign}, ${BULK_HISTORY_CAMPAIGN}, 'helpfulness', 4, ${raw(String(TURNS))}, 'You are a helpful assistant.')`,
  );
  await db.execute(
    sql`insert into batches (id, campaign_id, number, label, status) values (${raw(id(`'bench-batch'`))}, ${campaign}, 1, 'Batch 1', 'open')`,
  );
  await db.execute(
    sql`insert into model_variants (id, campaign_id, name, endpoint_kind, base_url, model, temperature, version_label)
     select ${raw(id(`'v' || v`))}, ${campaign}, 'variant-' || v, 'openai', 'http://inference:8000/v1', 'llama-2-7b-chat-' || v, 0.6 + v * 0.2, 'v1'
     from generate_series(0, 3) v`,
  );

  for (let from = 0; from < conversations; from += CHUNK_CONVERSATIONS) {
    const to = Math.min(from + CHUNK_CONVERSATIONS, conversations) - 1;
    const range = raw(`generate_series(${from}, ${to}) c`);
    const ranked = (k: number) => `${responseId(`(${CHOSEN} + ${k}) % ${RESPONSES}`)}::text`;
    await db.transaction(async (tx) => {
      await tx.execute(
        sql`insert into conversations (id, campaign_id, batch_id, annotator_id, origin, status, system_prompt, created_at, updated_at, ended_at)
       select ${raw(conversationId)}, ${campaign}, ${raw(id(`'bench-batch'`))}, ${raw(id(`'u' || (c % ${ANNOTATORS})`))}, 'synthetic', 'ended',
         'You are a helpful assistant.', ${raw(timeOf("0"))}, ${raw(timeOf("0"))}, ${raw(timeOf(String(TURNS - 1)))}
       from ${range}`,
      );
      await tx.execute(
        sql`insert into turns (id, conversation_id, index, user_message, chosen_response_id, created_at)
       select ${raw(turnId)}, ${raw(conversationId)}, t, ${raw(USER_MESSAGE)}, ${raw(responseId(CHOSEN))}, ${raw(TIME)}
       from ${range}, generate_series(0, ${raw(String(TURNS - 1))}) t`,
      );
      await tx.execute(
        raw(`insert into responses (id, turn_id, position, variant_id, variant_name, variant_version, model, endpoint_kind,
         endpoint, temperature, top_p, max_tokens, seed, prompt_messages, text, status, finish_reason, prompt_tokens,
         completion_tokens, first_token_ms, latency_ms, created_at, completed_at)
       select ${responseId("p")}, ${turnId}, p, ${id(`'v' || ((c + p) % 4)`)}, 'variant-' || ((c + p) % 4), 'v1',
         'llama-2-7b-chat-' || ((c + p) % 4), 'openai', 'http://inference:8000/v1', 0.6 + ((c + p) % 4) * 0.2, 0.95, 512,
         c * 16 + t * 4 + p,
         jsonb_build_array(jsonb_build_object('role', 'system', 'content', 'You are a helpful assistant.'),
                           jsonb_build_object('role', 'user', 'content', ${USER_MESSAGE})),
         ${RESPONSE_TEXT}, 'completed', 'stop', 120 + 200 * t, 130, 45, 2400, ${TIME}, ${TIME}
       from generate_series(${from}, ${to}) c, generate_series(0, ${TURNS - 1}) t, generate_series(0, 3) p
       where p < ${RESPONSES}`),
      );
      await tx.execute(
        sql`insert into comparisons (id, turn_id, conversation_id, campaign_id, batch_id, annotator_id, source,
         chosen_response_id, rejected_response_id, ranking, strength, time_spent_ms, idempotency_key, review_status, created_at)
       select ${raw(id(`'m' || c || ':' || t`))}, ${raw(turnId)}, ${raw(conversationId)}, ${campaign}, ${raw(id(`'bench-batch'`))},
         ${raw(id(`'u' || (c % ${ANNOTATORS})`))}, 'primary', ${raw(responseId(CHOSEN))}, ${raw(responseId(`(${CHOSEN} + 1) % ${RESPONSES}`))},
         ${raw(`case when ${RESPONSES} = 2 then jsonb_build_array(${ranked(0)}, ${ranked(1)})
              else jsonb_build_array(${ranked(0)}, ${ranked(1)}, ${ranked(2)}, ${ranked(3)}) end`)},
         (array['significantly_better', 'better', 'slightly_better', 'negligibly_better'])[${raw(`1 + (c * ${TURNS} + t) * 7 % 4`)}]::strength,
         ${raw(`5000 + (c * 13 + t * 7) % 60000`)}, 'bench:' || c || ':' || t,
         (case when (c + t) % 5 = 0 then 'accepted' else 'pending' end)::review_status, ${raw(TIME)}
       from ${range}, generate_series(0, ${raw(String(TURNS - 1))}) t`,
      );
    });
    log(`  ${(to + 1) * TURNS} / ${conversations * TURNS} comparisons`);
  }
  await db.execute(sql`analyze`);
  return {
    campaignId,
    comparisons: await countComparisons(db, campaignId),
    seeded: true,
    seconds: (Date.now() - started) / 1000,
  };
}
