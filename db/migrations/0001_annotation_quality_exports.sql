CREATE TYPE "public"."batch_status" AS ENUM('open', 'closed');--> statement-breakpoint
CREATE TYPE "public"."campaign_kind" AS ENUM('helpfulness', 'safety');--> statement-breakpoint
CREATE TYPE "public"."campaign_status" AS ENUM('draft', 'active', 'paused', 'archived');--> statement-breakpoint
CREATE TYPE "public"."endpoint_kind" AS ENUM('local', 'openai');--> statement-breakpoint
CREATE TYPE "public"."membership_mode" AS ENUM('all', 'selected');--> statement-breakpoint
CREATE TYPE "public"."comparison_source" AS ENUM('primary', 'overlap', 'gold');--> statement-breakpoint
CREATE TYPE "public"."conversation_origin" AS ENUM('annotator', 'imported', 'synthetic');--> statement-breakpoint
CREATE TYPE "public"."conversation_status" AS ENUM('active', 'ended');--> statement-breakpoint
CREATE TYPE "public"."problem_kind" AS ENUM('empty', 'broken', 'failed', 'other');--> statement-breakpoint
CREATE TYPE "public"."response_status" AS ENUM('pending', 'streaming', 'completed', 'failed');--> statement-breakpoint
CREATE TYPE "public"."review_status" AS ENUM('pending', 'accepted', 'rejected');--> statement-breakpoint
CREATE TYPE "public"."safety_bin" AS ENUM('only_chosen_safe', 'both_safe', 'both_unsafe', 'chosen_unsafe_other_safe');--> statement-breakpoint
CREATE TYPE "public"."strength" AS ENUM('significantly_better', 'better', 'slightly_better', 'negligibly_better');--> statement-breakpoint
CREATE TYPE "public"."pair_task_kind" AS ENUM('overlap', 'gold');--> statement-breakpoint
CREATE TYPE "public"."pair_task_status" AS ENUM('pending', 'done', 'skipped');--> statement-breakpoint
CREATE TYPE "public"."review_decision" AS ENUM('accepted', 'rejected');--> statement-breakpoint
CREATE TYPE "public"."export_status" AS ENUM('running', 'completed', 'failed', 'cancelled');--> statement-breakpoint
CREATE TABLE "batches" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"campaign_id" uuid NOT NULL,
	"number" integer NOT NULL,
	"label" text DEFAULT '' NOT NULL,
	"status" "batch_status" DEFAULT 'open' NOT NULL,
	"variant_versions" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"opened_by_id" uuid,
	"closed_by_id" uuid,
	"opened_at" timestamp with time zone DEFAULT now() NOT NULL,
	"closed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "campaign_guideline_versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"campaign_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"guidelines" text NOT NULL,
	"created_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "campaign_members" (
	"campaign_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"added_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "campaign_members_campaign_id_user_id_pk" PRIMARY KEY("campaign_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "campaigns" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"kind" "campaign_kind" NOT NULL,
	"status" "campaign_status" DEFAULT 'active' NOT NULL,
	"guidelines" text DEFAULT '' NOT NULL,
	"guidelines_version" integer DEFAULT 1 NOT NULL,
	"responses_per_turn" integer DEFAULT 2 NOT NULL,
	"max_turns" integer DEFAULT 6 NOT NULL,
	"system_prompt" text,
	"safety_preprompt" text,
	"membership" "membership_mode" DEFAULT 'all' NOT NULL,
	"daily_quota" integer,
	"overlap_fraction" real DEFAULT 0 NOT NULL,
	"gold_fraction" real DEFAULT 0 NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"archived_at" timestamp with time zone,
	CONSTRAINT "campaigns_responses_per_turn_range" CHECK ("campaigns"."responses_per_turn" between 2 and 4),
	CONSTRAINT "campaigns_max_turns_range" CHECK ("campaigns"."max_turns" between 1 and 50),
	CONSTRAINT "campaigns_overlap_fraction_range" CHECK ("campaigns"."overlap_fraction" between 0 and 1),
	CONSTRAINT "campaigns_gold_fraction_range" CHECK ("campaigns"."gold_fraction" between 0 and 1)
);
--> statement-breakpoint
CREATE TABLE "guideline_acknowledgements" (
	"campaign_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"acknowledged_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "guideline_acknowledgements_campaign_id_user_id_version_pk" PRIMARY KEY("campaign_id","user_id","version")
);
--> statement-breakpoint
CREATE TABLE "model_variants" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"campaign_id" uuid NOT NULL,
	"name" text NOT NULL,
	"endpoint_kind" "endpoint_kind" NOT NULL,
	"base_url" text,
	"model" text NOT NULL,
	"model_path" text,
	"api_key_env" text,
	"temperature" real DEFAULT 0.7 NOT NULL,
	"top_p" real DEFAULT 0.95 NOT NULL,
	"top_k" integer,
	"max_tokens" integer DEFAULT 512 NOT NULL,
	"version_label" text DEFAULT 'v1' NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "comparisons" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"turn_id" uuid NOT NULL,
	"conversation_id" uuid NOT NULL,
	"campaign_id" uuid NOT NULL,
	"batch_id" uuid NOT NULL,
	"annotator_id" uuid NOT NULL,
	"source" "comparison_source" DEFAULT 'primary' NOT NULL,
	"pair_task_id" uuid,
	"chosen_response_id" uuid NOT NULL,
	"rejected_response_id" uuid NOT NULL,
	"ranking" jsonb NOT NULL,
	"strength" "strength" NOT NULL,
	"response_safety" jsonb,
	"safety_bin" "safety_bin",
	"note" text,
	"time_spent_ms" integer NOT NULL,
	"idempotency_key" text NOT NULL,
	"review_status" "review_status" DEFAULT 'pending' NOT NULL,
	"is_gold" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "comparisons_time_spent_nonnegative" CHECK ("comparisons"."time_spent_ms" >= 0)
);
--> statement-breakpoint
CREATE TABLE "conversations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"campaign_id" uuid NOT NULL,
	"batch_id" uuid NOT NULL,
	"annotator_id" uuid NOT NULL,
	"origin" "conversation_origin" DEFAULT 'annotator' NOT NULL,
	"status" "conversation_status" DEFAULT 'active' NOT NULL,
	"system_prompt" text,
	"safety_preprompt" text,
	"risk_category" text,
	"attack_vector" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ended_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "problem_reports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"turn_id" uuid NOT NULL,
	"conversation_id" uuid NOT NULL,
	"campaign_id" uuid NOT NULL,
	"annotator_id" uuid NOT NULL,
	"kind" "problem_kind" NOT NULL,
	"note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "responses" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"turn_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"variant_id" uuid,
	"variant_name" text NOT NULL,
	"variant_version" text NOT NULL,
	"model" text NOT NULL,
	"endpoint_kind" "endpoint_kind" NOT NULL,
	"endpoint" text NOT NULL,
	"temperature" real NOT NULL,
	"top_p" real NOT NULL,
	"top_k" integer,
	"max_tokens" integer NOT NULL,
	"seed" bigint NOT NULL,
	"prompt_messages" jsonb NOT NULL,
	"text" text DEFAULT '' NOT NULL,
	"status" "response_status" DEFAULT 'pending' NOT NULL,
	"error" text,
	"finish_reason" text,
	"prompt_tokens" integer,
	"completion_tokens" integer,
	"first_token_ms" integer,
	"latency_ms" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "turns" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"conversation_id" uuid NOT NULL,
	"index" integer NOT NULL,
	"user_message" text NOT NULL,
	"chosen_response_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gold_items" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"campaign_id" uuid NOT NULL,
	"turn_id" uuid NOT NULL,
	"source_comparison_id" uuid,
	"expected_chosen_response_id" uuid NOT NULL,
	"expected_strength" "strength",
	"explanation" text,
	"created_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pair_tasks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" "pair_task_kind" NOT NULL,
	"campaign_id" uuid NOT NULL,
	"turn_id" uuid NOT NULL,
	"source_comparison_id" uuid,
	"gold_item_id" uuid,
	"annotator_id" uuid NOT NULL,
	"display_order" jsonb NOT NULL,
	"status" "pair_task_status" DEFAULT 'pending' NOT NULL,
	"result_comparison_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "reviews" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"comparison_id" uuid NOT NULL,
	"reviewer_id" uuid NOT NULL,
	"decision" "review_decision" NOT NULL,
	"comment" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "exports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"format" text NOT NULL,
	"output" text NOT NULL,
	"options" jsonb NOT NULL,
	"status" "export_status" DEFAULT 'running' NOT NULL,
	"row_counts" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"files" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"error" text,
	"created_by_id" uuid,
	"via" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone,
	"duration_ms" integer
);
--> statement-breakpoint
ALTER TABLE "batches" ADD CONSTRAINT "batches_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "batches" ADD CONSTRAINT "batches_opened_by_id_users_id_fk" FOREIGN KEY ("opened_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "batches" ADD CONSTRAINT "batches_closed_by_id_users_id_fk" FOREIGN KEY ("closed_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_guideline_versions" ADD CONSTRAINT "campaign_guideline_versions_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_guideline_versions" ADD CONSTRAINT "campaign_guideline_versions_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_members" ADD CONSTRAINT "campaign_members_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_members" ADD CONSTRAINT "campaign_members_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "guideline_acknowledgements" ADD CONSTRAINT "guideline_acknowledgements_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "guideline_acknowledgements" ADD CONSTRAINT "guideline_acknowledgements_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_variants" ADD CONSTRAINT "model_variants_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "comparisons" ADD CONSTRAINT "comparisons_turn_id_turns_id_fk" FOREIGN KEY ("turn_id") REFERENCES "public"."turns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "comparisons" ADD CONSTRAINT "comparisons_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "comparisons" ADD CONSTRAINT "comparisons_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "comparisons" ADD CONSTRAINT "comparisons_batch_id_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."batches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "comparisons" ADD CONSTRAINT "comparisons_annotator_id_users_id_fk" FOREIGN KEY ("annotator_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "comparisons" ADD CONSTRAINT "comparisons_chosen_response_id_responses_id_fk" FOREIGN KEY ("chosen_response_id") REFERENCES "public"."responses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "comparisons" ADD CONSTRAINT "comparisons_rejected_response_id_responses_id_fk" FOREIGN KEY ("rejected_response_id") REFERENCES "public"."responses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_batch_id_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."batches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_annotator_id_users_id_fk" FOREIGN KEY ("annotator_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "problem_reports" ADD CONSTRAINT "problem_reports_turn_id_turns_id_fk" FOREIGN KEY ("turn_id") REFERENCES "public"."turns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "problem_reports" ADD CONSTRAINT "problem_reports_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "problem_reports" ADD CONSTRAINT "problem_reports_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "problem_reports" ADD CONSTRAINT "problem_reports_annotator_id_users_id_fk" FOREIGN KEY ("annotator_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "responses" ADD CONSTRAINT "responses_turn_id_turns_id_fk" FOREIGN KEY ("turn_id") REFERENCES "public"."turns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "responses" ADD CONSTRAINT "responses_variant_id_model_variants_id_fk" FOREIGN KEY ("variant_id") REFERENCES "public"."model_variants"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "turns" ADD CONSTRAINT "turns_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gold_items" ADD CONSTRAINT "gold_items_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gold_items" ADD CONSTRAINT "gold_items_turn_id_turns_id_fk" FOREIGN KEY ("turn_id") REFERENCES "public"."turns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gold_items" ADD CONSTRAINT "gold_items_source_comparison_id_comparisons_id_fk" FOREIGN KEY ("source_comparison_id") REFERENCES "public"."comparisons"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gold_items" ADD CONSTRAINT "gold_items_expected_chosen_response_id_responses_id_fk" FOREIGN KEY ("expected_chosen_response_id") REFERENCES "public"."responses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gold_items" ADD CONSTRAINT "gold_items_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pair_tasks" ADD CONSTRAINT "pair_tasks_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pair_tasks" ADD CONSTRAINT "pair_tasks_turn_id_turns_id_fk" FOREIGN KEY ("turn_id") REFERENCES "public"."turns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pair_tasks" ADD CONSTRAINT "pair_tasks_source_comparison_id_comparisons_id_fk" FOREIGN KEY ("source_comparison_id") REFERENCES "public"."comparisons"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pair_tasks" ADD CONSTRAINT "pair_tasks_gold_item_id_gold_items_id_fk" FOREIGN KEY ("gold_item_id") REFERENCES "public"."gold_items"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pair_tasks" ADD CONSTRAINT "pair_tasks_annotator_id_users_id_fk" FOREIGN KEY ("annotator_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_comparison_id_comparisons_id_fk" FOREIGN KEY ("comparison_id") REFERENCES "public"."comparisons"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_reviewer_id_users_id_fk" FOREIGN KEY ("reviewer_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "exports" ADD CONSTRAINT "exports_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "batches_campaign_number_key" ON "batches" USING btree ("campaign_id","number");--> statement-breakpoint
CREATE UNIQUE INDEX "batches_one_open_per_campaign" ON "batches" USING btree ("campaign_id") WHERE "batches"."status" = 'open';--> statement-breakpoint
CREATE UNIQUE INDEX "campaign_guideline_versions_key" ON "campaign_guideline_versions" USING btree ("campaign_id","version");--> statement-breakpoint
CREATE INDEX "campaign_members_user_idx" ON "campaign_members" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "campaigns_name_key" ON "campaigns" USING btree ("name");--> statement-breakpoint
CREATE INDEX "model_variants_campaign_idx" ON "model_variants" USING btree ("campaign_id");--> statement-breakpoint
CREATE UNIQUE INDEX "model_variants_campaign_name_key" ON "model_variants" USING btree ("campaign_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "comparisons_idempotency_key" ON "comparisons" USING btree ("idempotency_key");--> statement-breakpoint
CREATE UNIQUE INDEX "comparisons_turn_annotator_key" ON "comparisons" USING btree ("turn_id","annotator_id");--> statement-breakpoint
CREATE INDEX "comparisons_campaign_created_idx" ON "comparisons" USING btree ("campaign_id","created_at");--> statement-breakpoint
CREATE INDEX "comparisons_campaign_batch_idx" ON "comparisons" USING btree ("campaign_id","batch_id");--> statement-breakpoint
CREATE INDEX "comparisons_annotator_created_idx" ON "comparisons" USING btree ("annotator_id","created_at");--> statement-breakpoint
CREATE INDEX "comparisons_review_idx" ON "comparisons" USING btree ("campaign_id","review_status","created_at");--> statement-breakpoint
CREATE INDEX "comparisons_turn_idx" ON "comparisons" USING btree ("turn_id");--> statement-breakpoint
CREATE INDEX "conversations_annotator_idx" ON "conversations" USING btree ("annotator_id","campaign_id","status");--> statement-breakpoint
CREATE INDEX "conversations_campaign_idx" ON "conversations" USING btree ("campaign_id","created_at");--> statement-breakpoint
CREATE INDEX "problem_reports_campaign_idx" ON "problem_reports" USING btree ("campaign_id","created_at");--> statement-breakpoint
CREATE INDEX "problem_reports_annotator_idx" ON "problem_reports" USING btree ("annotator_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "responses_turn_position_key" ON "responses" USING btree ("turn_id","position");--> statement-breakpoint
CREATE INDEX "responses_variant_idx" ON "responses" USING btree ("variant_id");--> statement-breakpoint
CREATE UNIQUE INDEX "turns_conversation_index_key" ON "turns" USING btree ("conversation_id","index");--> statement-breakpoint
CREATE UNIQUE INDEX "gold_items_turn_key" ON "gold_items" USING btree ("turn_id");--> statement-breakpoint
CREATE INDEX "gold_items_campaign_idx" ON "gold_items" USING btree ("campaign_id");--> statement-breakpoint
CREATE UNIQUE INDEX "pair_tasks_turn_annotator_key" ON "pair_tasks" USING btree ("turn_id","annotator_id");--> statement-breakpoint
CREATE INDEX "pair_tasks_queue_idx" ON "pair_tasks" USING btree ("annotator_id","status","created_at");--> statement-breakpoint
CREATE INDEX "pair_tasks_campaign_idx" ON "pair_tasks" USING btree ("campaign_id","kind","status");--> statement-breakpoint
CREATE INDEX "reviews_comparison_idx" ON "reviews" USING btree ("comparison_id","created_at");--> statement-breakpoint
CREATE INDEX "reviews_reviewer_idx" ON "reviews" USING btree ("reviewer_id","created_at");--> statement-breakpoint
CREATE INDEX "exports_created_idx" ON "exports" USING btree ("created_at");