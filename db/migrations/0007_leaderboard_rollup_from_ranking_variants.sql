-- Battles now read the variants of a ranking from comparisons.ranking_variants, which a
-- BEFORE INSERT trigger fills from the responses. Before, the rollup joined the responses, and
-- a deleted dialogue (whose responses can go before its comparisons) left battles uncounted.

CREATE FUNCTION arbiter_comparisons_ranking_variants() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.ranking_variants IS NULL THEN
    SELECT jsonb_agg(jsonb_build_object('name', r.variant_name, 'version', r.variant_version) ORDER BY e.i)
    INTO NEW.ranking_variants
    FROM jsonb_array_elements_text(NEW.ranking) WITH ORDINALITY AS e(response_id, i)
    JOIN responses r ON r.id = e.response_id::uuid;
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER comparisons_ranking_variants BEFORE INSERT ON comparisons
  FOR EACH ROW EXECUTE FUNCTION arbiter_comparisons_ranking_variants();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION arbiter_comparison_rollup_statements(source_rows text, sign integer) RETURNS SETOF text
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
SELECT c.campaign_id, c.batch_id, c.review_status, a.variant->>'name', a.variant->>'version',
  b.variant->>'name', b.variant->>'version', (a.i = 1 AND b.j = 2 AND c.strength = 'negligibly_better'),
  %2$s * count(*)
FROM %1$s AS c
CROSS JOIN LATERAL jsonb_array_elements(c.ranking_variants) WITH ORDINALITY AS a(variant, i)
CROSS JOIN LATERAL jsonb_array_elements(c.ranking_variants) WITH ORDINALITY AS b(variant, j)
WHERE c.source = 'primary' AND b.j > a.i
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
ON CONFLICT ON CONSTRAINT battle_rollups_pk DO UPDATE
SET battles = r.battles + excluded.battles$q$)
) AS statements(statement)
$fn$;
--> statement-breakpoint

-- Existing comparisons: fill the column, then rebuild every campaign's summaries (the update
-- above went through the rollup trigger with the old, empty values).
UPDATE comparisons c SET ranking_variants = (
  SELECT jsonb_agg(jsonb_build_object('name', r.variant_name, 'version', r.variant_version) ORDER BY e.i)
  FROM jsonb_array_elements_text(c.ranking) WITH ORDINALITY AS e(response_id, i)
  JOIN responses r ON r.id = e.response_id::uuid
) WHERE c.ranking_variants IS NULL;
--> statement-breakpoint
SELECT arbiter_rebuild_rollups(id) FROM campaigns;
