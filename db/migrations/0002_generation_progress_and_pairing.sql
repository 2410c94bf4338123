CREATE TABLE "variant_pair_usage" (
	"campaign_id" uuid NOT NULL,
	"variant_a_id" uuid NOT NULL,
	"variant_b_id" uuid NOT NULL,
	"turns" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "variant_pair_usage_campaign_id_variant_a_id_variant_b_id_pk" PRIMARY KEY("campaign_id","variant_a_id","variant_b_id")
);
--> statement-breakpoint
ALTER TABLE "responses" ADD COLUMN "attempt" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "responses" ADD COLUMN "progress_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "variant_pair_usage" ADD CONSTRAINT "variant_pair_usage_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "variant_pair_usage" ADD CONSTRAINT "variant_pair_usage_variant_a_id_model_variants_id_fk" FOREIGN KEY ("variant_a_id") REFERENCES "public"."model_variants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "variant_pair_usage" ADD CONSTRAINT "variant_pair_usage_variant_b_id_model_variants_id_fk" FOREIGN KEY ("variant_b_id") REFERENCES "public"."model_variants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "conversations_one_active_per_annotator" ON "conversations" USING btree ("annotator_id","campaign_id") WHERE "conversations"."status" = 'active' and "conversations"."origin" = 'annotator';