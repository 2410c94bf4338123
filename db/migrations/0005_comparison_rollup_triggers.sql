-- Keeps the summaries in db/schema/rollups.ts and the overlap candidates in step with the
-- comparisons table, whoever writes it (interactive submits, reviews, bulk imports).
-- Statement-level triggers read the changed rows from transition tables, so a bulk insert of
-- thousands of rows costs one grouped upsert per summary, not one per row.

-- 20 buckets per doubling of the time spent (see db/schema/rollups.ts).
CREATE FUNCTION arbiter_time_bucket(ms integer) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT floor(20 * ln(greatest(ms, 1)) / ln(2))::smallint
$$;
--> statement-breakpoint

-- A stable draw in [0, 1) per comparison: the same comparison is always in or out of overlap.
CREATE FUNCTION arbiter_unit_interval(id uuid) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ('x' || substr(md5(id::text), 1, 8))::bit(32)::bigint / 4294967296.0
$$;
--> statement-breakpoint

-- The upserts that add (sign 1) or remove (sign -1) the rows of `source_rows` (a transition
-- table's name, or a parenthesised query) to or from every summary. Returned as text so the
-- trigger can EXECUTE them in its own context, where the transition tables are visible.
CREATE FUNCTION arbiter_comparison_rollup_statements(source_rows text, sign integer) RETURNS SETOF text
LANGUAGE sql IMMUTABLE AS $fn$
SELECT format(statement, source_rows, sign) FROM (VALUES
($q$INSERT INTO comparison_daily_rollups AS r
  (campaign_id, batch_id, day, source, strength, safety_bin, review_status, comparisons, time_spent_ms_sum)
SELECT campaign_id, batch_id, (created_at AT TIME ZONE 'UTC')::date, source, strength,
  coalesce(safety_bin::text, ''), review_status, %2$s * count(*), %2$s * sum(time_spent_ms)
FROM %1$s AS c
GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7
ON CONFLICT ON CONSTRAINT comparison_daily_rollups_pk DO UPDATE
SET comparisons = r.comparisons + excluded.comparisons,
    time_spent_ms_sum = r.time_spent_ms_sum + excluded.time_spent_ms_sum$q$),
($q$INSERT INTO annotator_rollups AS r
  (campaign_id, batch_id, annotator_id, source, review_status, comparisons, time_spent_ms_sum)
SELECT campaign_id, batch_id, annotator_id, source, review_status, %2$s * count(*), %2$s * sum(time_spent_ms)
FROM %1$s AS c
GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
ON CONFLICT ON CONSTRAINT annotator_rollups_pk DO UPDATE
SET comparisons = r.comparisons + excluded.comparisons,
    time_spent_ms_sum = r.time_spent_ms_sum + excluded.time_spent_ms_sum$q$),
($q$INSERT INTO time_spent_rollups AS r (campaign_id, batch_id, annotator_id, bucket, comparisons)
SELECT campaign_id, batch_id, annotator_id, arbiter_time_bucket(time_spent_ms), %2$s * count(*)
FROM %1$s AS c
GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
ON CONFLICT ON CONSTRAINT time_spent_rollups_pk DO UPDATE
SET comparisons = r.comparisons + excluded.comparisons$q$),
-- Rank breaking: each pair (i < j) of a ranking is one battle that ranking[i] won.
($q$INSERT INTO battle_rollups AS r
  (campaign_id, batch_id, review_status, winner_name, winner_version, loser_name, loser_version, is_tie, battles)
SELECT c.campaign_id, c.batch_id, c.review_status, w.variant_name, w.variant_version,
  l.variant_name, l.variant_version, (a.i = 1 AND b.j = 2 AND c.strength = 'negligibly_better'),
  %2$s * count(*)
FROM %1$s AS c
CROSS JOIN LATERAL jsonb_array_elements_text(c.ranking) WITH ORDINALITY AS a(response_id, i)
CROSS JOIN LATERAL jsonb_array_elements_text(c.ranking) WITH ORDINALITY AS b(response_id, j)
JOIN responses w ON w.id = a.response_id::uuid
JOIN responses l ON l.id = b.response_id::uuid
WHERE c.source = 'primary' AND b.j > a.i
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
ON CONFLICT ON CONSTRAINT battle_rollups_pk DO UPDATE
SET battles = r.battles + excluded.battles$q$)
) AS statements(statement)
$fn$;
--> statement-breakpoint

CREATE FUNCTION arbiter_comparisons_after_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  statement text;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    FOR statement IN SELECT arbiter_comparison_rollup_statements('old_rows', -1) LOOP
      EXECUTE statement;
    END LOOP;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    FOR statement IN SELECT arbiter_comparison_rollup_statements('new_rows', 1) LOOP
      EXECUTE statement;
    END LOOP;
  END IF;
  IF TG_OP = 'INSERT' THEN
    -- The campaign's overlap fraction of new primary comparisons waits for a second annotator.
    EXECUTE $q$
      INSERT INTO overlap_candidates (comparison_id, campaign_id, turn_id, author_id, created_at)
      SELECT n.id, n.campaign_id, n.turn_id, n.annotator_id, n.created_at
      FROM new_rows n JOIN campaigns k ON k.id = n.campaign_id
      WHERE n.source = 'primary' AND arbiter_unit_interval(n.id) < k.overlap_fraction
      ON CONFLICT DO NOTHING$q$;
  ELSE
    EXECUTE $q$DELETE FROM comparison_daily_rollups
      WHERE comparisons = 0 AND campaign_id IN (SELECT campaign_id FROM old_rows)$q$;
    EXECUTE $q$DELETE FROM annotator_rollups
      WHERE comparisons = 0 AND campaign_id IN (SELECT campaign_id FROM old_rows)$q$;
    EXECUTE $q$DELETE FROM time_spent_rollups
      WHERE comparisons = 0 AND campaign_id IN (SELECT campaign_id FROM old_rows)$q$;
    EXECUTE $q$DELETE FROM battle_rollups
      WHERE battles = 0 AND campaign_id IN (SELECT campaign_id FROM old_rows)$q$;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint

CREATE TRIGGER comparisons_rollups_insert AFTER INSERT ON comparisons
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION arbiter_comparisons_after_change();
--> statement-breakpoint
CREATE TRIGGER comparisons_rollups_update AFTER UPDATE ON comparisons
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION arbiter_comparisons_after_change();
--> statement-breakpoint
CREATE TRIGGER comparisons_rollups_delete AFTER DELETE ON comparisons
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION arbiter_comparisons_after_change();
--> statement-breakpoint

-- Rebuilds one campaign's summaries from its comparisons (a repair tool; the triggers keep
-- them right in normal operation).
CREATE FUNCTION arbiter_rebuild_rollups(target_campaign uuid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  statement text;
BEGIN
  DELETE FROM comparison_daily_rollups WHERE campaign_id = target_campaign;
  DELETE FROM annotator_rollups WHERE campaign_id = target_campaign;
  DELETE FROM time_spent_rollups WHERE campaign_id = target_campaign;
  DELETE FROM battle_rollups WHERE campaign_id = target_campaign;
  FOR statement IN SELECT arbiter_comparison_rollup_statements(
    format('(SELECT * FROM comparisons WHERE campaign_id = %L)', target_campaign), 1) LOOP
    EXECUTE statement;
  END LOOP;
END
$$;
--> statement-breakpoint

-- Comparisons stored before this migration.
SELECT arbiter_rebuild_rollups(id) FROM campaigns;
