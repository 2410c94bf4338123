CREATE TABLE "comparison_sides" (
	"comparison_id" uuid PRIMARY KEY NOT NULL,
	"chosen_variant" text NOT NULL,
	"chosen_position" integer NOT NULL,
	"chosen_style_features" integer[],
	"rejected_variant" text NOT NULL,
	"rejected_style_features" integer[]
);
--> statement-breakpoint
ALTER TABLE "comparison_sides" ADD CONSTRAINT "comparison_sides_comparison_id_comparisons_id_fk" FOREIGN KEY ("comparison_id") REFERENCES "public"."comparisons"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "comparison_sides_style_missing_idx" ON "comparison_sides" USING btree ("comparison_id") WHERE "comparison_sides"."chosen_style_features" is null or "comparison_sides"."rejected_style_features" is null;
--> statement-breakpoint
-- Filled when comparisons are saved, whatever the path (submit, pair tasks, imports, the
-- synthetic seed, bulk history), from the responses they compare.
CREATE FUNCTION arbiter_comparison_sides_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO comparison_sides (comparison_id, chosen_variant, chosen_position, chosen_style_features,
                                rejected_variant, rejected_style_features)
  SELECT n.id, rc.variant_name, rc.position, rc.style_features, rr.variant_name, rr.style_features
  FROM new_rows n
  JOIN responses rc ON rc.id = n.chosen_response_id
  JOIN responses rr ON rr.id = n.rejected_response_id;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER comparisons_sides_insert AFTER INSERT ON comparisons
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION arbiter_comparison_sides_insert();
--> statement-breakpoint
INSERT INTO comparison_sides (comparison_id, chosen_variant, chosen_position, chosen_style_features,
                              rejected_variant, rejected_style_features)
SELECT c.id, rc.variant_name, rc.position, rc.style_features, rr.variant_name, rr.style_features
FROM comparisons c
JOIN responses rc ON rc.id = c.chosen_response_id
JOIN responses rr ON rr.id = c.rejected_response_id;
