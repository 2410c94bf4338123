CREATE TABLE "overlap_candidates" (
	"comparison_id" uuid PRIMARY KEY NOT NULL,
	"campaign_id" uuid NOT NULL,
	"turn_id" uuid NOT NULL,
	"author_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"pair_task_id" uuid
);
--> statement-breakpoint
CREATE TABLE "annotator_rollups" (
	"campaign_id" uuid NOT NULL,
	"batch_id" uuid NOT NULL,
	"annotator_id" uuid NOT NULL,
	"source" "comparison_source" NOT NULL,
	"review_status" "review_status" NOT NULL,
	"comparisons" integer NOT NULL,
	"time_spent_ms_sum" bigint NOT NULL,
	CONSTRAINT "annotator_rollups_pk" PRIMARY KEY("campaign_id","batch_id","annotator_id","source","review_status")
);
--> statement-breakpoint
CREATE TABLE "battle_rollups" (
	"campaign_id" uuid NOT NULL,
	"batch_id" uuid NOT NULL,
	"review_status" "review_status" NOT NULL,
	"winner_name" text NOT NULL,
	"winner_version" text NOT NULL,
	"loser_name" text NOT NULL,
	"loser_version" text NOT NULL,
	"is_tie" boolean NOT NULL,
	"battles" integer NOT NULL,
	CONSTRAINT "battle_rollups_pk" PRIMARY KEY("campaign_id","batch_id","review_status","winner_name","winner_version","loser_name","loser_version","is_tie")
);
--> statement-breakpoint
CREATE TABLE "comparison_daily_rollups" (
	"campaign_id" uuid NOT NULL,
	"batch_id" uuid NOT NULL,
	"day" date NOT NULL,
	"source" "comparison_source" NOT NULL,
	"strength" "strength" NOT NULL,
	"safety_bin" text NOT NULL,
	"review_status" "review_status" NOT NULL,
	"comparisons" integer NOT NULL,
	"time_spent_ms_sum" bigint NOT NULL,
	CONSTRAINT "comparison_daily_rollups_pk" PRIMARY KEY("campaign_id","batch_id","day","source","strength","safety_bin","review_status")
);
--> statement-breakpoint
CREATE TABLE "time_spent_rollups" (
	"campaign_id" uuid NOT NULL,
	"batch_id" uuid NOT NULL,
	"annotator_id" uuid NOT NULL,
	"bucket" smallint NOT NULL,
	"comparisons" integer NOT NULL,
	CONSTRAINT "time_spent_rollups_pk" PRIMARY KEY("campaign_id","batch_id","annotator_id","bucket")
);
--> statement-breakpoint
ALTER TABLE "pair_tasks" ADD COLUMN "batch_id" uuid;--> statement-breakpoint
ALTER TABLE "pair_tasks" ADD COLUMN "source_annotator_id" uuid;--> statement-breakpoint
ALTER TABLE "pair_tasks" ADD COLUMN "reference_side" smallint;--> statement-breakpoint
ALTER TABLE "pair_tasks" ADD COLUMN "reference_strength" smallint;--> statement-breakpoint
ALTER TABLE "pair_tasks" ADD COLUMN "result_side" smallint;--> statement-breakpoint
ALTER TABLE "pair_tasks" ADD COLUMN "result_strength" smallint;--> statement-breakpoint
ALTER TABLE "reviews" ADD COLUMN "annotator_id" uuid;--> statement-breakpoint
ALTER TABLE "overlap_candidates" ADD CONSTRAINT "overlap_candidates_comparison_id_comparisons_id_fk" FOREIGN KEY ("comparison_id") REFERENCES "public"."comparisons"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "overlap_candidates" ADD CONSTRAINT "overlap_candidates_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "annotator_rollups" ADD CONSTRAINT "annotator_rollups_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "battle_rollups" ADD CONSTRAINT "battle_rollups_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "comparison_daily_rollups" ADD CONSTRAINT "comparison_daily_rollups_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "time_spent_rollups" ADD CONSTRAINT "time_spent_rollups_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "overlap_candidates_waiting_idx" ON "overlap_candidates" USING btree ("campaign_id","created_at") WHERE "overlap_candidates"."pair_task_id" is null;--> statement-breakpoint
ALTER TABLE "pair_tasks" ADD CONSTRAINT "pair_tasks_batch_id_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."batches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pair_tasks" ADD CONSTRAINT "pair_tasks_source_annotator_id_users_id_fk" FOREIGN KEY ("source_annotator_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_annotator_id_users_id_fk" FOREIGN KEY ("annotator_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_log_actor_idx" ON "audit_log" USING btree ("actor_id","id");--> statement-breakpoint
CREATE INDEX "audit_log_action_idx" ON "audit_log" USING btree ("action","id");--> statement-breakpoint
CREATE INDEX "pair_tasks_source_comparison_idx" ON "pair_tasks" USING btree ("source_comparison_id");--> statement-breakpoint
CREATE INDEX "reviews_annotator_idx" ON "reviews" USING btree ("annotator_id","created_at");