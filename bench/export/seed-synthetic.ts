// Writes a synthetic annotation history for the export benchmark straight into PostgreSQL with
// INSERT … SELECT over generate_series (the rows are made by the server, so a million
// comparisons take minutes, not hours): 50 annotators writing 4-turn dialogues at the same
// time, 2 responses per turn and a 4-way ranking on every tenth turn, one comparison per turn.
// Ids are md5-derived, so a re-run writes the same rows. prompt_messages are abbreviated to the
// system and user message: the benchmarked export (safety preprompt stripped) does not read them.
import pg from "pg";

export const BENCH_CAMPAIGN = "bench-export";
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

export interface SeedTarget {
  campaignId: string;
  comparisons: number;
}

async function countComparisons(client: pg.Client, campaignId: string) {
  const { rows } = await client.query<{ count: string }>(
    "select count(*) from comparisons where campaign_id = $1",
    [campaignId],
  );
  return Number(rows[0].count);
}

/** Seeds `comparisons` comparisons (a multiple of 4) unless exactly that many are there already. */
export async function seedSynthetic(
  client: pg.Client,
  comparisons: number,
  log: (line: string) => void,
): Promise<SeedTarget & { seeded: boolean; seconds: number }> {
  const started = Date.now();
  const { rows } = await client.query<{ id: string }>(`select ${id(`'bench-campaign'`)} as id`);
  const campaignId = rows[0].id;
  if ((await countComparisons(client, campaignId)) === comparisons) {
    return { campaignId, comparisons, seeded: false, seconds: 0 };
  }
  const conversations = Math.ceil(comparisons / TURNS);
  log(`seeding ${conversations * TURNS} comparisons (${conversations} dialogues of ${TURNS} turns)`);
  await client.query("delete from campaigns where name = $1", [BENCH_CAMPAIGN]);
  await client.query(
    `insert into users (id, email, name, role)
     select ${id(`'u' || n`)}, 'bench-annotator-' || n || '@bench.arbiter.test', 'Bench annotator ' || n, 'annotator'
     from generate_series(0, ${ANNOTATORS - 1}) n on conflict do nothing`,
  );
  await client.query(
    `insert into campaigns (id, name, kind, responses_per_turn, max_turns, system_prompt)
     values ($1, $2, 'helpfulness', 4, ${TURNS}, 'You are a helpful assistant.')`,
    [campaignId, BENCH_CAMPAIGN],
  );
  await client.query(
    `insert into batches (id, campaign_id, number, label, status) values (${id(`'bench-batch'`)}, $1, 1, 'Batch 1', 'open')`,
    [campaignId],
  );
  await client.query(
    `insert into model_variants (id, campaign_id, name, endpoint_kind, base_url, model, temperature, version_label)
     select ${id(`'v' || v`)}, $1, 'variant-' || v, 'openai', 'http://inference:8000/v1', 'llama-2-7b-chat-' || v, 0.6 + v * 0.2, 'v1'
     from generate_series(0, 3) v`,
    [campaignId],
  );

  for (let from = 0; from < conversations; from += CHUNK_CONVERSATIONS) {
    const to = Math.min(from + CHUNK_CONVERSATIONS, conversations) - 1;
    const range = `generate_series(${from}, ${to}) c`;
    await client.query("begin");
    await client.query(
      `insert into conversations (id, campaign_id, batch_id, annotator_id, origin, status, system_prompt, created_at, updated_at, ended_at)
       select ${conversationId}, $1, ${id(`'bench-batch'`)}, ${id(`'u' || (c % ${ANNOTATORS})`)}, 'synthetic', 'ended',
         'You are a helpful assistant.', ${timeOf("0")}, ${timeOf("0")}, ${timeOf(String(TURNS - 1))}
       from ${range}`,
      [campaignId],
    );
    await client.query(
      `insert into turns (id, conversation_id, index, user_message, chosen_response_id, created_at)
       select ${turnId}, ${conversationId}, t, ${USER_MESSAGE}, ${responseId(CHOSEN)}, ${TIME}
       from ${range}, generate_series(0, ${TURNS - 1}) t`,
    );
    await client.query(
      `insert into responses (id, turn_id, position, variant_id, variant_name, variant_version, model, endpoint_kind,
         endpoint, temperature, top_p, max_tokens, seed, prompt_messages, text, status, finish_reason, prompt_tokens,
         completion_tokens, first_token_ms, latency_ms, created_at, completed_at)
       select ${responseId("p")}, ${turnId}, p, ${id(`'v' || ((c + p) % 4)`)}, 'variant-' || ((c + p) % 4), 'v1',
         'llama-2-7b-chat-' || ((c + p) % 4), 'openai', 'http://inference:8000/v1', 0.6 + ((c + p) % 4) * 0.2, 0.95, 512,
         c * 16 + t * 4 + p,
         jsonb_build_array(jsonb_build_object('role', 'system', 'content', 'You are a helpful assistant.'),
                           jsonb_build_object('role', 'user', 'content', ${USER_MESSAGE})),
         ${RESPONSE_TEXT}, 'completed', 'stop', 120 + 200 * t, 130, 45, 2400, ${TIME}, ${TIME}
       from ${range}, generate_series(0, ${TURNS - 1}) t, generate_series(0, 3) p
       where p < ${RESPONSES}`,
    );
    const ranked = (k: number) => `${responseId(`(${CHOSEN} + ${k}) % ${RESPONSES}`)}::text`;
    await client.query(
      `insert into comparisons (id, turn_id, conversation_id, campaign_id, batch_id, annotator_id, source,
         chosen_response_id, rejected_response_id, ranking, strength, time_spent_ms, idempotency_key, review_status, created_at)
       select ${id(`'m' || c || ':' || t`)}, ${turnId}, ${conversationId}, $1, ${id(`'bench-batch'`)},
         ${id(`'u' || (c % ${ANNOTATORS})`)}, 'primary', ${responseId(CHOSEN)}, ${responseId(`(${CHOSEN} + 1) % ${RESPONSES}`)},
         case when ${RESPONSES} = 2 then jsonb_build_array(${ranked(0)}, ${ranked(1)})
              else jsonb_build_array(${ranked(0)}, ${ranked(1)}, ${ranked(2)}, ${ranked(3)}) end,
         (array['significantly_better', 'better', 'slightly_better', 'negligibly_better'])[1 + (c * ${TURNS} + t) * 7 % 4]::strength,
         5000 + (c * 13 + t * 7) % 60000, 'bench:' || c || ':' || t,
         (case when (c + t) % 5 = 0 then 'accepted' else 'pending' end)::review_status, ${TIME}
       from ${range}, generate_series(0, ${TURNS - 1}) t`,
      [campaignId],
    );
    await client.query("commit");
    log(`  ${(to + 1) * TURNS} / ${conversations * TURNS} comparisons`);
  }
  await client.query("analyze");
  return {
    campaignId,
    comparisons: await countComparisons(client, campaignId),
    seeded: true,
    seconds: (Date.now() - started) / 1000,
  };
}
