// Upgrading a database that holds data: for each earlier version, migrate a fresh database to it,
// write data valid at that version (plain SQL, as that version's code would have), then migrate to
// the latest version, and check that the rollups behind the dashboard and leaderboard (which later
// migrations add and rebuild) say what the raw rows say, and that sign-in data came through.
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { getCampaignDashboard } from "@/server/services/dashboard/campaign-dashboard";
import { leaderboardAndRankings, rollupDisagreements } from "@/server/testing/rollup-checks";
import { migrateDatabase, type Db } from "./client";
import { queryRows } from "./query-rows";
import { createBlankTestDb } from "./testing";

const MIGRATIONS = path.resolve(import.meta.dirname, "migrations");
interface JournalEntry {
  idx: number;
  tag: string;
}
const journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS, "meta/_journal.json"), "utf8")) as {
  entries: JournalEntry[];
};
/** The first version with the annotation tables (campaigns, comparisons, …). */
const ANNOTATION_VERSION = journal.entries.findIndex((entry) => entry.tag.startsWith("0001_"));

const folders: string[] = [];
afterAll(() => folders.forEach((folder) => fs.rmSync(folder, { recursive: true, force: true })));

/** db/migrations as it stood at `version`: its SQL files and journal up to that entry. */
function migrationsUpTo(version: number) {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "arbiter-migrations-"));
  folders.push(folder);
  const entries = journal.entries.slice(0, version + 1);
  fs.mkdirSync(path.join(folder, "meta"));
  fs.writeFileSync(path.join(folder, "meta/_journal.json"), JSON.stringify({ ...journal, entries }));
  for (const entry of entries)
    fs.copyFileSync(path.join(MIGRATIONS, `${entry.tag}.sql`), path.join(folder, `${entry.tag}.sql`));
  return folder;
}

const uuid = () => crypto.randomUUID();
const STRENGTHS = ["significantly_better", "better", "slightly_better", "negligibly_better"] as const;

/** People, a session and an invitation: the tables of the first version. */
async function seedPeople(db: Db) {
  const admin = uuid();
  const annotators = [uuid(), uuid(), uuid()];
  await db.execute(sql`insert into users (id, email, name, role, password_hash) values
    (${admin}, 'admin@upgrade.test', 'Admin', 'admin', 'not-a-real-hash'),
    (${annotators[0]}, 'a0@upgrade.test', 'A0', 'annotator', null),
    (${annotators[1]}, 'a1@upgrade.test', 'A1', 'annotator', null),
    (${annotators[2]}, 'a2@upgrade.test', 'A2', 'reviewer', null)`);
  await db.execute(
    sql`insert into sessions (user_id, expires_at) values (${admin}, now() + interval '1 day')`,
  );
  await db.execute(sql`insert into user_invitations (user_id, token_hash, expires_at)
    values (${annotators[0]}, 'upgrade-token-hash', now() + interval '1 day')`);
  await db.execute(
    sql`insert into audit_log (action, target_type, target_id) values ('user.invited', 'user', ${annotators[0]})`,
  );
  return { admin, annotators };
}

/**
 * Two campaigns (two responses per turn, and a safety one with rankings of three) with judged
 * multi-turn dialogues in two batches: only the columns the annotation tables had at first.
 */
async function seedAnnotations(db: Db, people: Awaited<ReturnType<typeof seedPeople>>) {
  const campaigns: string[] = [];
  let sequence = 0;
  for (const [kind, perTurn] of [
    ["helpfulness", 2],
    ["safety", 3],
  ] as const) {
    const campaign = uuid();
    campaigns.push(campaign);
    await db.execute(sql`insert into campaigns (id, name, kind, responses_per_turn, status, created_by_id)
      values (${campaign}, ${`Upgrade ${kind}`}, ${kind}, ${perTurn}, 'active', ${people.admin})`);
    const variants = ["alpha", "beta", "gamma", "delta"];
    for (const name of variants) {
      await db.execute(sql`insert into model_variants (campaign_id, name, endpoint_kind, model, version_label)
        values (${campaign}, ${name}, 'openai', ${name}, 'v1')`);
    }
    const batches = [uuid(), uuid()];
    for (const [index, batch] of batches.entries()) {
      await db.execute(sql`insert into batches (id, campaign_id, number, label, status)
        values (${batch}, ${campaign}, ${index + 1}, ${`Batch ${index + 1}`}, ${index === 0 ? "closed" : "open"})`);
    }
    for (let dialogue = 0; dialogue < 12; dialogue++) {
      const conversation = uuid();
      const batch = batches[dialogue % 2];
      const annotator = people.annotators[dialogue % 3];
      const day = `2026-0${1 + (dialogue % 3)}-1${dialogue % 10}T12:00:00Z`;
      await db.execute(sql`insert into conversations (id, campaign_id, batch_id, annotator_id, status, created_at)
        values (${conversation}, ${campaign}, ${batch}, ${annotator}, 'ended', ${day})`);
      for (let turnIndex = 0; turnIndex < 1 + (dialogue % 2); turnIndex++) {
        const turn = uuid();
        await db.execute(sql`insert into turns (id, conversation_id, index, user_message)
          values (${turn}, ${conversation}, ${turnIndex}, ${`Question ${dialogue}.${turnIndex}`})`);
        const responseIds: string[] = [];
        for (let position = 0; position < perTurn; position++) {
          const response = uuid();
          responseIds.push(response);
          const variant = variants[(dialogue + turnIndex + position) % variants.length];
          await db.execute(sql`insert into responses (id, turn_id, position, variant_name, variant_version, model,
              endpoint_kind, endpoint, temperature, top_p, max_tokens, seed, prompt_messages, status, text)
            values (${response}, ${turn}, ${position}, ${variant}, 'v1', ${variant}, 'openai', 'http://127.0.0.1:9/v1',
              0.7, 0.9, 64, ${position}, '[]'::jsonb, 'completed', ${`Answer ${position}`})`);
        }
        const ranking = [...responseIds].sort(() => (sequence++ % 3) - 1);
        const strength = STRENGTHS[sequence % STRENGTHS.length];
        const review = ["pending", "accepted", "rejected"][sequence % 3];
        const safetyBin = kind === "safety" ? "both_safe" : null;
        await db.execute(sql`insert into comparisons (turn_id, conversation_id, campaign_id, batch_id, annotator_id,
            chosen_response_id, rejected_response_id, ranking, strength, safety_bin, time_spent_ms, idempotency_key,
            review_status, created_at)
          values (${turn}, ${conversation}, ${campaign}, ${batch}, ${annotator}, ${ranking[0]}, ${ranking[1]},
            ${JSON.stringify(ranking)}::jsonb, ${strength}, ${safetyBin}, ${1000 + 997 * sequence}, ${uuid()},
            ${review}, ${day})`);
      }
    }
  }
  return campaigns;
}

describe("migrating a database that holds data", () => {
  const versions = journal.entries.slice(0, -1);

  it("covers every earlier version", () => {
    expect(versions.length).toBeGreaterThanOrEqual(10);
    expect(ANNOTATION_VERSION).toBe(1);
  });

  it.each(versions)("from $tag to the latest keeps the data and rollups that match it", async ({ idx }) => {
    const database = await createBlankTestDb();
    try {
      await migrateDatabase(database, migrationsUpTo(idx));
      const people = await seedPeople(database.db);
      const campaigns = idx >= ANNOTATION_VERSION ? await seedAnnotations(database.db, people) : [];
      await migrateDatabase(database);

      const [kept] = await queryRows<{
        users: number;
        sessions: number;
        invitations: number;
        migrations: number;
      }>(
        database.db,
        sql`select (select count(*)::int from users) as users, (select count(*)::int from sessions) as sessions,
                   (select count(*)::int from user_invitations) as invitations,
                   (select count(*)::int from drizzle.__drizzle_migrations) as migrations`,
      );
      expect(kept).toEqual({ users: 4, sessions: 1, invitations: 1, migrations: journal.entries.length });
      for (const campaignId of campaigns) {
        expect(await rollupDisagreements(database.db, campaignId)).toEqual({
          daily: 0,
          annotators: 0,
          times: 0,
          battles: 0,
        });
        const { leaderboard, rankings } = await leaderboardAndRankings(database.db, campaignId);
        expect(leaderboard.battles).toBeGreaterThan(0);
        expect(leaderboard).toEqual(rankings);
        const [raw] = await queryRows<{ primary: number }>(
          database.db,
          sql`select count(*)::int as primary from comparisons where campaign_id = ${campaignId} and source = 'primary'`,
        );
        const dashboard = await getCampaignDashboard(database.db, { campaignId });
        expect(dashboard.totals.comparisons).toBe(raw.primary);
      }
    } finally {
      await database.close();
    }
  });
});
